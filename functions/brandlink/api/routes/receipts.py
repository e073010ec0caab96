"""Receipt endpoints: providers post delivery news here, signed, never with an account's credentials.

``POST /v1/Receipts/Twilio?AccountSid=AC...&MessageSid=SM...``: Twilio's status callback for a
message the ``twilio`` provider forwarded (the provider sets this URL as the forwarded message's
``StatusCallback`` when ``publicApiUrl`` is set). ``POST /v1/Receipts/Webhook``: the webhook
provider's endpoint reports ``{"message_sid", "account_sid", "status", "error_code"}``.

Each checks its signature first (core/messaging/receipts_signatures.py): a forged or unsigned post is
a 403 and changes nothing. A valid receipt is queued for the receipts function (never applied
inline) and answered 204.
"""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, form, no_content
from brandlink.api.spec import STRING, DocumentedRouter, Operation, Param, sid_schema
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.signing import verify_signature, webhook_signature_valid
from brandlink.core.messaging import receipts_mapping
from brandlink.core.messaging.receipts import DeliveryReport

router = DocumentedRouter()


def _forged(provider: str) -> TwilioError:
    return TwilioError(
        ErrorCode.AUTHENTICATION_FAILED,
        f"The {provider} receipt's signature does not match: it was not signed with this deployment's "
        f"{provider} key, or the URL or body changed on the way.",
        status=403,
    )


def _not_configured(provider: str) -> TwilioError:
    return TwilioError.not_found(f"Receipts of the {provider} provider (this deployment does not send through it)")


def _queue(report: DeliveryReport | None) -> Response[str]:
    if report is not None:
        wiring.receipt_queue().enqueue([report])
    return no_content()


def _body(router: DocumentedRouter) -> bytes:
    event = router.current_event
    raw = event.body or ""
    return base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")


@router.operation(
    Operation(
        "POST",
        "/v1/Receipts/Twilio",
        "CreateTwilioReceipt",
        "Twilio's status callback for a message the twilio provider forwarded; signed with X-Twilio-Signature.",
        "BrandlinkReceipts",
        {204: None},
        query=(
            Param("AccountSid", sid_schema("AC"), "The Brandlink account of the message.", required=True),
            Param("MessageSid", sid_schema("SM", "MM"), "The Brandlink message the callback is about.", required=True),
        ),
        form=(
            Param("MessageStatus", STRING, "Twilio's status of the forwarded message.", required=True),
            Param("ErrorCode", STRING, "Twilio's error code, for undelivered and failed."),
        ),
        brandlink_addition=True,
        public=True,
    )
)
def twilio_receipt() -> Response[str]:
    token = wiring.receipt_keys().twilio_auth_token
    if token is None:
        raise _not_configured("twilio")
    event = router.current_event
    raw_query = event.raw_event.get("rawQueryString") or ""
    url = f"{base_url(router)}{event.path}" + (f"?{raw_query}" if raw_query else "")
    params = form(router)
    fields = {name: params.get(name) or "" for name in params.keys()}  # noqa: SIM118 (Form is not iterable)
    if not verify_signature(token, url, fields, (event.headers or {}).get("x-twilio-signature")):
        raise _forged("twilio")
    query = event.query_string_parameters or {}
    account_sid, message_sid = query.get("AccountSid"), query.get("MessageSid")
    if not account_sid or not message_sid:
        raise TwilioError.invalid_parameter("MessageSid", "the receipt URL names AccountSid and MessageSid.")
    try:
        report = receipts_mapping.from_twilio_callback(account_sid, message_sid, fields)
    except receipts_mapping.NotAReceipt as exc:
        raise TwilioError.invalid_parameter("MessageStatus", f"{exc}.") from None
    return _queue(report)


@router.operation(
    Operation(
        "POST",
        "/v1/Receipts/Webhook",
        "CreateWebhookReceipt",
        "The webhook provider's delivery receipt (JSON); signed with X-Brandlink-Signature: sha256=<HMAC>.",
        "BrandlinkReceipts",
        {204: None},
        brandlink_addition=True,
        public=True,
    )
)
def webhook_receipt() -> Response[str]:
    key = wiring.receipt_keys().webhook_signing_key
    if key is None:
        raise _not_configured("webhook")
    body = _body(router)
    if not webhook_signature_valid(key, body, (router.current_event.headers or {}).get("x-brandlink-signature")):
        raise _forged("webhook")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise receipts_mapping.NotAReceipt("the receipt is a JSON object")
        report = receipts_mapping.from_webhook_receipt(payload)
    except (ValueError, receipts_mapping.NotAReceipt) as exc:
        raise TwilioError(ErrorCode.INVALID_PARAMETER, f"The receipt cannot be read: {exc}.") from None
    return _queue(report)
