"""Fallback to Long Code: an undelivered short-code message is re-sent once from a long code of its pool;
its final status is the second attempt's, and it never falls back twice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from brandlink.core.messaging.dispatch import Outcome
from brandlink.core.messaging.model import DELIVERED, SENDING, SENT, UNDELIVERED, Message
from brandlink.core.messaging.receipts import Applied, DeliveryReport, ReceiptProcessor
from brandlink.core.messaging.receipts_fallback import LongCodeFallback
from testkit.messaging_fakes import ACCOUNT
from tests.unit.test_dispatch import SERVICE_SID, TO, Harness, pool_sender

SHORT_CODE = "24680"
LONG_CODE = "+14155552699"


def setup(fallback_on: bool = True, with_long_code: bool = True) -> tuple[Harness, Message, ReceiptProcessor]:
    """A short-code message of a service whose pool has the short code (and a long code), sent."""
    harness = Harness()
    harness.set_service(fallback_to_long_code=fallback_on, sticky_sender=False)
    harness.senders.pools[SERVICE_SID] = [pool_sender("SC00", SHORT_CODE, kind="short_code")]
    if with_long_code:
        harness.senders.pools[SERVICE_SID].append(pool_sender("PN01", LONG_CODE))
    message = harness.create(
        To=TO, MessagingServiceSid=SERVICE_SID, Body="Hello", StatusCallback="https://cb.example/s"
    )
    harness.messages.items[message.sid] = replace(harness.stored(message), from_=SHORT_CODE)
    (request, _delay) = harness.send_queue.requests.pop()
    assert harness.dispatcher().dispatch(request) is Outcome.SENT
    assert harness.stored(message).from_ == SHORT_CODE
    processor = ReceiptProcessor(
        harness.messages,
        harness.services,  # type: ignore[arg-type]
        harness.callbacks,
        clock=harness.clock,
        fallback=LongCodeFallback(harness.senders, harness.send_queue, clock=harness.clock),  # type: ignore[arg-type]
    )
    return harness, message, processor


def undelivered(message: Message, code: int, sender: str | None = None) -> DeliveryReport:
    return DeliveryReport(ACCOUNT, message.sid, UNDELIVERED, "outbox", error_code=code, from_=sender)


def test_an_eligible_undelivered_short_code_message_is_resent_once_from_a_long_code() -> None:
    harness, message, processor = setup()
    assert harness.callbacks.statuses() == [SENDING, SENT]

    assert processor.apply(undelivered(message, 30003, SHORT_CODE)) is Applied.FELL_BACK

    stored = harness.stored(message)
    assert (stored.status, stored.from_, stored.fallback_from) == (SENDING, LONG_CODE, SHORT_CODE)
    assert harness.callbacks.statuses() == [SENDING, SENT]  # the first attempt's undelivered is not announced
    (request, _delay) = harness.send_queue.requests.pop()
    assert request.attempt == stored.attempts
    assert harness.dispatcher().dispatch(request) is Outcome.SENT
    assert [(m.from_, m.body) for m in harness.provider.sent] == [(SHORT_CODE, "Hello"), (LONG_CODE, "Hello")]
    assert harness.stored(message).status == SENT

    # The short code's receipt again (a duplicate) is stale; the long code's says the final word.
    assert processor.apply(undelivered(message, 30003, SHORT_CODE)) is Applied.IGNORED
    assert (
        processor.apply(DeliveryReport(ACCOUNT, message.sid, DELIVERED, "outbox", from_=LONG_CODE)) is Applied.CHANGED
    )
    assert harness.stored(message).status == DELIVERED
    assert harness.callbacks.statuses() == [SENDING, SENT, SENT, DELIVERED]


def test_a_message_falls_back_at_most_once() -> None:
    harness, message, processor = setup()
    processor.apply(undelivered(message, 30006, SHORT_CODE))
    (request, _delay) = harness.send_queue.requests.pop()
    harness.dispatcher().dispatch(request)

    assert processor.apply(undelivered(message, 30006, LONG_CODE)) is Applied.CHANGED

    stored = harness.stored(message)
    assert (stored.status, stored.error_code, stored.from_) == (UNDELIVERED, 30006, LONG_CODE)
    assert harness.send_queue.requests == []
    assert len(harness.provider.sent) == 2


@pytest.mark.parametrize("code", [30005, 30007, 30008, 21610])
def test_codes_a_long_code_cannot_get_around_do_not_fall_back(code: int) -> None:
    harness, message, processor = setup()
    assert processor.apply(undelivered(message, code)) is Applied.CHANGED
    assert harness.stored(message).status == UNDELIVERED
    assert harness.send_queue.requests == []


@pytest.mark.parametrize(("fallback_on", "with_long_code"), [(False, True), (True, False)])
def test_no_fallback_when_the_service_does_not_want_it_or_has_no_long_code(
    fallback_on: bool, with_long_code: bool
) -> None:
    harness, message, processor = setup(fallback_on, with_long_code)
    assert processor.apply(undelivered(message, 30003)) is Applied.CHANGED
    assert harness.stored(message).status == UNDELIVERED
    assert harness.callbacks.statuses()[-1] == UNDELIVERED


def test_a_long_code_message_does_not_fall_back() -> None:
    harness, message, processor = setup()
    harness.messages.items[message.sid] = replace(harness.stored(message), from_=LONG_CODE)
    assert processor.apply(undelivered(message, 30003)) is Applied.CHANGED
    assert harness.send_queue.requests == []
