"""TwiML answers → replies, and each provider's inbound payload → InboundEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from brandlink.core.inbound.model import InboundEvent
from brandlink.core.inbound.providers import (
    from_end_user_messaging,
    from_twilio_form,
    from_webhook_json,
    parse_queue_body,
)
from brandlink.core.inbound.twiml import InvalidTwiml, TwimlReply, looks_like_twiml, parse_replies

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("document", "replies"),
    [
        (b"<Response/>", []),
        (b"<Response><Message>Hi</Message></Response>", [TwimlReply("Hi")]),
        (
            b"<?xml version='1.0' encoding='UTF-8'?>\n<Response>\n  <Message> Hi \n</Message>\n</Response>",
            [TwimlReply("Hi")],
        ),
        (
            b"<Response><Message><Body>See</Body><Media>https://x.test/a.png</Media></Message></Response>",
            [TwimlReply("See", ("https://x.test/a.png",))],
        ),
        (b"<Response><Message>a</Message><Message>b</Message></Response>", [TwimlReply("a"), TwimlReply("b")]),
        (b"<Response><Redirect>https://x.test</Redirect></Response>", []),
    ],
)
def test_twiml_messages_become_replies(document: bytes, replies: list[TwimlReply]) -> None:
    assert parse_replies(document) == replies


@pytest.mark.parametrize(
    "document",
    [
        b"<Response><Message>open</Response>",
        b"<Reply><Message>x</Message></Reply>",
        b"<Response><Say>x</Say></Response>",
        b"<Response><Message><Script>x</Script></Message></Response>",
        b"<Response><Message>  </Message></Response>",
        b'<!DOCTYPE z [<!ENTITY a "a"><!ENTITY b "&a;&a;">]><Response><Message>&b;</Message></Response>',
        b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Message>&x;</Message></Response>',
        b"<Response>" + b"<Message>x</Message>" * 11 + b"</Response>",
    ],
)
def test_invalid_or_hostile_twiml_is_refused(document: bytes) -> None:
    with pytest.raises(InvalidTwiml):
        parse_replies(document)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/xml", b"<Response/>", True),
        ("application/xml; charset=utf-8", b"<Response/>", True),
        ("text/html", b"  <Response/>", True),
        ("text/plain", b"OK", False),
        ("text/xml", b"  ", False),
        ("", b"", False),
    ],
)
def test_what_counts_as_a_twiml_answer(content_type: str, body: bytes, expected: bool) -> None:
    assert looks_like_twiml(content_type, body) is expected


def test_end_user_messaging_two_way_sns_notification() -> None:
    inner = {
        "originationNumber": "+14255550182",
        "destinationNumber": "+12125550101",
        "messageKeyword": "KEYWORD_123456789012",
        "messageBody": "Stop",
        "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
        "previousPublishedMessageId": "wJ0bZF8o0MQL0EkG",
    }
    envelope = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": "arn:aws:sns:us-east-1:1:t",
        "Message": json.dumps(inner),
    }
    event = parse_queue_body(json.dumps(envelope), NOW)
    assert event == InboundEvent(
        "sms", "cae173d2-66b9-564c-8309-21f858e9fb84", "+14255550182", "+12125550101", "Stop", NOW
    )


def test_an_sns_payload_without_the_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="originationNumber"):
        from_end_user_messaging({"destinationNumber": "+1", "inboundMessageId": "x"}, NOW)


def test_twilio_incoming_message_form() -> None:
    form = {
        "MessageSid": "SM" + "a" * 32,
        "From": "+14155550100",
        "To": "+14155552671",
        "Body": "hi",
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/m/0",
        "MediaUrl1": "https://api.twilio.com/m/1",
    }
    event = from_twilio_form(form, NOW)
    assert (event.provider, event.provider_message_id, event.from_, event.to) == (
        "twilio",
        "SM" + "a" * 32,
        "+14155550100",
        "+14155552671",
    )
    assert event.media_urls == ("https://api.twilio.com/m/0", "https://api.twilio.com/m/1")
    assert event.message_sid.startswith("MM")


def test_webhook_provider_json() -> None:
    event = from_webhook_json({"id": "w-1", "from": "+1555", "to": "+1666", "body": "yo"}, NOW)
    assert (event.provider, event.provider_message_id, event.body, event.media_urls) == ("webhook", "w-1", "yo", ())
    with pytest.raises(ValueError):
        from_webhook_json({"id": "w-1", "from": "+1555"}, NOW)


def test_the_queue_form_of_an_event_round_trips_and_the_sid_is_stable() -> None:
    event = InboundEvent("outbox", "p-1", "+1555", "+1666", "hi", NOW, ("https://x.test/a",))
    again = parse_queue_body(event.to_json(), NOW)
    assert again == event
    assert again.message_sid == event.message_sid
    other = InboundEvent("twilio", "p-1", "+1555", "+1666", "hi", NOW)
    assert other.message_sid != InboundEvent("outbox", "p-1", "+1555", "+1666", "hi", NOW).message_sid


@pytest.mark.parametrize("body", ["[]", '{"Type": "SubscriptionConfirmation"}', '{"inbound": 1, "provider": "x"}'])
def test_anything_else_on_the_queue_is_refused(body: str) -> None:
    with pytest.raises(ValueError):
        parse_queue_body(body, NOW)
