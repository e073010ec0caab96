"""Checking an upstream provider's inbound webhook before anything it says is believed.

* **Twilio** (``POST /v1/Inbound/Twilio``): Twilio signs its incoming-message webhook with
  ``X-Twilio-Signature`` = base64(HMAC-SHA1(upstream auth token, URL + sorted params)); the token is
  the ``auth_token`` of the Twilio provider secret. The URL is the one Twilio called (the API's public
  base URL + the path), so the deployment's ``publicApiUrl`` must be what is configured at Twilio.
* **HTTPS webhook provider** (``POST /v1/Inbound/Webhook``): the operator's gateway signs the JSON body
  as Brandlink signs what it sends there: ``X-Brandlink-Signature: sha256=<hex HMAC-SHA256(body)>``
  with the per-deployment ``signing_key`` of the provider secret.

A missing or wrong signature, or a deployment without that secret, is refused (403) and nothing is
queued. An accepted message goes to the inbound queue; the answer is an empty TwiML response, so the
upstream never retries a message Brandlink took.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.signing import verify_signature, webhook_signature_valid
from brandlink.core.inbound.model import InboundEvent
from brandlink.core.inbound.providers import from_twilio_form, from_webhook_json

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class InboundQueue(Protocol):
    def enqueue(self, event: InboundEvent) -> None: ...


ProviderSecret = Callable[[], Mapping[str, Any]]
"""The provider secret's JSON (``{}`` when the deployment has none)."""


def _forbidden(why: str) -> TwilioError:
    return TwilioError(ErrorCode.AUTHENTICATION_FAILED, why, status=403)


def accept_twilio(
    secret: ProviderSecret, url: str, form: Form, signature: str | None, queue: InboundQueue, now: datetime
) -> InboundEvent:
    token = secret().get("auth_token")
    if not isinstance(token, str) or not token:
        raise _forbidden("This deployment has no Twilio auth_token in its provider secret: no Twilio webhooks.")
    params = {name: form.get(name) or "" for name in form.keys()}  # noqa: SIM118 (Form is no dict)
    if not verify_signature(token, url, params, signature):
        raise _forbidden("X-Twilio-Signature is missing or not made with the upstream Twilio account's token.")
    try:
        event = from_twilio_form(params, now)
    except ValueError as exc:
        raise TwilioError.invalid_parameter("MessageSid", str(exc)) from None
    queue.enqueue(event)
    return event


def accept_webhook(
    secret: ProviderSecret, body: bytes, signature: str | None, queue: InboundQueue, now: datetime
) -> InboundEvent:
    key = secret().get("signing_key")
    if not isinstance(key, str) or not key:
        raise _forbidden("This deployment has no webhook signing_key in its provider secret: it takes no webhooks.")
    if not webhook_signature_valid(key.encode("utf-8"), body, signature):
        raise _forbidden("X-Brandlink-Signature is missing or is not sha256=<HMAC-SHA256 of the body> with the key.")
    try:
        payload = json.loads(body)
    except ValueError:
        raise TwilioError.invalid_parameter("body", "expected a JSON object.") from None
    if not isinstance(payload, dict):
        raise TwilioError.invalid_parameter("body", "expected a JSON object.")
    try:
        event = from_webhook_json(payload, now)
    except ValueError as exc:
        raise TwilioError.invalid_parameter("body", str(exc)) from None
    queue.enqueue(event)
    return event
