"""The sweeper: messages stuck in ``sending`` past the timeout become ``failed`` 30008, once, with a callback."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from brandlink.core.messaging.model import DELIVERED, FAILED, SENDING, SENT
from brandlink.core.messaging.receipts import Applied, DeliveryReport, ReceiptProcessor
from brandlink.core.messaging.sweeper import Sweeper
from testkit.messaging_fakes import ACCOUNT, FakeClock, InMemoryMessages, InMemoryServices, RecordingCallbacks
from tests.unit.test_receipts import SID, stored_message

TIMEOUT = timedelta(minutes=30)


def harness() -> tuple[FakeClock, InMemoryMessages, RecordingCallbacks, Sweeper]:
    clock, messages, callbacks = FakeClock(), InMemoryMessages(), RecordingCallbacks()
    return clock, messages, callbacks, Sweeper(messages, InMemoryServices(), callbacks, TIMEOUT, clock=clock)


def test_a_message_stuck_in_sending_past_the_timeout_is_settled_failed_30008() -> None:
    clock, messages, callbacks, sweeper = harness()
    messages.add(stored_message(SENDING))
    clock.advance(TIMEOUT.total_seconds() + 1)

    result = sweeper.sweep()

    stored = messages.items[SID]
    assert (result.found, result.settled) == (1, 1)
    assert (stored.status, stored.error_code) == (FAILED, 30008)
    assert "not sent again" in (stored.error_message or "")
    assert callbacks.statuses() == [FAILED]
    assert callbacks.jobs[0].params["ErrorCode"] == "30008"
    assert sweeper.sweep().settled == 0  # nothing twice
    assert callbacks.statuses() == [FAILED]


def test_a_message_within_the_timeout_or_already_final_is_left_alone() -> None:
    clock, messages, callbacks, sweeper = harness()
    messages.add(stored_message(SENDING))
    messages.add(replace(stored_message(SENT), sid="SM" + "2" * 32))
    clock.advance(TIMEOUT.total_seconds() - 1)
    assert sweeper.sweep().settled == 0
    assert messages.items[SID].status == SENDING
    assert callbacks.jobs == []


def test_a_retry_that_claimed_the_message_meanwhile_wins() -> None:
    clock, messages, callbacks, sweeper = harness()
    stale = stored_message(SENDING)
    messages.add(stale)
    clock.advance(TIMEOUT.total_seconds() + 1)
    # Dispatch claims the next attempt between the sweeper's read and its write.
    messages.items[SID] = replace(stale, attempts=stale.attempts + 1, date_updated=clock.now)
    messages.stuck_sending = lambda before, limit: [stale]  # type: ignore[method-assign]
    assert sweeper.sweep().settled == 0
    assert messages.items[SID].status == SENDING
    assert callbacks.jobs == []


def test_a_receipt_after_the_sweep_does_not_reopen_the_message() -> None:
    clock, messages, callbacks, sweeper = harness()
    messages.add(stored_message(SENDING))
    clock.advance(TIMEOUT.total_seconds() + 1)
    sweeper.sweep()
    receipts = ReceiptProcessor(messages, InMemoryServices(), callbacks, clock=clock)
    assert receipts.apply(DeliveryReport(ACCOUNT, SID, DELIVERED, "sms")) is Applied.IGNORED
    assert messages.items[SID].status == FAILED
