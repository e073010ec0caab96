"""Upstream providers' inbound webhooks on moto: Twilio (X-Twilio-Signature with the upstream token) and
the HTTPS webhook provider (HMAC-SHA256 with the deployment's key); forged ones are refused, queued
nothing; accepted ones become inbound messages; a duplicate is recorded once."""

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
from brandlink.core.common.signing import compute_signature
from local.events import http_event
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.inbound_helpers import HANDSET, run_inbound
from tests.integration.message_helpers import (
    SENDER,
    CallbackReceiver,
    messages_path,
    queue_depth,
    receiver_fixture,
    service_with_numbers,
)

receiver = receiver_fixture
UPSTREAM_TOKEN = "upstream-twilio-token-0123456789ab"
SIGNING_KEY = "deployment-webhook-key"
BASE = "http://api.test"
FORM_TYPE = "application/x-www-form-urlencoded"


@pytest.fixture
def provider_secret(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    secret = boto3.client("secretsmanager", region_name=settings().region).create_secret(
        Name="provider", SecretString=json.dumps({"auth_token": UPSTREAM_TOKEN, "signing_key": SIGNING_KEY})
    )
    monkeypatch.setenv("BRANDLINK_PROVIDER_SECRET_ARN", secret["ARN"])
    settings.cache_clear()
    yield
    monkeypatch.delenv("BRANDLINK_PROVIDER_SECRET_ARN")
    settings.cache_clear()


def post(path: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    from brandlink.handlers.api import handler

    all_headers = {"host": "api.test", "x-forwarded-proto": "http", **headers}
    response = handler(http_event("POST", path, headers=all_headers, body=body), lambda_context())
    return response["statusCode"], response.get("body") or ""


def twilio_post(params: dict[str, str], token: str = UPSTREAM_TOKEN) -> tuple[int, str]:
    # Signed as Twilio signs its webhooks: the helper library's own RequestValidator.
    signature = RequestValidator(token).compute_signature(BASE + "/v1/Inbound/Twilio", params)
    return post(
        "/v1/Inbound/Twilio",
        urlencode(params),
        {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature},
    )


def webhook_post(payload: dict[str, Any], key: str = SIGNING_KEY) -> tuple[int, str]:
    body = json.dumps(payload)
    signature = "sha256=" + hmac.new(key.encode(), body.encode(), hashlib.sha256).hexdigest()
    return post("/v1/Inbound/Webhook", body, {"content-type": "application/json", "x-brandlink-signature": signature})


TWILIO_FORM = {"MessageSid": "SM" + "1" * 32, "From": HANDSET, "To": SENDER, "Body": "hi from twilio", "NumMedia": "0"}


def test_a_signed_twilio_webhook_becomes_an_inbound_message(
    api: ApiClient, receiver: CallbackReceiver, provider_secret: None
) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    status, body = twilio_post(TWILIO_FORM)
    assert status == 200, body
    assert "<Response>" in body
    status, again = twilio_post(TWILIO_FORM)  # Twilio retried: the same MessageSid
    assert status == 200, again
    assert run_inbound() == 2
    assert len(receiver.received) == 1
    assert receiver.received[0].params["Body"] == "hi from twilio"
    _status, listing = api.get(messages_path(api), query={"From": HANDSET})
    assert [m["direction"] for m in listing["messages"]] == ["inbound"]


@pytest.mark.parametrize(
    "forge",
    [
        lambda: twilio_post(TWILIO_FORM, token="not-the-upstream-token"),
        lambda: post(
            "/v1/Inbound/Twilio", urlencode(TWILIO_FORM), {"content-type": "application/x-www-form-urlencoded"}
        ),
        lambda: post(
            "/v1/Inbound/Twilio",
            urlencode({**TWILIO_FORM, "Body": "tampered"}),
            {
                "content-type": "application/x-www-form-urlencoded",
                "x-twilio-signature": compute_signature(UPSTREAM_TOKEN, BASE + "/v1/Inbound/Twilio", TWILIO_FORM),
            },
        ),
        lambda: webhook_post({"id": "w-1", "from": HANDSET, "to": SENDER, "body": "x"}, key="wrong"),
        lambda: post("/v1/Inbound/Webhook", json.dumps({"id": "w-1", "from": HANDSET, "to": SENDER}), {}),
    ],
    ids=["twilio-wrong-token", "twilio-unsigned", "twilio-tampered", "webhook-wrong-key", "webhook-unsigned"],
)
def test_forged_provider_webhooks_are_refused_and_queue_nothing(
    api: ApiClient, provider_secret: None, forge: Any
) -> None:
    status, body = forge()
    assert status == 403, body
    assert "Signature" in json.loads(body)["message"]
    assert queue_depth("inbound") == 0


def test_without_a_provider_secret_provider_webhooks_are_refused(api: ApiClient) -> None:
    status, body = twilio_post(TWILIO_FORM)
    assert status == 403, body
    assert "auth_token" in json.loads(body)["message"]
    assert queue_depth("inbound") == 0


def test_a_signed_webhook_provider_message_becomes_an_inbound_message(
    api: ApiClient, receiver: CallbackReceiver, provider_secret: None
) -> None:
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    status, body = webhook_post(
        {"id": "gw-7", "from": HANDSET, "to": SENDER, "body": "via gateway", "media_urls": ["https://x.test/a.png"]}
    )
    assert status == 200, body
    run_inbound()
    [posted] = receiver.received
    assert (posted.params["Body"], posted.params["NumMedia"], posted.params["MediaUrl0"]) == (
        "via gateway",
        "1",
        "https://x.test/a.png",
    )
    assert posted.params["MessageSid"].startswith("MM")


def test_a_signed_but_malformed_webhook_message_is_a_400_with_a_sentence(api: ApiClient, provider_secret: None) -> None:
    status, body = webhook_post({"id": "gw-8", "from": HANDSET})
    assert status == 400, body
    assert "id, from and to" in json.loads(body)["message"]


def test_end_user_messaging_two_way_sms_arrives_through_sns(api: ApiClient, receiver: CallbackReceiver) -> None:
    """The number's two-way channel (an SNS topic) → the inbound queue subscribed to it → a message."""
    service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    region = settings().region
    sqs = boto3.client("sqs", region_name=region)
    queue_arn = sqs.get_queue_attributes(QueueUrl=settings().queue_url("inbound"), AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns = boto3.client("sns", region_name=region)
    topic = sns.create_topic(Name="two-way")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    two_way = {
        "originationNumber": HANDSET,
        "destinationNumber": SENDER,
        "messageKeyword": "KEYWORD_123456789012",
        "messageBody": "Help",
        "inboundMessageId": "cae173d2-66b9-564c-8309-21f858e9fb84",
        "previousPublishedMessageId": "wJ0bZF8o0MQL0EkG",
    }
    sns.publish(TopicArn=topic, Message=json.dumps(two_way))
    sns.publish(TopicArn=topic, Message=json.dumps(two_way))  # SNS delivers at least once
    assert run_inbound() == 2
    [posted] = receiver.received
    assert (posted.params["From"], posted.params["To"], posted.params["Body"]) == (HANDSET, SENDER, "Help")
    assert posted.params["OptOutType"] == "HELP"
