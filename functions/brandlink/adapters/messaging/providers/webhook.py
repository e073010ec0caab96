"""A generic HTTPS webhook: each message is POSTed as JSON to the operator's endpoint.

``BRANDLINK_PROVIDER_CONFIG``: ``{"url": "https://...", "timeout_seconds": 5}``. With
``BRANDLINK_PROVIDER_SECRET_ARN`` (a JSON object with ``signing_key``) each request carries
``X-Brandlink-Signature: sha256=<hex HMAC-SHA256 of the body>``. ``Idempotency-Key`` is the
message SID. The endpoint answers 2xx to accept (optionally ``{"id": "..."}``), 429/503 to be
retried later, or another status with ``{"code": 30003|30005|30007|21610}`` to reject.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from functools import cached_property
from typing import Any

from brandlink.adapters.common.http import request
from brandlink.adapters.messaging.providers.http_delivery import Reply, Transport, post
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt

_REJECTION_CODES = frozenset(
    {ErrorCode.UNREACHABLE_HANDSET, ErrorCode.UNKNOWN_HANDSET, ErrorCode.CARRIER_FILTERED, ErrorCode.OPTED_OUT}
)


def webhook_payload(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "message_sid": message.message_sid,
        "account_sid": message.account_sid,
        "messaging_service_sid": message.messaging_service_sid,
        "to": message.to,
        "from": message.from_,
        "body": message.body,
        "media_urls": list(message.media_urls),
        "encoding": message.encoding,
        "num_segments": message.num_segments,
        "tags": dict(message.tags),
    }


class WebhookProvider:
    name = "webhook"

    def __init__(
        self,
        config: dict[str, Any],
        signing_secret: Callable[[], dict[str, Any]] | None,
        *,
        allow_private: bool,
        transport: Transport = request,
    ) -> None:
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise RuntimeError('The webhook provider needs provider_config {"url": "https://..."}.')
        self._url = url
        self._timeout = float(config.get("timeout_seconds", 5))
        self._signing_secret = signing_secret
        self._allow_private = allow_private
        self._transport = transport

    @cached_property
    def _key(self) -> bytes | None:
        if self._signing_secret is None:
            return None
        key = self._signing_secret().get("signing_key")
        if not isinstance(key, str) or not key:
            raise RuntimeError("The webhook provider secret needs a non-empty signing_key.")
        return key.encode("utf-8")

    def send(self, message: OutgoingMessage) -> Receipt:
        body = json.dumps(webhook_payload(message), separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.message_sid}
        if self._key is not None:
            headers["X-Brandlink-Signature"] = "sha256=" + hmac.new(self._key, body, hashlib.sha256).hexdigest()
        reply = post(
            self._transport,
            "The webhook",
            self._url,
            body=body,
            headers=headers,
            timeout=self._timeout,
            allow_private=self._allow_private,
        )
        return _receipt(reply)


def _receipt(reply: Reply) -> Receipt:
    if reply.accepted:
        provider_id = reply.payload.get("id")
        return Receipt(provider_message_id=str(provider_id) if provider_id is not None else None)
    if reply.retry_later:
        raise DeliveryError(
            ErrorCode.QUEUE_OVERFLOW, f"The webhook asked to retry (HTTP {reply.status}).", retryable=True
        )
    given = reply.payload.get("code")
    code = ErrorCode(given) if given in _REJECTION_CODES else ErrorCode.UNKNOWN_ERROR
    raise DeliveryError(code, f"The webhook rejected the message (HTTP {reply.status}).")
