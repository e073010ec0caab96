"""Delivery receipts applied to messages: forward only, one callback per change, duplicates ignored."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.model import (
    CANCELED,
    DELIVERED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    UNDELIVERED,
    Message,
    MessageOptions,
)
from brandlink.core.messaging.receipts import Applied, DeliveryReport, ReceiptProcessor
from brandlink.core.messaging.status_order import RANK, moves_forward, statuses_before
from brandlink.core.services.model import MessagingService
from testkit.messaging_fakes import ACCOUNT, FakeClock, InMemoryMessages, InMemoryServices, RecordingCallbacks

SID = "SM" + "1" * 32
SERVICE_SID = "MG" + "b" * 32
CALLBACK = "https://hooks.example.com/status"


def stored_message(status: str = SENT, **changes: object) -> Message:
    now = FakeClock().now
    message = Message(
        sid=SID,
        account_sid=ACCOUNT,
        to="+14155550100",
        from_="+14155552671",
        messaging_service_sid=None,
        body="Hello",
        status=status,
        date_created=now,
        date_updated=now,
        expires_at=now + timedelta(days=30),
        num_segments=1,
        status_callback=CALLBACK,
        attempts=1,
        provider_message_id="outbox-" + SID,
    )
    return replace(message, **changes)  # type: ignore[arg-type]


def report(status: str, code: int | None = None, sid: str = SID) -> DeliveryReport:
    return DeliveryReport(ACCOUNT, sid, status, "outbox", error_code=code)


@dataclass
class Harness:
    clock: FakeClock = field(default_factory=FakeClock)
    messages: InMemoryMessages = field(default_factory=InMemoryMessages)
    services: InMemoryServices = field(default_factory=InMemoryServices)
    callbacks: RecordingCallbacks = field(default_factory=RecordingCallbacks)

    @property
    def processor(self) -> ReceiptProcessor:
        return ReceiptProcessor(self.messages, self.services, self.callbacks, clock=self.clock)

    def status(self) -> str:
        return self.messages.items[SID].status


def test_delivered_moves_a_sent_message_and_posts_one_callback() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENT))
    harness.clock.advance(5)

    assert harness.processor.apply(report(DELIVERED)) is Applied.CHANGED

    stored = harness.messages.items[SID]
    assert stored.status == DELIVERED
    assert stored.date_updated == harness.clock.now
    assert harness.callbacks.statuses() == [DELIVERED]
    assert harness.callbacks.jobs[0].url == CALLBACK
    assert "ErrorCode" not in harness.callbacks.jobs[0].params


def test_a_duplicated_receipt_changes_nothing_and_posts_no_second_callback() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENT))
    harness.processor.apply(report(DELIVERED))
    before = harness.messages.items[SID]

    assert harness.processor.apply(report(DELIVERED)) is Applied.IGNORED

    assert harness.messages.items[SID] == before
    assert harness.callbacks.statuses() == [DELIVERED]


def test_a_late_sent_never_overwrites_delivered() -> None:
    harness = Harness()
    harness.messages.add(stored_message(DELIVERED))

    assert harness.processor.apply(report(SENT)) is Applied.IGNORED
    assert harness.status() == DELIVERED
    assert harness.callbacks.jobs == []


def test_undelivered_records_the_code_and_the_callback_carries_it() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENT))

    harness.processor.apply(report(UNDELIVERED, ErrorCode.UNKNOWN_HANDSET))

    stored = harness.messages.items[SID]
    assert (stored.status, stored.error_code) == (UNDELIVERED, 30005)
    assert stored.error_message
    assert harness.callbacks.jobs[0].params["ErrorCode"] == "30005"


def test_undelivered_without_a_code_gets_30008() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENT))
    harness.processor.apply(report(UNDELIVERED))
    assert harness.messages.items[SID].error_code == ErrorCode.UNKNOWN_ERROR


def test_a_receipt_for_a_message_still_sending_applies_retention_options() -> None:
    harness = Harness()
    options = MessageOptions(content_retention="discard", address_retention="obfuscate")
    harness.messages.add(stored_message(SENDING, options=options, date_sent=None))

    harness.processor.apply(report(DELIVERED))

    stored = harness.messages.items[SID]
    assert (stored.status, stored.body) == (DELIVERED, "")
    assert "X" in stored.to
    assert stored.date_sent == harness.clock.now


def test_a_receipt_for_an_unknown_or_foreign_message_changes_nothing() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENT))
    assert harness.processor.apply(report(DELIVERED, sid="SM" + "2" * 32)) is Applied.UNKNOWN_MESSAGE
    other = DeliveryReport("AC" + "f" * 32, SID, DELIVERED, "outbox")
    assert harness.processor.apply(other) is Applied.UNKNOWN_MESSAGE
    assert harness.status() == SENT
    assert harness.callbacks.jobs == []


def test_a_canceled_message_is_never_moved() -> None:
    harness = Harness()
    harness.messages.add(stored_message(CANCELED))
    assert harness.processor.apply(report(DELIVERED)) is Applied.IGNORED
    assert harness.status() == CANCELED


def test_the_service_callback_is_used_when_the_message_has_none() -> None:
    now = FakeClock().now
    service = MessagingService(ACCOUNT, SERVICE_SID, "svc", now, now, status_callback="https://svc.example.com/cb")
    harness = Harness(services=InMemoryServices(service))
    harness.messages.add(stored_message(SENT, status_callback=None, messaging_service_sid=SERVICE_SID))
    harness.processor.apply(report(DELIVERED))
    assert [job.url for job in harness.callbacks.jobs] == ["https://svc.example.com/cb"]


def test_a_write_lost_to_a_concurrent_change_is_read_again() -> None:
    harness = Harness()
    harness.messages.add(stored_message(SENDING))
    real_replace = harness.messages.replace
    raced: list[bool] = []

    def racing_replace(message: Message, **kwargs: object) -> bool:
        if not raced:  # dispatch's final write lands between the receipt's read and its write
            raced.append(True)
            harness.messages.items[SID] = replace(harness.messages.items[SID], status=SENT)
        return real_replace(message, **kwargs)  # type: ignore[arg-type]

    harness.messages.replace = racing_replace  # type: ignore[method-assign]
    assert harness.processor.apply(report(DELIVERED)) is Applied.CHANGED
    assert harness.status() == DELIVERED
    assert harness.callbacks.statuses() == [DELIVERED]


def test_a_report_refuses_a_status_a_receipt_cannot_carry() -> None:
    with pytest.raises(ValueError, match="receipt reports one of"):
        DeliveryReport(ACCOUNT, SID, QUEUED, "outbox")
    with pytest.raises(ValueError):
        DeliveryReport.from_dict({"account_sid": ACCOUNT, "message_sid": SID, "status": "sent"})
    with pytest.raises(ValueError):
        DeliveryReport.from_dict(
            {"account_sid": ACCOUNT, "message_sid": SID, "status": "sent", "source": "x", "error_code": "1"}
        )


def test_a_report_survives_the_queue() -> None:
    import json

    original = report(UNDELIVERED, 30007)
    assert DeliveryReport.from_dict(json.loads(original.to_json())) == original


@pytest.mark.parametrize(
    ("current", "new", "forward"),
    [
        (QUEUED, SENT, True),
        (SENDING, DELIVERED, True),
        (SENT, DELIVERED, True),
        (SENT, UNDELIVERED, True),
        (SENT, SENT, False),
        (DELIVERED, SENT, False),
        (DELIVERED, UNDELIVERED, False),
        (UNDELIVERED, DELIVERED, False),
        (FAILED, DELIVERED, False),
        (CANCELED, SENT, False),
    ],
)
def test_the_order_of_statuses(current: str, new: str, forward: bool) -> None:
    assert moves_forward(current, new) is forward
    if forward:
        assert current in statuses_before(new)


RECEIPTS = st.lists(
    st.tuples(st.sampled_from([SENT, DELIVERED, UNDELIVERED, FAILED]), st.sampled_from([None, 30003, 30005])),
    min_size=1,
    max_size=8,
)


@given(start=st.sampled_from([QUEUED, SENDING, SENT]), receipts=RECEIPTS)
def test_any_ordering_of_receipts_only_moves_forward(start: str, receipts: list[tuple[str, int | None]]) -> None:
    harness = Harness()
    harness.messages.add(stored_message(start))
    seen = [start]
    for status, code in receipts:
        harness.processor.apply(report(status, code))
        seen.append(harness.status())
    ranks = [RANK[status] for status in seen]
    assert ranks == sorted(ranks), seen
    # One callback per change, each announcing the status it moved to, in order.
    changes = [after for before, after in pairwise(seen) if after != before]
    assert harness.callbacks.statuses() == changes
    # The first final receipt wins: what comes after it changes nothing.
    finals = [status for status, _code in receipts if RANK[status] == 3]
    if finals:
        assert harness.status() == finals[0]
