"""Dispatch and status callbacks on moto: send now to the outbox, exactly-once on duplicate triggers,
signed callbacks to a local receiver, retries, validity, sender pools and the HTTP providers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from twilio.request_validator import RequestValidator

from brandlink.config import settings
from brandlink.core.common.dates import utcnow
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    CallbackReceiver,
    dispatch_payload,
    messages_path,
    queue_depth,
    register_number,
    run_dispatch,
    run_status_callbacks,
    send,
    service_with_numbers,
)
from tests.integration.message_helpers import receiver_fixture as receiver_fixture


def outbox(api: ApiClient, **query: str) -> list[dict[str, Any]]:
    status, body = api.get("/v1/Outbox", query=query)
    assert status == 200, body
    return list(body["messages"])


def fetch(api: ApiClient, sid: str) -> dict[str, Any]:
    status, body = api.get(messages_path(api, sid))
    assert status == 200, body
    return body


def send_queue_bodies() -> list[str]:
    sqs = boto3.client("sqs", region_name=settings().region)
    messages = sqs.receive_message(QueueUrl=settings().queue_url("send"), MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [m["Body"] for m in messages.get("Messages", [])]


def test_send_now_reaches_the_outbox_and_ends_sent(api: ApiClient, receiver: CallbackReceiver) -> None:
    register_number(api)
    callback = receiver.url("/status?campaign=spring")
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hello \u20ac", StatusCallback=callback, Tags='{"ab": "A"}')
    assert run_dispatch() == 1
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"]) == ("sent", None)
    assert message["date_sent"] is not None
    (delivered,) = outbox(api)
    assert (delivered["message_sid"], delivered["to"], delivered["from"], delivered["body"]) == (
        created["sid"],
        RECIPIENT,
        SENDER,
        "Hello \u20ac",
    )
    assert (delivered["encoding"], delivered["num_segments"], delivered["tags"]) == ("GSM-7", 1, {"ab": "A"})
    assert run_status_callbacks() == 2
    assert sorted(receiver.statuses()) == ["sending", "sent"]
    validator = RequestValidator(api.token)
    for received in receiver.received:
        assert received.url == callback
        assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert validator.validate(received.url, received.params, received.signature)
        assert not RequestValidator("0" * 32).validate(received.url, received.params, received.signature)
        assert received.params["MessageSid"] == received.params["SmsSid"] == created["sid"]
        assert (received.params["AccountSid"], received.params["From"], received.params["To"]) == (
            api.sid,
            SENDER,
            RECIPIENT,
        )
        assert received.params["ApiVersion"] == "2010-04-01" and "ErrorCode" not in received.params


def test_the_same_trigger_twice_sends_once(api: ApiClient) -> None:
    register_number(api)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Once")
    (payload,) = send_queue_bodies()
    assert json.loads(payload) == {"account_sid": api.sid, "message_sid": created["sid"], "attempt": 0}
    for _ in range(2):
        assert dispatch_payload(payload) == {"batchItemFailures": []}
    assert run_dispatch() == 1  # the original record, a third delivery
    assert len(outbox(api)) == 1
    assert fetch(api, created["sid"])["status"] == "sent"


def test_malformed_send_record_fails_towards_the_dlq(api: ApiClient) -> None:
    with pytest.raises(BatchProcessingError):
        dispatch_payload("not a dispatch request")


def test_status_callback_failures_are_retried(api: ApiClient, receiver: CallbackReceiver) -> None:
    register_number(api)
    receiver.replies = [(500, b""), (503, b"")]
    send(api, To=RECIPIENT, From=SENDER, Body="Hi", StatusCallback=receiver.url())
    run_dispatch()
    assert run_status_callbacks(retry_failed=True) < 2
    while run_status_callbacks(retry_failed=True) and len(receiver.received) < 2:
        pass
    assert sorted(receiver.statuses()) == ["sending", "sent"]
    assert queue_depth("status_callbacks") == 0


def test_callbacks_of_a_service_go_to_its_status_callback(api: ApiClient, receiver: CallbackReceiver) -> None:
    service = service_with_numbers(api, SENDER, StatusCallback=receiver.url("/service"))
    created = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="Hi")
    run_dispatch()
    run_status_callbacks()
    assert {r.url for r in receiver.received} == {receiver.url("/service")}
    assert {r.params["MessagingServiceSid"] for r in receiver.received} == {service}
    assert fetch(api, created["sid"])["from"] == SENDER


def test_validity_period_expiry_fails_without_sending(
    api: ApiClient, receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_number(api)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hi", ValidityPeriod="1", StatusCallback=receiver.url())
    from brandlink import wiring

    # The dispatcher's clock runs 2 s ahead: the 1 s validity has passed, without waiting for it.
    real = wiring.dispatcher
    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), clock=lambda: utcnow() + timedelta(seconds=2)))
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"], message["date_sent"]) == ("failed", 30001, None)
    assert outbox(api) == []
    run_status_callbacks()
    (callback,) = receiver.received
    assert (callback.params["MessageStatus"], callback.params["ErrorCode"]) == ("failed", "30001")


def test_sender_pool_geomatch_and_sticky_sender(api: ApiClient) -> None:
    from brandlink.store.messaging.sticky_senders import DynamoStickySenders

    service = service_with_numbers(api, "+12125550199", "+14155550123")
    first = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="one")
    run_dispatch()
    assert fetch(api, first["sid"])["from"] == "+14155550123"
    assert DynamoStickySenders().get(service, RECIPIENT) == "+14155550123"
    DynamoStickySenders().remember(service, RECIPIENT, "+12125550199", first_expiry(first["sid"]))
    second = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="two")
    run_dispatch()
    assert fetch(api, second["sid"])["from"] == "+12125550199"
    assert [m["from"] for m in outbox(api, To=RECIPIENT)] == ["+12125550199", "+14155550123"]


def first_expiry(sid: str) -> Any:
    from brandlink.store.messaging.messages import MessageItem

    return MessageItem.get(sid).expires_at


def test_smart_encoding_changes_the_body_sent(api: ApiClient) -> None:
    service = service_with_numbers(api, SENDER)
    created = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="Don\u2019t \u2014 wait\u2026")
    assert created["body"] == "Don\u2019t \u2014 wait\u2026"
    run_dispatch()
    assert fetch(api, created["sid"])["body"] == "Don't - wait..."
    assert outbox(api)[0]["encoding"] == "GSM-7"


@pytest.fixture(name="provider")
def provider_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Switch the deployment's provider: ``provider(name, config, secret)``."""

    def use(name: str, config: dict[str, Any], secret: dict[str, Any] | None = None) -> None:
        monkeypatch.setenv("BRANDLINK_PROVIDER", name)
        monkeypatch.setenv("BRANDLINK_PROVIDER_CONFIG", json.dumps(config))
        if secret is not None:
            client = boto3.client("secretsmanager", region_name=settings().region)
            arn = client.create_secret(Name=f"brandlink-{name}", SecretString=json.dumps(secret))["ARN"]
            monkeypatch.setenv("BRANDLINK_PROVIDER_SECRET_ARN", arn)
        settings.cache_clear()

    yield use
    for name in ("BRANDLINK_PROVIDER", "BRANDLINK_PROVIDER_CONFIG", "BRANDLINK_PROVIDER_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()


def test_webhook_provider_retries_when_asked(api: ApiClient, receiver: CallbackReceiver, provider: Any) -> None:
    provider("webhook", {"url": receiver.url("/deliver")}, {"signing_key": "k3y"})
    register_number(api)
    receiver.replies = [(503, b"")]
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hi")
    run_dispatch()
    message = fetch(api, created["sid"])
    assert message["status"] == "sending"
    assert queue_depth("send") == 1  # the retry, delayed
    dispatch_payload(json.dumps({"account_sid": api.sid, "message_sid": created["sid"], "attempt": 1}))
    assert fetch(api, created["sid"])["status"] == "sent"
    (delivered,) = receiver.received
    payload = json.loads(delivered.body)
    assert (payload["message_sid"], payload["to"], payload["body"]) == (created["sid"], RECIPIENT, "Hi")
    assert delivered.headers["Idempotency-Key"] == created["sid"]
    assert delivered.headers["X-Brandlink-Signature"].startswith("sha256=")


def test_webhook_rejection_maps_to_a_delivery_code(api: ApiClient, receiver: CallbackReceiver, provider: Any) -> None:
    provider("webhook", {"url": receiver.url("/deliver")})
    register_number(api)
    receiver.replies = [(400, b'{"code": 30007}')]
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hi")
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"]) == ("undelivered", 30007)


def test_twilio_provider_forwards_the_final_message(api: ApiClient, receiver: CallbackReceiver, provider: Any) -> None:
    twilio_sid = "AC" + "9" * 32
    provider(
        "twilio",
        {"base_url": receiver.url("")},
        {"account_sid": twilio_sid, "auth_token": "tw1l10"},
    )
    service = service_with_numbers(api, SENDER)
    receiver.replies = [(201, json.dumps({"sid": "SM" + "7" * 32}).encode())]
    created = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="Wait\u2026")
    run_dispatch()
    assert fetch(api, created["sid"])["status"] == "sent"
    (forwarded,) = receiver.received
    assert forwarded.url == receiver.url(f"/2010-04-01/Accounts/{twilio_sid}/Messages.json")
    assert forwarded.params == {"To": RECIPIENT, "From": SENDER, "Body": "Wait..."}
    assert forwarded.headers["Authorization"].startswith("Basic ")


def test_twilio_provider_maps_refusals(api: ApiClient, receiver: CallbackReceiver, provider: Any) -> None:
    provider("twilio", {"base_url": receiver.url("")}, {"account_sid": "AC" + "9" * 32, "auth_token": "t"})
    register_number(api)
    receiver.replies = [(400, b'{"code": 21610, "message": "opted out", "status": 400}')]
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hi")
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"]) == ("failed", 21610)


def test_sns_provider_publishes(api: ApiClient, provider: Any) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns import sns_backends

    provider("sns", {"sms_type": "transactional"})
    register_number(api)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Hi", MediaUrl="https://example.com/a.png")
    run_dispatch()
    assert fetch(api, created["sid"])["status"] == "sent"
    published = list(sns_backends[DEFAULT_ACCOUNT_ID][settings().region].sms_messages.values())
    assert published == [(RECIPIENT, "Hi\nhttps://example.com/a.png")]
