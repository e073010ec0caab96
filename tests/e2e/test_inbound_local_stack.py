"""Inbound messages end to end on the local stack with the official twilio client: a handset's reply
(``brandlink --local reply``) reaches a local receiver as a signed inbound webhook and its TwiML answer
goes back; STOP refuses the next send with 21610, START lets it through, HELP gets the help reply."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from brandlink.core.inbound.opt_out import DEFAULT_REPLIES, OptOutType
from local.twilio_client import make_client
from tests.e2e.conftest import give_senders, run_cli
from tests.e2e.serving import serving
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SENDER = "+14155552691"  # one account's each: other e2e modules use other numbers
HANDSET = "+14155550177"
DEADLINE_SECONDS = 60.0  # a ceiling for a loaded machine; every wait polls for its condition
TWIML = b"<?xml version='1.0' encoding='UTF-8'?><Response><Message>Thanks for your reply!</Message></Response>"


class InboundReceiver:
    """A customer's inbound webhook on 127.0.0.1: records each POST and answers with TwiML."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                params = dict(parse_qsl(body, keep_blank_values=True))
                receiver.received.append((receiver.url(self.path), params, self.headers.get("X-Twilio-Signature", "")))
                answer = TWIML if params.get("Body") == "hello" else b""
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def url(self, path: str = "/inbound") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[InboundReceiver]:
    receiver = InboundReceiver()
    with serving(receiver.server):
        yield receiver


def wait_until(check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {DEADLINE_SECONDS} s")


def test_replies_opt_out_and_help_through_the_local_stack(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str], receiver: InboundReceiver
) -> None:
    account_sid, token = fresh_account
    client = make_client(local_stack.api_url, account_sid, token)
    give_senders(local_stack, account_sid, SENDER)
    number = client.incoming_phone_numbers.create(phone_number=SENDER)
    service = client.messaging.v1.services.create(friendly_name="inbound e2e", inbound_request_url=receiver.url())
    client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)

    def outbox_bodies() -> list[str]:
        response = requests.get(
            f"{local_stack.api_url}/v1/Outbox", params={"To": HANDSET}, auth=(account_sid, token), timeout=30
        )
        assert response.status_code == 200, response.text
        return [entry["body"] for entry in reversed(response.json()["messages"])]

    def reply(text: str) -> str:
        return str(run_cli(local_stack, "reply", "--from", HANDSET, "--to", SENDER, text)["message_sid"])

    # A reply reaches the receiver signed with the account's token; its TwiML answer goes back.
    sid = reply("hello")
    url, params, signature = wait_until(lambda: receiver.received[:1])[0]
    assert RequestValidator(token).validate(url, params, signature)
    assert (params["MessageSid"], params["From"], params["To"], params["Body"]) == (sid, HANDSET, SENDER, "hello")
    assert params["MessagingServiceSid"] == service.sid
    inbound = client.messages(sid).fetch()
    assert (inbound.direction, inbound.status) == ("inbound", "received")
    assert sid in [m.sid for m in client.messages.list(from_=HANDSET, limit=20)]
    wait_until(lambda: outbox_bodies() == ["Thanks for your reply!"])

    # STOP: confirmed, and the next send is refused with 21610.
    reply("Stop")
    wait_until(lambda: len(receiver.received) == 2)
    assert receiver.received[1][1]["OptOutType"] == "STOP"
    wait_until(lambda: outbox_bodies()[-1:] == [DEFAULT_REPLIES[OptOutType.STOP]])
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=HANDSET, messaging_service_sid=service.sid, body="Flash sale!")
    assert refused.value.code == 21610

    # START: confirmed, and sending works again.
    reply("START")
    wait_until(lambda: outbox_bodies()[-1:] == [DEFAULT_REPLIES[OptOutType.START]])
    client.messages.create(to=HANDSET, messaging_service_sid=service.sid, body="Welcome back")
    wait_until(lambda: outbox_bodies()[-1:] == ["Welcome back"])

    # HELP: the help reply.
    reply("help")
    wait_until(lambda: outbox_bodies()[-1:] == [DEFAULT_REPLIES[OptOutType.HELP]])
    assert receiver.received[-1][1]["OptOutType"] == "HELP"


MMS_SENDER = "+14155552692"
UK_HANDSET = "+447400123456"  # MMS is not carried to the UK; alpha IDs there should be registered
PICTURE = "https://cdn.example.com/p/1.jpg"


def test_mms_converter_and_sender_id_warning_on_the_local_stack(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str]
) -> None:
    account_sid, token = fresh_account
    client = make_client(local_stack.api_url, account_sid, token)
    give_senders(local_stack, account_sid, MMS_SENDER, "alpha:ACME")
    run_cli(local_stack, "set-limits", account_sid, "--countries", "US,CA,GB")  # it sends to the UK too
    number = client.incoming_phone_numbers.create(phone_number=MMS_SENDER)
    media_service = client.messaging.v1.services.create(friendly_name="mms converter e2e")
    client.messaging.v1.services(media_service.sid).phone_numbers.create(phone_number_sid=number.sid)
    alpha_service = client.messaging.v1.services.create(friendly_name="alpha e2e")
    client.messaging.v1.services(alpha_service.sid).alpha_senders.create(alpha_sender="ACME")

    def delivered(sid: str) -> list[dict[str, Any]]:
        response = requests.get(
            f"{local_stack.api_url}/v1/Outbox", params={"MessageSid": sid}, auth=(account_sid, token), timeout=30
        )
        assert response.status_code == 200, response.text
        return list(response.json()["messages"])

    # MMS Converter (on by default): no short-link domain on this service, so the URL goes as written.
    converted = client.messages.create(
        to=UK_HANDSET, messaging_service_sid=media_service.sid, body="Your photo", media_url=[PICTURE]
    )
    [entry] = wait_until(lambda: delivered(converted.sid))
    assert (entry["body"], entry["media_urls"]) == (f"Your photo\n{PICTURE}", [])
    as_mms = client.messages.create(
        to=HANDSET, messaging_service_sid=media_service.sid, body="Your photo", media_url=[PICTURE]
    )
    [entry] = wait_until(lambda: delivered(as_mms.sid))
    assert (entry["body"], entry["media_urls"]) == ("Your photo", [PICTURE])

    # Sender ID Pre-registration Alert: sent, with the warning in the dispatch function's log.
    alpha = client.messages.create(to=UK_HANDSET, messaging_service_sid=alpha_service.sid, body="Code 1234")
    [entry] = wait_until(lambda: delivered(alpha.sid))
    assert entry["from"] == "ACME"
    lines = wait_until(
        lambda: [line for line in local_stack.output().splitlines() if alpha.sid in line and "not registered" in line]
    )
    assert "GB" in lines[0]
    assert '"SenderIdNotRegistered"' in local_stack.output()
