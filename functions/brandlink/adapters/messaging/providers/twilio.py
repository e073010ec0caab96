"""Twilio: forward the final message (sender chosen, links shortened) to Twilio's Messages API.

The secret (``BRANDLINK_PROVIDER_SECRET_ARN``) is a JSON object with ``account_sid`` and
``auth_token`` (or ``api_key_sid`` + ``api_key_secret`` with ``account_sid``). Optional
``BRANDLINK_PROVIDER_CONFIG``: ``base_url`` (default ``https://api.twilio.com``) and
``messaging_service_sid`` (send through that Twilio service instead of ``From``).

With ``receipts_base`` (the deployment's ``publicApiUrl``) each forwarded message carries
``StatusCallback={receipts_base}/v1/Receipts/Twilio?AccountSid=...&MessageSid=...``: Twilio's
status callbacks come back signed with the upstream auth token and move the Brandlink message to
``delivered``/``undelivered`` (api/routes/receipts.py). Without it no receipt comes back.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from brandlink.adapters.common.http import request
from brandlink.adapters.messaging.providers.http_delivery import Reply, Transport, post
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt

DEFAULT_BASE_URL = "https://api.twilio.com"
# Twilio error codes about the destination, passed on as the delivery code they amount to.
_TWILIO_CODE_MAP: dict[int, ErrorCode] = {
    ErrorCode.OPTED_OUT: ErrorCode.OPTED_OUT,
    ErrorCode.INVALID_TO: ErrorCode.UNKNOWN_HANDSET,
    ErrorCode.NOT_A_MOBILE_NUMBER: ErrorCode.UNKNOWN_HANDSET,
    ErrorCode.NO_SENDER_FOR_CHANNEL: ErrorCode.UNREACHABLE_HANDSET,
    ErrorCode.REGION_NOT_ENABLED: ErrorCode.CARRIER_FILTERED,
    ErrorCode.UNREACHABLE_HANDSET: ErrorCode.UNREACHABLE_HANDSET,
    ErrorCode.UNKNOWN_HANDSET: ErrorCode.UNKNOWN_HANDSET,
    ErrorCode.CARRIER_FILTERED: ErrorCode.CARRIER_FILTERED,
}


class TwilioProvider:
    name = "twilio"

    def __init__(
        self,
        config: dict[str, Any],
        credentials: Callable[[], dict[str, Any]],
        *,
        allow_private: bool = False,
        transport: Transport = request,
        receipts_base: str | None = None,
    ) -> None:
        self._receipts_base = receipts_base.rstrip("/") if receipts_base else None
        self._base_url = str(config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        self._allow_private = allow_private
        self._service_sid = config.get("messaging_service_sid")
        self._credentials = credentials
        self._transport = transport

    @cached_property
    def _auth(self) -> tuple[str, str]:
        """``(account_sid, Authorization header)`` from the secret."""
        secret = self._credentials()
        account_sid = secret.get("account_sid")
        user = secret.get("api_key_sid") or account_sid
        password = secret.get("api_key_secret") or secret.get("auth_token")
        if not account_sid or not user or not password:
            raise RuntimeError("The Twilio provider secret needs account_sid and auth_token (or an API key pair).")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return account_sid, f"Basic {token}"

    def send(self, message: OutgoingMessage) -> Receipt:
        account_sid, authorization = self._auth
        form: list[tuple[str, str]] = [("To", message.to), ("Body", message.body)]
        form.append(("MessagingServiceSid", self._service_sid) if self._service_sid else ("From", message.from_))
        form.extend(("MediaUrl", url) for url in message.media_urls)
        if self._receipts_base:
            ids = urlencode({"AccountSid": message.account_sid, "MessageSid": message.message_sid})
            form.append(("StatusCallback", f"{self._receipts_base}/v1/Receipts/Twilio?{ids}"))
        url = f"{self._base_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        reply = post(
            self._transport,
            "Twilio",
            url,
            body=urlencode(form).encode("utf-8"),
            headers={"Authorization": authorization, "Content-Type": "application/x-www-form-urlencoded"},
            allow_private=self._allow_private,
        )
        return _receipt(reply)


def _receipt(reply: Reply) -> Receipt:
    if reply.accepted:
        return Receipt(provider_message_id=reply.payload.get("sid"))
    detail = reply.payload.get("message") or f"HTTP {reply.status}"
    if reply.retry_later:
        raise DeliveryError(ErrorCode.QUEUE_OVERFLOW, f"Twilio is busy: {detail}", retryable=True)
    twilio_code = reply.payload.get("code")
    code = (
        _TWILIO_CODE_MAP.get(twilio_code, ErrorCode.UNKNOWN_ERROR)
        if isinstance(twilio_code, int)
        else ErrorCode.UNKNOWN_ERROR
    )
    raise DeliveryError(code, f"Twilio refused the message ({twilio_code or reply.status}): {detail}")
