"""Delivery receipts end to end on the local stack, with the official twilio client: the simulated
carrier (``brandlink carrier``) says delivered or undelivered, the receipts function moves the
message forward and the signed status callbacks reach a local receiver."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from local.twilio_client import make_client
from tests.e2e.conftest import give_senders
from tests.e2e.stack_process import LocalStackProcess
from tests.e2e.test_messages_local_stack import Receiver, receiver_fixture, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
__all__ = ["receiver_fixture"]  # the receiver fixture, shared with the messages tests

SENDER = "+14155552691"
RECIPIENT = "+14155550101"


@pytest.fixture(name="account")
def account_fixture(local_stack: LocalStackProcess, fresh_account: tuple[str, str]) -> tuple[str, str, Client]:
    sid, token = fresh_account
    give_senders(local_stack, sid, SENDER)
    client = make_client(local_stack.api_url, sid, token)
    client.incoming_phone_numbers.create(phone_number=SENDER)
    return sid, token, client


def statuses(receiver: Receiver) -> list[str]:
    return [params["MessageStatus"] for _url, params, _signature in receiver.received]


def receipt_outcomes(stack: LocalStackProcess, message_sid: str) -> list[str]:
    """What the receipts function did with each receipt of the message, from its log lines."""
    lines = [json.loads(line) for line in stack.output().splitlines() if line.startswith('{"level"')]
    return [
        str(line["outcome"])
        for line in lines
        if line.get("message") == "receipt applied" and line.get("message_sid") == message_sid
    ]


def test_a_message_reaches_delivered_when_the_carrier_says_so(
    local_stack: LocalStackProcess, account: tuple[str, str, Client], receiver: Receiver, admin: Callable[..., Any]
) -> None:
    sid, token, client = account
    callback = receiver.url("/status?source=receipts")
    message = client.messages.create(to=RECIPIENT, from_=SENDER, body="Hello, carrier", status_callback=callback)
    wait_until(lambda: client.messages(message.sid).fetch().status == "sent")

    played = admin("carrier", "deliver", message.sid, "--account", sid)
    assert played["status"] == "delivered"
    wait_until(lambda: client.messages(message.sid).fetch().status == "delivered")
    wait_until(lambda: len(receiver.received) >= 3)  # posted concurrently: sending, sent, delivered

    # The same receipt again, then a late ``sent``: both are read and ignored, no further callback.
    admin("carrier", "deliver", message.sid, "--account", sid)
    admin("carrier", "sent", message.sid, "--account", sid)
    outcomes = wait_until(lambda: len(o := receipt_outcomes(local_stack, message.sid)) >= 3 and o)
    assert sorted(outcomes) == ["changed", "ignored", "ignored"]
    assert client.messages(message.sid).fetch().status == "delivered"
    assert sorted(statuses(receiver)) == ["delivered", "sending", "sent"]

    validator = RequestValidator(token)
    for url, params, signature in receiver.received:
        assert url == callback
        assert validator.validate(url, params, signature), params


def test_an_undelivered_receipt_records_its_code(
    account: tuple[str, str, Client], receiver: Receiver, admin: Callable[..., Any]
) -> None:
    sid, _token, client = account
    message = client.messages.create(
        to=RECIPIENT, from_=SENDER, body="Hello, nobody", status_callback=receiver.url("/status")
    )
    wait_until(lambda: client.messages(message.sid).fetch().status == "sent")
    admin("carrier", "undeliver", message.sid, "--code", "30005", "--account", sid)
    fetched = wait_until(
        lambda: (m := client.messages(message.sid).fetch()).status == "undelivered" and m  # type: ignore[truthy-bool]
    )
    assert fetched.error_code == 30005
    (callback,) = wait_until(lambda: [p for _u, p, _s in receiver.received if p["MessageStatus"] == "undelivered"])
    assert callback["ErrorCode"] == "30005"


SHORT_CODE = "24691"
LONG_CODE = "+12125550391"


def test_an_undelivered_short_code_message_falls_back_to_a_long_code_once(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str], receiver: Receiver, admin: Callable[..., Any]
) -> None:
    sid, token = fresh_account
    give_senders(local_stack, sid, f"sc:US:{SHORT_CODE}", LONG_CODE)
    client = make_client(local_stack.api_url, sid, token)
    service = client.messaging.v1.services.create(friendly_name="fallback", fallback_to_long_code=True)
    for path, form in (
        ("ShortCodes", {"ShortCode": SHORT_CODE, "CountryCode": "US"}),
        ("PhoneNumbers", {"PhoneNumber": LONG_CODE}),
    ):
        added = requests.post(
            f"{local_stack.api_url}/v1/Services/{service.sid}/{path}", data=form, auth=(sid, token), timeout=60
        )
        assert added.status_code == 201, added.text
    callback = receiver.url("/status?source=fallback")
    message = client.messages.create(
        to=RECIPIENT, messaging_service_sid=service.sid, body="Hello, short code", status_callback=callback
    )
    first = wait_until(lambda: (m := client.messages(message.sid).fetch()).status == "sent" and m)
    assert first.from_ == SHORT_CODE

    admin("carrier", "undeliver", message.sid, "--code", "30003", "--account", sid)

    resent = wait_until(
        lambda: (m := client.messages(message.sid).fetch()).status == "sent" and m.from_ == LONG_CODE and m
    )
    assert resent.body == "Hello, short code"
    delivered = requests.get(
        f"{local_stack.api_url}/v1/Outbox", params={"MessageSid": message.sid}, auth=(sid, token), timeout=60
    ).json()["messages"]
    assert sorted(entry["from"] for entry in delivered) == sorted([SHORT_CODE, LONG_CODE])

    admin("carrier", "deliver", message.sid, "--account", sid)
    wait_until(lambda: client.messages(message.sid).fetch().status == "delivered")
    # Callbacks are posted concurrently: compare what arrived, not the order it arrived in.
    wait_until(lambda: len(receiver.received) >= 4)
    announced = sorted((params["MessageStatus"], params.get("From")) for _url, params, _sig in receiver.received)
    assert announced == [
        ("delivered", LONG_CODE),
        ("sending", SHORT_CODE),
        ("sent", LONG_CODE),
        ("sent", SHORT_CODE),
    ]  # the short code's undelivered is never announced
    outcomes = receipt_outcomes(local_stack, message.sid)
    assert sorted(outcomes) == ["changed", "fell_back"]
