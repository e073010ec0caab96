"""In-memory stand-ins for the message path's stores, queues and provider.

Shared by the unit tests and bench/, so it lives outside tests/ (bench must not import tests) and
outside functions/ (the Lambda asset does not ship it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt
from brandlink.core.messaging.dispatch import DispatchRequest
from brandlink.core.messaging.model import Message, MessageFeedback, MessageQuery
from brandlink.core.messaging.repository import ScheduledCapReached
from brandlink.core.messaging.scheduling import OneTimeSchedule
from brandlink.core.messaging.status_callbacks import StatusCallbackJob
from brandlink.core.senders.model import Sender
from brandlink.core.services.model import MessagingService

ACCOUNT = "AC" + "a" * 32


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2030, 1, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class InMemoryMessages:
    """Same contract as the DynamoDB store: conditional replace/delete and the scheduled counter."""

    def __init__(self) -> None:
        self.items: dict[str, Message] = {}
        self.scheduled: Counter[str] = Counter()

    def add(self, message: Message, *, scheduled_cap: int | None = None) -> None:
        if message.sid in self.items:
            raise RuntimeError("duplicate SID")
        if scheduled_cap is not None:
            if self.scheduled[message.account_sid] >= scheduled_cap:
                raise ScheduledCapReached(message.account_sid)
            self.scheduled[message.account_sid] += 1
        self.items[message.sid] = message

    def get(self, account_sid: str, sid: str) -> Message | None:
        message = self.items.get(sid)
        return message if message is not None and message.account_sid == account_sid else None

    def _matches(
        self, message: Message, statuses: frozenset[str], attempts: int | None, from_: str | None = None
    ) -> bool:
        stored = self.items.get(message.sid)
        return (
            stored is not None
            and stored.account_sid == message.account_sid
            and stored.status in statuses
            and (attempts is None or stored.attempts == attempts)
            and (from_ is None or stored.from_ == from_)
        )

    def replace(
        self,
        message: Message,
        *,
        expected_statuses: frozenset[str],
        expected_attempts: int | None = None,
        expected_from: str | None = None,
        release_scheduled_slot: bool = False,
    ) -> bool:
        if not self._matches(message, expected_statuses, expected_attempts, expected_from):
            return False
        self.items[message.sid] = message
        if release_scheduled_slot:
            self.scheduled[message.account_sid] -= 1
        return True

    def record_provider_message_id(self, message: Message, *, expected_statuses: frozenset[str]) -> bool:
        stored = self.items.get(message.sid)
        if stored is None or not self._matches(message, expected_statuses, message.attempts, message.from_ or ""):
            return False
        self.items[message.sid] = replace(stored, provider_message_id=message.provider_message_id)
        return True

    def delete(self, message: Message, *, expected_statuses: frozenset[str], release_scheduled_slot: bool) -> bool:
        if not self._matches(message, expected_statuses, None):
            return False
        del self.items[message.sid]
        if release_scheduled_slot:
            self.scheduled[message.account_sid] -= 1
        return True

    def page(self, account_sid: str, request: PageRequest, query: MessageQuery, now: datetime) -> Page[Message]:
        mine = [m for m in self.items.values() if m.account_sid == account_sid and not m.is_expired(now)]
        return Page(sorted(mine, key=lambda m: m.date_created, reverse=True)[: request.page_size])

    def stuck_sending(self, updated_before: datetime, limit: int) -> list[Message]:
        stuck = [m for m in self.items.values() if m.status == "sending" and m.date_updated < updated_before]
        return sorted(stuck, key=lambda m: m.date_updated)[:limit]

    def record_feedback(self, message: Message, feedback: MessageFeedback) -> bool:
        stored = self.items.get(message.sid)
        if stored is None or stored.account_sid != message.account_sid:
            return False
        self.items[message.sid] = replace(stored, feedback=feedback)
        return True


class InMemoryServices:
    def __init__(self, *services: MessagingService) -> None:
        self.services = {s.sid: s for s in services}

    def get(self, account_sid: str, sid: str) -> MessagingService | None:
        service = self.services.get(sid)
        return service if service is not None and service.account_sid == account_sid else None


class InMemorySenders:
    def __init__(self) -> None:
        self.pools: dict[str, list[Sender]] = {}
        self.owned: list[Sender] = []

    def pool(self, service_sid: str) -> list[Sender]:
        return list(self.pools.get(service_sid, []))

    def find_by_address(self, account_sid: str, address: str) -> list[Sender]:
        return [s for s in self.owned if s.account_sid == account_sid and s.address == address]


class InMemorySticky:
    def __init__(self) -> None:
        self.mappings: dict[tuple[str, str], str] = {}

    def get(self, service_sid: str, to: str) -> str | None:
        return self.mappings.get((service_sid, to))

    def remember(self, service_sid: str, to: str, from_address: str, expires_at: datetime) -> None:
        self.mappings[(service_sid, to)] = from_address

    def forget(self, service_sid: str, to: str) -> None:
        self.mappings.pop((service_sid, to), None)


class RecordingProvider:
    """Accepts every message, or raises the queued failures first (one per call)."""

    name = "recording"

    def __init__(self, failures: Sequence[Exception] = ()) -> None:
        self.sent: list[OutgoingMessage] = []
        self.failures = list(failures)

    def send(self, message: OutgoingMessage) -> Receipt:
        self.sent.append(message)
        if self.failures:
            raise self.failures.pop(0)
        return Receipt(provider_message_id=f"p-{len(self.sent)}")


class RacingProvider(RecordingProvider):
    """Accepts every message, but runs ``meanwhile`` before answering: what happens while dispatch waits
    on the provider (a delivery receipt applied before dispatch's final write, say)."""

    def __init__(self, meanwhile: Callable[[OutgoingMessage], None]) -> None:
        super().__init__()
        self.meanwhile = meanwhile

    def send(self, message: OutgoingMessage) -> Receipt:
        receipt = super().send(message)
        self.meanwhile(message)
        return receipt


def transient() -> DeliveryError:
    return DeliveryError(30001, "throttled", retryable=True)


class RecordingSendQueue:
    def __init__(self) -> None:
        self.requests: list[tuple[DispatchRequest, int]] = []

    def enqueue(self, request: DispatchRequest, *, delay_seconds: int = 0) -> None:
        self.requests.append((request, delay_seconds))


class RecordingCallbacks:
    def __init__(self) -> None:
        self.jobs: list[StatusCallbackJob] = []

    def enqueue(self, jobs: Sequence[StatusCallbackJob]) -> None:
        self.jobs.extend(jobs)

    def statuses(self) -> list[str]:
        return [job.params["MessageStatus"] for job in self.jobs]


class RecordingScheduler:
    def __init__(self) -> None:
        self.schedules: dict[str, OneTimeSchedule] = {}
        self.deleted: list[str] = []

    def create(self, schedule: OneTimeSchedule) -> None:
        self.schedules[schedule.name] = schedule

    def delete(self, name: str) -> bool:
        self.deleted.append(name)
        return self.schedules.pop(name, None) is not None
