"""Receipt endpoints and the receipts function on moto: Twilio status callbacks (signed with Twilio's own
RequestValidator), webhook receipts (HMAC-SHA256), forged ones refused with nothing changed, duplicates
ignored, End User Messaging events straight off the queue."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from twilio.request_validator import RequestValidator

from brandlink.config import settings
from brandlink.core.messaging.delivery import OutgoingMessage
from brandlink.handlers.receipts import handler as receipts_handler
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.message_helpers import (
    CallbackReceiver,
    _pump,
    messages_path,
    queue_depth,
    receiver_fixture,
    register_number,
    run_dispatch,
    run_status_callbacks,
    send,
)

__all__ = ["receiver_fixture"]

UPSTREAM_TOKEN = "upstream-auth-token"
SIGNING_KEY = "per-deployment-signing-key"
BASE = "http://api.test"  # the ApiClient's host and scheme


def run_receipts() -> int:
    return _pump("receipts", receipts_handler, retry_failed=False)


def use_provider(monkeypatch: pytest.MonkeyPatch, provider: str, secret: dict[str, str], config: str = "") -> None:
    arn = boto3.client("secretsmanager", region_name=settings().region).create_secret(
        Name=f"provider-{provider}", SecretString=json.dumps(secret)
    )["ARN"]
    monkeypatch.setenv("BRANDLINK_PROVIDER", provider)
    monkeypatch.setenv("BRANDLINK_PROVIDER_SECRET_ARN", arn)
    if config:
        monkeypatch.setenv("BRANDLINK_PROVIDER_CONFIG", config)
    settings.cache_clear()


@pytest.fixture
def sent_message(api: ApiClient, receiver: CallbackReceiver) -> Iterator[dict[str, Any]]:
    """A message the outbox sent, with a status callback; the callbacks so far are drained."""
    register_number(api)
    message = send(api, To="+14155550100", From="+14155552671", Body="hi", StatusCallback=receiver.url())
    run_dispatch()
    run_status_callbacks()
    assert receiver.statuses() == ["sending", "sent"]
    yield message
    settings.cache_clear()


def status_of(api: ApiClient, sid: str) -> dict[str, Any]:
    status, body = api.get(messages_path(api, sid))
    assert status == 200
    return dict(body)


def post_twilio(
    api: ApiClient, message: dict[str, Any], form: dict[str, str], signature: str | None
) -> tuple[int, Any]:
    from brandlink.handlers.api import handler
    from local.events import http_event

    query = urlencode({"AccountSid": api.sid, "MessageSid": message["sid"]})
    headers = {"host": "api.test", "x-forwarded-proto": "http", "content-type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["x-twilio-signature"] = signature
    event = http_event("POST", "/v1/Receipts/Twilio", headers=headers, body=urlencode(form), raw_query=query)
    response = handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def twilio_signature(api: ApiClient, message: dict[str, Any], form: dict[str, str], token: str = UPSTREAM_TOKEN) -> str:
    query = urlencode({"AccountSid": api.sid, "MessageSid": message["sid"]})
    return str(RequestValidator(token).compute_signature(f"{BASE}/v1/Receipts/Twilio?{query}", form))


def test_a_signed_twilio_callback_moves_the_message_once(
    api: ApiClient, sent_message: dict[str, Any], receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_provider(monkeypatch, "twilio", {"account_sid": "AC" + "9" * 32, "auth_token": UPSTREAM_TOKEN})
    form = {"MessageSid": "SMupstream", "MessageStatus": "delivered", "AccountSid": "AC" + "9" * 32}
    signature = twilio_signature(api, sent_message, form)

    assert post_twilio(api, sent_message, form, signature) == (204, None)
    assert post_twilio(api, sent_message, form, signature)[0] == 204  # Twilio retried: a duplicate
    assert run_receipts() == 2
    run_status_callbacks()

    assert status_of(api, sent_message["sid"])["status"] == "delivered"
    assert receiver.statuses() == ["sending", "sent", "delivered"]  # one callback for two receipts


def test_an_undelivered_twilio_callback_carries_its_code(
    api: ApiClient, sent_message: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_provider(monkeypatch, "twilio", {"account_sid": "AC" + "9" * 32, "auth_token": UPSTREAM_TOKEN})
    form = {"MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert post_twilio(api, sent_message, form, twilio_signature(api, sent_message, form))[0] == 204
    run_receipts()
    fetched = status_of(api, sent_message["sid"])
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", 30006)


@pytest.mark.parametrize("forgery", ["wrong token", "no signature", "changed body"])
def test_a_forged_twilio_callback_is_refused_and_changes_nothing(
    api: ApiClient, sent_message: dict[str, Any], monkeypatch: pytest.MonkeyPatch, forgery: str
) -> None:
    use_provider(monkeypatch, "twilio", {"account_sid": "AC" + "9" * 32, "auth_token": UPSTREAM_TOKEN})
    form = {"MessageStatus": "delivered"}
    signature: str | None = twilio_signature(api, sent_message, form)
    if forgery == "wrong token":
        signature = twilio_signature(api, sent_message, form, token="guessed")
    elif forgery == "no signature":
        signature = None
    else:
        form = {"MessageStatus": "undelivered", "ErrorCode": "30005"}

    status, body = post_twilio(api, sent_message, form, signature)

    assert status == 403
    assert body["code"] == 20003 and "signature" in body["message"]
    assert queue_depth("receipts") == 0
    assert status_of(api, sent_message["sid"])["status"] == "sent"


def post_webhook(payload: dict[str, Any], key: str | None) -> tuple[int, Any]:
    from brandlink.handlers.api import handler
    from local.events import http_event

    body = json.dumps(payload).encode()
    headers = {"host": "api.test", "content-type": "application/json"}
    if key is not None:
        headers["x-brandlink-signature"] = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    response = handler(http_event("POST", "/v1/Receipts/Webhook", headers=headers, body=body), lambda_context())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def test_a_signed_webhook_receipt_moves_the_message(
    api: ApiClient, sent_message: dict[str, Any], receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_provider(monkeypatch, "webhook", {"signing_key": SIGNING_KEY}, '{"url": "https://hooks.example.com/sms"}')
    payload = {"message_sid": sent_message["sid"], "account_sid": api.sid, "status": "undelivered", "error_code": 30003}

    assert post_webhook(payload, SIGNING_KEY) == (204, None)
    assert post_webhook({**payload, "status": "delivered"}, SIGNING_KEY)[0] == 204  # late and contradicting
    run_receipts()
    run_status_callbacks()

    fetched = status_of(api, sent_message["sid"])
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", 30003)
    assert receiver.statuses() == ["sending", "sent", "undelivered"]
    assert receiver.received[-1].params["ErrorCode"] == "30003"


@pytest.mark.parametrize("key", ["not-the-key", None])
def test_a_forged_webhook_receipt_is_refused(
    api: ApiClient, sent_message: dict[str, Any], monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    use_provider(monkeypatch, "webhook", {"signing_key": SIGNING_KEY}, '{"url": "https://hooks.example.com/sms"}')
    payload = {"message_sid": sent_message["sid"], "account_sid": api.sid, "status": "delivered"}
    status, body = post_webhook(payload, key)
    assert status == 403 and body["code"] == 20003
    assert queue_depth("receipts") == 0


def test_a_signed_but_unreadable_webhook_receipt_is_a_400(
    api: ApiClient, sent_message: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_provider(monkeypatch, "webhook", {"signing_key": SIGNING_KEY}, '{"url": "https://hooks.example.com/sms"}')
    status, body = post_webhook({"message_sid": sent_message["sid"], "status": "delivered"}, SIGNING_KEY)
    assert status == 400 and "account_sid" in body["message"]


def test_receipt_endpoints_of_a_provider_not_in_use_are_404(api: ApiClient) -> None:
    status, body = post_webhook({"status": "delivered"}, SIGNING_KEY)
    assert status == 404 and "does not send through it" in body["message"]


def test_end_user_messaging_events_from_the_queue(api: ApiClient, sent_message: dict[str, Any]) -> None:
    event = {
        "eventType": "TEXT_CARRIER_UNREACHABLE",
        "eventVersion": "1.0",
        "isFinal": True,
        "messageId": "eum-1",
        "messageStatus": "CARRIER_UNREACHABLE",
        "messageStatusDescription": "Carrier is unreachable",
        "context": {"MessageSid": sent_message["sid"], "AccountSid": api.sid},
    }
    sqs = boto3.client("sqs", region_name=settings().region)
    sqs.send_message(QueueUrl=settings().queue_url("receipts"), MessageBody=json.dumps(event))
    sqs.send_message(QueueUrl=settings().queue_url("receipts"), MessageBody="not json")  # dropped, not retried
    assert run_receipts() == 2
    fetched = status_of(api, sent_message["sid"])
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", 30006)
    assert queue_depth("receipts") == 0


def test_the_twilio_provider_asks_for_status_callbacks_at_the_receipt_endpoint() -> None:
    from brandlink.adapters.common.http import HttpResponse
    from brandlink.adapters.messaging.providers.twilio import TwilioProvider

    sent: list[bytes] = []

    def transport(method: str, url: str, **options: Any) -> HttpResponse:
        sent.append(options["body"])
        return HttpResponse(201, b'{"sid": "SMupstream"}', {})

    provider = TwilioProvider(
        {},
        lambda: {"account_sid": "AC" + "9" * 32, "auth_token": UPSTREAM_TOKEN},
        transport=transport,
        receipts_base="https://api.brandlink.example/",
    )
    message = OutgoingMessage("SM" + "1" * 32, "AC" + "a" * 32, "+14155550100", "+14155552671", "hi")
    assert provider.send(message).provider_message_id == "SMupstream"
    form = dict(pair.split("=", 1) for pair in sent[0].decode().split("&"))
    assert form["StatusCallback"] == urlencode(
        {
            "": "https://api.brandlink.example/v1/Receipts/Twilio?"
            + urlencode({"AccountSid": message.account_sid, "MessageSid": message.message_sid})
        }
    ).removeprefix("=")
