"""Upstream providers' inbound webhooks (Brandlink's addition): ``POST /v1/Inbound/Twilio`` and
``POST /v1/Inbound/Webhook``. No HTTP Basic: each is authenticated by its provider's signature
(core/inbound/provider_webhooks.py); accepted messages go to the inbound queue."""

from __future__ import annotations

import base64

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, form
from brandlink.api.spec import STRING, DocumentedRouter, Operation, Param
from brandlink.core.common.dates import utcnow
from brandlink.core.inbound import provider_webhooks

router = DocumentedRouter()

TAG = "BrandlinkInbound"
TWILIO_PATH = "/v1/Inbound/Twilio"
WEBHOOK_PATH = "/v1/Inbound/Webhook"


def _twiml(body: str) -> Response[str]:
    return Response(status_code=200, content_type="text/xml", body=body)


def _header(name: str) -> str | None:
    headers = router.current_event.headers or {}
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


@router.operation(
    Operation(
        "POST",
        TWILIO_PATH,
        "CreateInboundTwilio",
        "Twilio's incoming-message webhook for numbers of the upstream Twilio account (X-Twilio-Signature).",
        TAG,
        {200: None},
        form=(
            Param("MessageSid", STRING, "Twilio's message SID (duplicates are ignored).", True),
            Param("From", STRING, "The handset.", True),
            Param("To", STRING, "The Brandlink sender texted.", True),
            Param("Body", STRING, "The text."),
            Param("NumMedia", STRING, "How many MediaUrlN follow."),
        ),
        brandlink_addition=True,
        public=True,
    )
)
def inbound_twilio() -> Response[str]:
    url = base_url(router) + TWILIO_PATH
    provider_webhooks.accept_twilio(
        wiring.provider_secret_json, url, form(router), _header("X-Twilio-Signature"), wiring.inbound_queue(), utcnow()
    )
    return _twiml(provider_webhooks.EMPTY_TWIML)


@router.operation(
    Operation(
        "POST",
        WEBHOOK_PATH,
        "CreateInboundWebhook",
        "The HTTPS webhook provider's inbound messages: JSON {id, from, to, body, media_urls}, "
        "X-Brandlink-Signature: sha256=<HMAC-SHA256 of the body with the deployment's signing_key>.",
        TAG,
        {200: None},
        brandlink_addition=True,
        public=True,
    )
)
def inbound_webhook() -> Response[str]:
    event = router.current_event
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")
    provider_webhooks.accept_webhook(
        wiring.provider_secret_json, body, _header("X-Brandlink-Signature"), wiring.inbound_queue(), utcnow()
    )
    return _twiml(provider_webhooks.EMPTY_TWIML)
