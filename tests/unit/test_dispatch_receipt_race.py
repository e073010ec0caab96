"""A delivery receipt applied while dispatch is still calling the provider: the receipt's status,
error and callback stand, dispatch adds the provider's message ID, and no late ``sent`` follows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from brandlink.core.messaging.delivery import OutgoingMessage
from brandlink.core.messaging.dispatch import Outcome
from brandlink.core.messaging.model import DELIVERED, FAILED, SENDING, SENT, UNDELIVERED, MessageOptions
from brandlink.core.messaging.receipts import Applied, DeliveryReport, ReceiptProcessor
from brandlink.core.messaging.receipts_fallback import LongCodeFallback
from testkit.messaging_fakes import ACCOUNT, RacingProvider, RecordingProvider
from tests.unit.test_dispatch import CALLBACK, FROM, SERVICE_SID, TO, Harness, pool_sender, request_for

SHORT_CODE = "24680"
LONG_CODE = "+14155552699"

_CODES = {DELIVERED: None, SENT: None, UNDELIVERED: 30003, FAILED: 30008}


def receipts_meanwhile(h: Harness, *statuses: str) -> list[Applied]:
    """Make ``h``'s provider apply a receipt per status before it answers; returns their outcomes."""
    applied: list[Applied] = []
    processor = ReceiptProcessor(h.messages, h.services, h.callbacks, clock=h.clock)  # type: ignore[arg-type]

    def carrier(message: OutgoingMessage) -> None:
        assert h.messages.items[message.message_sid].status == SENDING  # dispatch has not written yet
        for status in statuses:
            report = DeliveryReport(
                message.account_sid, message.message_sid, status, "outbox", _CODES[status], from_=message.from_
            )
            applied.append(processor.apply(report))

    h.provider = RacingProvider(carrier)
    return applied


@pytest.mark.parametrize("status", [DELIVERED, UNDELIVERED, FAILED, SENT])
def test_a_receipt_before_the_final_write_keeps_its_status_and_gets_the_provider_id(status: str) -> None:
    h = Harness()
    message = h.send_now()
    applied = receipts_meanwhile(h, status)

    assert h.dispatcher().dispatch(request_for(message)) is Outcome.SENT

    assert applied == [Applied.CHANGED]
    stored = h.stored(message)
    assert (stored.status, stored.error_code) == (status, _CODES[status])
    assert stored.provider_message_id == "p-1"  # what only dispatch knew
    assert (stored.from_, stored.num_segments, stored.attempts, stored.body) == (FROM, 1, 1, "Hello")
    # One per change, no late ``sent``. Dispatch queues its ``sending`` callback with the final one, after
    # the provider call, so here it follows the receipt's; a standard queue keeps no order anyway.
    assert h.callbacks.statuses() == [status, "sending"]


def test_sent_then_delivered_before_the_final_write_announce_each_once() -> None:
    h = Harness()
    message = h.send_now()
    applied = receipts_meanwhile(h, SENT, DELIVERED)

    h.dispatcher().dispatch(request_for(message))

    assert applied == [Applied.CHANGED, Applied.CHANGED]
    stored = h.stored(message)
    assert (stored.status, stored.provider_message_id) == (DELIVERED, "p-1")
    assert h.callbacks.statuses() == ["sent", "delivered", "sending"]


def test_the_undelivered_error_text_and_retention_of_the_receipt_stay() -> None:
    h = Harness()
    message = h.send_now()
    h.messages.items[message.sid] = replace(
        message, options=MessageOptions(content_retention="discard", address_retention="obfuscate")
    )
    receipts_meanwhile(h, UNDELIVERED)

    h.dispatcher().dispatch(request_for(message))

    stored = h.stored(message)
    assert (stored.status, stored.error_code) == (UNDELIVERED, 30003)
    assert stored.error_message == "The carrier reported the message as undelivered."
    assert (stored.body, stored.to, stored.provider_message_id) == ("", "+1415XXXXX00", "p-1")
    assert h.callbacks.jobs[-1].params["To"] == TO  # the callback was built before masking


def test_the_provider_id_is_never_written_over_another_attempt() -> None:
    """Only the attempt and sender dispatch sent goes: not a message re-sent from a long code since."""
    h = Harness()
    message = h.send_now()
    sent = replace(h.stored(message), status=DELIVERED, attempts=1, from_=FROM, provider_message_id="p-1")
    h.messages.items[message.sid] = replace(sent, from_="+14155559999", provider_message_id="p-2")

    assert not h.messages.record_provider_message_id(sent, expected_statuses=frozenset({DELIVERED}))
    assert not h.messages.record_provider_message_id(
        replace(sent, from_="+14155559999", attempts=2), expected_statuses=frozenset({DELIVERED})
    )
    assert not h.messages.record_provider_message_id(
        replace(sent, from_="+14155559999"), expected_statuses=frozenset({SENT})
    )
    assert h.stored(message).provider_message_id == "p-2"


def test_a_fallback_taken_before_the_final_write_is_not_undone() -> None:
    """``sent`` then an eligible ``undelivered`` from the short code, both while dispatch waits: the
    message falls back to a long code, and dispatch's late write of the short-code attempt gives way."""
    h = Harness()
    h.set_service(fallback_to_long_code=True, sticky_sender=False)
    h.senders.pools[SERVICE_SID] = [pool_sender("SC00", SHORT_CODE, kind="short_code"), pool_sender("PN01", LONG_CODE)]
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="Hello", StatusCallback=CALLBACK)
    h.messages.items[message.sid] = replace(h.stored(message), from_=SHORT_CODE)
    (request, _delay) = h.send_queue.requests.pop()
    processor = ReceiptProcessor(
        h.messages,
        h.services,  # type: ignore[arg-type]
        h.callbacks,
        clock=h.clock,
        fallback=LongCodeFallback(h.senders, h.send_queue, clock=h.clock),  # type: ignore[arg-type]
    )
    applied: list[Applied] = []

    def carrier(sent: OutgoingMessage) -> None:
        for status, code in ((SENT, None), (UNDELIVERED, 30003)):
            report = DeliveryReport(ACCOUNT, sent.message_sid, status, "outbox", code, from_=SHORT_CODE)
            applied.append(processor.apply(report))

    h.provider = RacingProvider(carrier)
    h.dispatcher().dispatch(request)

    assert applied == [Applied.CHANGED, Applied.FELL_BACK]
    stored = h.stored(message)
    assert (stored.status, stored.from_, stored.fallback_from, stored.provider_message_id) == (
        SENDING,
        LONG_CODE,
        SHORT_CODE,
        None,
    )
    (resend, _delay) = h.send_queue.requests.pop()
    h.provider = RecordingProvider()
    assert h.dispatcher().dispatch(resend) is Outcome.SENT
    stored = h.stored(message)
    assert (stored.status, stored.from_, stored.provider_message_id) == (SENT, LONG_CODE, "p-1")
    assert h.callbacks.statuses() == [SENT, SENDING, SENT]  # no second ``sent`` of the short code
