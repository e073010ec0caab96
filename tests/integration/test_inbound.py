"""Inbound messages on moto: record, Incoming Messages Handling, signed webhook, TwiML replies, duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from tests.integration.conftest import ApiClient
from tests.integration.inbound_helpers import HANDSET, run_inbound, text_from_handset
from tests.integration.message_helpers import (
    SENDER,
    CallbackReceiver,
    messages_path,
    queue_depth,
    receiver_fixture,
    register_number,
    run_dispatch,
    service_with_numbers,
)

receiver = receiver_fixture


def outbox(api: ApiClient, to: str = HANDSET) -> list[dict[str, Any]]:
    status, body = api.get("/v1/Outbox", query={"To": to})
    assert status == 200, body
    return list(body["messages"])


def test_an_inbound_message_is_recorded_and_posted_signed(api: ApiClient, receiver: CallbackReceiver) -> None:
    service = service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    event = text_from_handset(SENDER, "Hello there")
    assert run_inbound() == 1

    assert len(receiver.received) == 1
    post = receiver.received[0]
    params = post.params
    assert RequestValidator(api.token).validate(post.url, params, post.signature)
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"] == event.message_sid
    assert params["AccountSid"] == api.sid
    assert params["MessagingServiceSid"] == service
    assert (params["From"], params["To"], params["Body"]) == (HANDSET, SENDER, "Hello there")
    assert (params["NumMedia"], params["NumSegments"], params["ApiVersion"]) == ("0", "1", "2010-04-01")
    assert "OptOutType" not in params

    status, message = api.get(messages_path(api, event.message_sid))
    assert status == 200, message
    assert (message["direction"], message["status"]) == ("inbound", "received")
    assert (message["from"], message["to"], message["messaging_service_sid"]) == (HANDSET, SENDER, service)
    status, listing = api.get(messages_path(api), query={"From": HANDSET})
    assert [m["sid"] for m in listing["messages"]] == [event.message_sid]


def test_a_duplicated_provider_message_is_recorded_and_posted_once(api: ApiClient, receiver: CallbackReceiver) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    text_from_handset(SENDER, "once", provider_id="carrier-42")
    text_from_handset(SENDER, "once", provider_id="carrier-42")
    assert run_inbound() == 2
    assert len(receiver.received) == 1
    _status, listing = api.get(messages_path(api), query={"From": HANDSET})
    assert len(listing["messages"]) == 1


def test_without_an_inbound_url_the_message_is_only_recorded(api: ApiClient, receiver: CallbackReceiver) -> None:
    service_with_numbers(api, SENDER)
    event = text_from_handset(SENDER, "anyone?")
    assert run_inbound() == 1
    assert receiver.received == []
    assert api.get(messages_path(api, event.message_sid))[0] == 200


def test_use_inbound_webhook_on_number_posts_to_the_number_s_sms_url(
    api: ApiClient, receiver: CallbackReceiver
) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/service"), UseInboundWebhookOnNumber="true")
    status, numbers = api.get(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json")
    number_sid = numbers["incoming_phone_numbers"][0]["sid"]
    status, body = api.post(
        f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers/{number_sid}.json", {"SmsUrl": receiver.url("/number")}
    )
    assert status == 200, body
    text_from_handset(SENDER, "hi")
    run_inbound()
    assert [r.url for r in receiver.received] == [receiver.url("/number")]


def test_a_number_in_no_service_uses_its_own_sms_url(api: ApiClient, receiver: CallbackReceiver) -> None:
    number = register_number(api)
    status, body = api.post(
        f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers/{number['sid']}.json", {"SmsUrl": receiver.url("/pn")}
    )
    assert status == 200, body
    text_from_handset(SENDER, "hi")
    run_inbound()
    assert len(receiver.received) == 1
    assert "MessagingServiceSid" not in receiver.received[0].params


def test_a_message_to_an_address_nobody_holds_is_dropped(api: ApiClient, receiver: CallbackReceiver) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    text_from_handset("+14155559999", "wrong number")
    assert run_inbound() == 1
    assert receiver.received == []


def test_a_twiml_answer_is_sent_back_from_the_same_sender(api: ApiClient, receiver: CallbackReceiver) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    receiver.replies.append((200, b"<?xml version='1.0'?><Response><Message>Thanks, got it</Message></Response>"))
    event = text_from_handset(SENDER, "order 66")
    run_inbound()
    assert run_dispatch() == 1
    [delivered] = outbox(api)
    assert (delivered["from"], delivered["to"], delivered["body"]) == (SENDER, HANDSET, "Thanks, got it")
    _status, reply = api.get(messages_path(api, delivered["message_sid"]))
    assert (reply["direction"], reply["status"]) == ("outbound-reply", "sent")
    assert reply["sid"] != event.message_sid


@pytest.mark.parametrize(
    "answer",
    [
        b"<Response><Message>unclosed</Response>",
        b"<Response><Dial>+1</Dial></Response>",
        b'<!DOCTYPE r [<!ENTITY a "aaaa">]><Response><Message>&a;</Message></Response>',
    ],
)
def test_bad_twiml_sends_nothing(api: ApiClient, receiver: CallbackReceiver, answer: bytes) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    receiver.replies.append((200, answer))
    text_from_handset(SENDER, "hi")
    assert run_inbound() == 1
    assert queue_depth("send") == 0


def test_a_failed_webhook_is_retried_and_posted_once_it_answers(api: ApiClient, receiver: CallbackReceiver) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    receiver.replies.append((500, b"down"))
    event = text_from_handset(SENDER, "are you there")
    assert run_inbound(retry_failed=True) == 0
    assert run_inbound() == 1  # the redelivery: recorded already, posted now
    assert [r.params["MessageSid"] for r in receiver.received] == [event.message_sid]
