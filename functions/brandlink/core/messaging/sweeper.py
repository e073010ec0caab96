"""The sweeper: settles messages left in ``sending`` by a crash between the provider call and the
final write, so none stays there forever.

Rule (docs/receipts.md): a message still ``sending`` ``sweep_after`` after its last update becomes
``failed`` with 30008 ("unknown error"), and its status callback is queued. Dispatch cannot tell
whether the provider took the message (the crash may have come after the provider accepted it), so
the sweeper never re-sends: a duplicate text is worse than a message reported failed. The timeout is
longer than the longest retry delay (15 min), so a message waiting for its next attempt (which
stays ``sending`` and is re-dated by each claim) is never swept. The write is conditional on the
status and attempt count the sweeper read: a dispatch or a receipt that moves the message first
wins, and the sweeper changes nothing. A receipt arriving after the sweep does not reopen the
message (statuses move only forward).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.callback_jobs import callback_job
from brandlink.core.messaging.model import FAILED, SENDING, Message
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.status_callbacks import CallbackQueue
from brandlink.core.services.repository import ServiceRepository

SWEPT_MESSAGE = (
    "The message stayed sending past the sweeper's timeout: the provider's answer was lost, so whether it "
    "was delivered is unknown; it was not sent again."
)


class StuckMessages(Protocol):
    def stuck_sending(self, updated_before: datetime, limit: int) -> list[Message]:
        """Messages in ``sending`` whose last update is older than ``updated_before``."""
        ...


class SweptStore(MessageRepository, StuckMessages, Protocol):
    """The messages store as the sweeper uses it."""


@dataclass(frozen=True)
class SweepResult:
    found: int
    settled: int


@dataclass
class Sweeper:
    messages: SweptStore
    services: ServiceRepository
    callbacks: CallbackQueue
    sweep_after: timedelta
    batch: int = 500
    clock: Callable[[], datetime] = utcnow

    def sweep(self) -> SweepResult:
        now = self.clock()
        stuck = self.messages.stuck_sending(now - self.sweep_after, self.batch)
        settled = sum(1 for message in stuck if self._settle(message, now))
        return SweepResult(found=len(stuck), settled=settled)

    def _settle(self, message: Message, now: datetime) -> bool:
        if message.status != SENDING or message.date_updated > now - self.sweep_after:
            return False
        failed = replace(
            message,
            status=FAILED,
            error_code=int(ErrorCode.UNKNOWN_ERROR),
            error_message=SWEPT_MESSAGE,
            date_updated=now,
        )
        if not self.messages.replace(
            failed,
            expected_statuses=frozenset({SENDING}),
            expected_attempts=message.attempts,
            expected_from=message.from_,  # a Fallback to Long Code re-send in between is not swept
        ):
            return False
        service = (
            self.services.get(message.account_sid, message.messaging_service_sid)
            if message.messaging_service_sid
            else None
        )
        job = callback_job(failed, service.status_callback if service else None)
        if job is not None:
            self.callbacks.enqueue([job])
        return True
