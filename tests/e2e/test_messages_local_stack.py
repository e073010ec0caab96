"""Messages end to end on the local stack (`python -m local`), with the official twilio client:
send now to the outbox, signed status callbacks to a local receiver, a scheduled message fired by
the stack's scheduler pump, cancel before and after it fires, paging."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from local.twilio_client import make_client
from tests.e2e.conftest import give_senders
from tests.e2e.serving import serving
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SENDER = "+14155552681"  # numbers are one account's each: the README tour's are +14155552671/2
POOL_NUMBER = "+12125550199"
RECIPIENT = "+14155550100"


class Receiver:
    """Records form POSTs on 127.0.0.1 (free port) with the URL they were sent to."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                params = dict(parse_qsl(body, keep_blank_values=True))
                receiver.received.append((receiver.url(self.path), params, self.headers.get("X-Twilio-Signature", "")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def url(self, path: str = "/status") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    receiver = Receiver()
    with serving(receiver.server):
        yield receiver


@pytest.fixture(name="account")
def account_fixture(local_stack: LocalStackProcess, fresh_account: tuple[str, str]) -> tuple[str, str, Client]:
    """A fresh account with the sender number registered, and a twilio client for it."""
    sid, token = fresh_account
    give_senders(local_stack, sid, SENDER, POOL_NUMBER)
    client = make_client(local_stack.api_url, sid, token)
    client.incoming_phone_numbers.create(phone_number=SENDER)
    return sid, token, client


# Ceilings for a loaded machine, never expectations: every wait polls for its condition.
DEADLINE_SECONDS = 60.0


def wait_until(check: Callable[[], Any], timeout: float = DEADLINE_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout} s")


def outbox(stack: LocalStackProcess, sid: str, token: str, message_sid: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{stack.api_url}/v1/Outbox", params={"MessageSid": message_sid}, auth=(sid, token), timeout=DEADLINE_SECONDS
    )
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def service_with_sender(stack: LocalStackProcess, sid: str, token: str) -> str:
    created = requests.post(
        f"{stack.api_url}/v1/Services", data={"FriendlyName": "e2e"}, auth=(sid, token), timeout=DEADLINE_SECONDS
    )
    service = created.json()["sid"]
    added = requests.post(
        f"{stack.api_url}/v1/Services/{service}/PhoneNumbers",
        data={"PhoneNumber": POOL_NUMBER},
        auth=(sid, token),
        timeout=DEADLINE_SECONDS,
    )
    assert added.status_code == 201, added.text
    return str(service)


def wait_for_a_later_scheduled_message(client: Client, service: str, after: datetime) -> None:
    """Schedule a message due after ``after`` and wait until it is sent. By then the scheduler pump
    and the dispatch function have handled everything that was due at ``after``: an event, not a
    guess at how long that takes on this machine."""
    earliest = datetime.now(UTC) + timedelta(seconds=3)  # the stack's BRANDLINK_SCHEDULE_MIN_SECONDS is 2
    send_at = (max(after, earliest) + timedelta(seconds=1)).replace(microsecond=0)
    witness = client.messages.create(
        to=RECIPIENT, messaging_service_sid=service, body="witness", schedule_type="fixed", send_at=send_at
    )
    wait_until(lambda: client.messages(witness.sid).fetch().status == "sent")


def dispatch_log_lines(stack: LocalStackProcess, message_sid: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stack.output().splitlines() if line.startswith('{"level"')]
    return [line for line in lines if line.get("message") == "dispatched" and line.get("message_sid") == message_sid]


def test_send_now_reaches_the_outbox_with_signed_callbacks(
    local_stack: LocalStackProcess, account: tuple[str, str, Client], receiver: Receiver
) -> None:
    sid, token, client = account
    callback = receiver.url("/status?source=e2e")
    message = client.messages.create(to=RECIPIENT, from_=SENDER, body="Hello, e2e", status_callback=callback)
    assert message.status == "queued"
    wait_until(lambda: client.messages(message.sid).fetch().status == "sent")
    (delivered,) = outbox(local_stack, sid, token, message.sid)
    assert (delivered["to"], delivered["from"], delivered["body"]) == (RECIPIENT, SENDER, "Hello, e2e")
    wait_until(lambda: len(receiver.received) >= 2)
    assert sorted(params["MessageStatus"] for _url, params, _sig in receiver.received) == ["sending", "sent"]
    validator = RequestValidator(token)
    for url, params, signature in receiver.received:
        assert url == callback
        assert validator.validate(url, params, signature)
    # The dispatch function's own Powertools log line names its service, as in AWS.
    (line, *_) = wait_until(lambda: dispatch_log_lines(local_stack, message.sid))
    assert (line["service"], line["function_name"]) == ("brandlink-dispatch", "brandlink-dispatch")


def test_scheduled_message_is_delivered_once_at_its_time(
    local_stack: LocalStackProcess, account: tuple[str, str, Client]
) -> None:
    sid, token, client = account
    service = service_with_sender(local_stack, sid, token)
    send_at = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    message = client.messages.create(
        to=RECIPIENT, messaging_service_sid=service, body="On time", schedule_type="fixed", send_at=send_at
    )
    assert message.status == "scheduled"
    sent = wait_until(lambda: (m := client.messages(message.sid).fetch()).status == "sent" and m)
    assert sent.date_sent >= send_at
    wait_for_a_later_scheduled_message(client, service, send_at)  # a second firing would be in by then
    assert len(outbox(local_stack, sid, token, message.sid)) == 1
    with pytest.raises(TwilioRestException) as error:
        client.messages(message.sid).update(status="canceled")
    assert error.value.code == 30409


def test_canceled_before_it_fires_is_never_sent(
    local_stack: LocalStackProcess, account: tuple[str, str, Client]
) -> None:
    sid, token, client = account
    service = service_with_sender(local_stack, sid, token)
    send_at = datetime.now(UTC) + timedelta(seconds=4)
    message = client.messages.create(
        to=RECIPIENT, messaging_service_sid=service, body="Never", schedule_type="fixed", send_at=send_at
    )
    assert client.messages(message.sid).update(status="canceled").status == "canceled"
    wait_for_a_later_scheduled_message(client, service, send_at)
    assert client.messages(message.sid).fetch().status == "canceled"
    assert outbox(local_stack, sid, token, message.sid) == []


def test_paging_through_120_messages(account: tuple[str, str, Client]) -> None:
    _sid, _token, client = account
    sids = [client.messages.create(to=RECIPIENT, from_=SENDER, body=f"#{n}").sid for n in range(120)]
    assert [m.sid for m in client.messages.list(page_size=50)] == sids[::-1]
    assert [m.sid for m in client.messages.stream(page_size=50)] == sids[::-1]
