"""Delivery providers and outgoing HTTP: AWS error mapping (botocore Stubber, moto has no
pinpoint-sms-voice-v2), retry classification, and the HTTP adapter's transport rules."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from brandlink.adapters.common import http
from brandlink.adapters.messaging.providers.sms import EndUserMessagingSmsProvider
from brandlink.adapters.messaging.providers.sns import SnsSmsProvider
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage

MESSAGE = OutgoingMessage(
    message_sid="SM" + "1" * 32,
    account_sid="AC" + "2" * 32,
    to="+14155550100",
    from_="+14155552671",
    body="Hi",
    media_urls=("https://example.com/a.png",),
)


@pytest.fixture(name="sms")
def sms_fixture() -> Iterator[tuple[EndUserMessagingSmsProvider, Stubber]]:
    provider = EndUserMessagingSmsProvider(
        "us-east-1", {"configuration_set": "brandlink", "message_type": "promotional"}
    )
    with Stubber(provider.client) as stubber:
        yield provider, stubber
        stubber.assert_no_pending_responses()


def test_sms_sends_text_with_media_links(sms: tuple[EndUserMessagingSmsProvider, Stubber]) -> None:
    provider, stubber = sms
    stubber.add_response(
        "send_text_message",
        {"MessageId": "eum-1"},
        {
            "DestinationPhoneNumber": MESSAGE.to,
            "OriginationIdentity": MESSAGE.from_,
            "MessageBody": "Hi\nhttps://example.com/a.png",
            "MessageType": "PROMOTIONAL",
            "ConfigurationSetName": "brandlink",
            "Context": {"MessageSid": MESSAGE.message_sid, "AccountSid": MESSAGE.account_sid},
        },
    )
    assert provider.send(MESSAGE).provider_message_id == "eum-1"


@pytest.mark.parametrize(
    ("error_code", "reason", "code", "retryable"),
    [
        ("ConflictException", "DESTINATION_PHONE_NUMBER_OPTED_OUT", 21610, False),
        ("ValidationException", "DESTINATION_COUNTRY_BLOCKED", 30007, False),
        ("ConflictException", "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE", 30007, False),
        ("ValidationException", "CANNOT_PARSE", 30005, False),
        ("ThrottlingException", None, 30001, True),
        ("AccessDeniedException", "ACCOUNT_DISABLED", 30008, False),
        ("InternalServerException", None, 30008, False),
    ],
)
def test_sms_errors_map_to_delivery_codes(
    sms: tuple[EndUserMessagingSmsProvider, Stubber], error_code: str, reason: str | None, code: int, retryable: bool
) -> None:
    provider, stubber = sms
    fields: dict[str, Any] = {"Reason": reason} if reason else {}
    stubber.add_client_error("send_text_message", error_code, "refused", 400, modeled_fields=fields)
    with pytest.raises(DeliveryError) as error:
        provider.send(MESSAGE)
    assert (error.value.code, error.value.retryable) == (code, retryable)


def test_sms_transport_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = EndUserMessagingSmsProvider("us-east-1", {})
    assert provider.client.meta.config.retries["total_max_attempts"] == 1  # one try, no SDK retry

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://sms-voice.example")

    def slow(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://sms-voice.example")

    monkeypatch.setattr(provider.client, "send_text_message", unreachable)
    with pytest.raises(DeliveryError) as error:
        provider.send(MESSAGE)
    assert error.value.retryable
    monkeypatch.setattr(provider.client, "send_text_message", slow)
    with pytest.raises(DeliveryError) as error:
        provider.send(MESSAGE)
    assert (error.value.code, error.value.retryable) == (30008, False)


@pytest.mark.parametrize("provider", [EndUserMessagingSmsProvider("us-east-1", {}), SnsSmsProvider("us-east-1", {})])
def test_text_providers_refuse_whatsapp(provider: Any) -> None:
    with pytest.raises(DeliveryError) as error:
        provider.send(OutgoingMessage(**{**MESSAGE.__dict__, "to": "whatsapp:+14155550100"}))
    assert error.value.code == 21612


def test_sns_sender_attributes() -> None:
    provider = SnsSmsProvider("us-east-1", {})
    with Stubber(provider.client) as stubber:
        for sender, attribute in (
            ("+14155552671", "AWS.MM.SMS.OriginationNumber"),
            ("Brandlink", "AWS.SNS.SMS.SenderID"),
        ):
            stubber.add_response(
                "publish",
                {"MessageId": "sns-1"},
                {
                    "PhoneNumber": MESSAGE.to,
                    "Message": "Hi",
                    "MessageAttributes": {
                        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                        attribute: {"DataType": "String", "StringValue": sender},
                    },
                },
            )
            provider.send(OutgoingMessage(**{**MESSAGE.__dict__, "from_": sender, "media_urls": ()}))
        stubber.add_client_error("publish", "InvalidParameter", "bad number", 400)
        with pytest.raises(DeliveryError) as error:
            provider.send(MESSAGE)
        assert error.value.code == 30005


@pytest.mark.parametrize(
    ("config", "problem"),
    [({"message_type": "bulk"}, "message_type"), ({"sms_type": "loud"}, "sms_type")],
)
def test_bad_provider_config_fails_at_start(config: dict[str, str], problem: str) -> None:
    factory = EndUserMessagingSmsProvider if problem == "message_type" else SnsSmsProvider
    with pytest.raises(RuntimeError, match=problem):
        factory("us-east-1", config)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(name="server_url")
def server_url_fixture() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_redirects_are_not_followed(server_url: str) -> None:
    response = http.request("POST", f"{server_url}/redirect", body=b"", allow_private=True)
    assert response.status == 302


def test_private_addresses_are_refused_outside_local_mode(server_url: str) -> None:
    with pytest.raises(http.NotSent, match="not a public address"):
        http.request("POST", f"{server_url}/ok", body=b"")
    with pytest.raises(http.NotSent):
        http.request("POST", "http://localhost:9/ok", body=b"")
    with pytest.raises(http.NotSent):
        http.request("POST", "file:///etc/passwd")


def test_transport_failures_are_told_apart() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(http.NotSent):
        http.request("POST", f"http://127.0.0.1:{port}/", body=b"x", allow_private=True, timeout=1)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        with pytest.raises(http.NoAnswer):
            http.request(
                "POST", f"http://127.0.0.1:{silent.getsockname()[1]}/", body=b"x", allow_private=True, timeout=0.5
            )
    finally:
        silent.close()
