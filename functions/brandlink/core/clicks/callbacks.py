"""The click event as it is POSTed to a domain's ``CallbackUrl``: its JSON, its signature, its retries.

The body carries Twilio's click-event fields (twilio-contract.md, "Shortened links and click events"),
in this order: ``event_type, sms_sid, to, from, link, click_time, clicked_at, messaging_service_sid,
account_sid, user_agent``, plus ``shortened_link`` and ``link_create_time`` as Twilio's Event Streams
carry them. Times: ``click_time`` and ``link_create_time`` ISO-8601 with milliseconds, UTC
(``2030-01-01T09:00:00.123Z``); ``clicked_at`` epoch milliseconds (an integer). The same JSON is the
``Detail`` of the optional EventBridge event.

Signed as Twilio signs JSON webhooks: the URL gets ``bodySHA256=<hex sha256 of the body>`` and
``X-Twilio-Signature`` is the HMAC-SHA1 of that URL alone, keyed with the account's auth token
(``core.common.signing.sign_json``), so ``RequestValidator(token).validate(url, body, signature)``
accepts it. ``I-Twilio-Idempotency-Token`` is the event id (the tap's request id): the same on every
attempt, so a receiver can drop a repeat.

Retries: a post that is not answered with 2xx is retried with a delay that grows per message
(``retry_delay``: base * 4**(attempt - 1), at most an hour by default), set as that message's visibility on the
clicks queue; after the queue's ``maxReceiveCount`` receives it goes to the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from brandlink.core.clicks.model import ClickEvent
from brandlink.core.common.dates import iso8601_millis
from brandlink.core.common.signing import sign_json

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
RETRY_GROWTH = 4
MAX_RETRY_DELAY_SECONDS = 3600
"""A receiver that is down waits at most an hour between attempts (SQS allows up to 12 hours)."""


def _millis(epoch_ms: int) -> str:
    return iso8601_millis(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def payload(event: ClickEvent) -> dict[str, Any]:
    """The event's JSON object, fields in the documented order."""
    return {
        "event_type": event.event_type,
        "sms_sid": event.message_sid,
        "to": event.to,
        "from": event.from_,
        "link": event.link,
        "click_time": _millis(event.clicked_at_ms),
        "clicked_at": event.clicked_at_ms,
        "messaging_service_sid": event.service_sid,
        "account_sid": event.account_sid,
        "user_agent": event.user_agent,
        "shortened_link": event.short_url,
        "link_create_time": _millis(event.link_created_at * 1000),
    }


def body(event: ClickEvent) -> bytes:
    """The bytes that are POSTed (and hashed into ``bodySHA256``): compact JSON, UTF-8."""
    return json.dumps(payload(event), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class JsonPoster(Protocol):
    def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST ``body``; the HTTP status. Raises ``OSError`` when no answer came back."""
        ...


class CallbackRejected(Exception):
    """The receiver answered with a status other than 2xx: the event is retried."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered HTTP {status}")
        self.status = status


def signed_request(event: ClickEvent, url: str, auth_token: str) -> tuple[str, bytes, dict[str, str]]:
    """The URL to call (with ``bodySHA256``), the body and the headers of the event's post."""
    content = body(event)
    signed_url, headers = sign_json(auth_token, url, content)
    headers[IDEMPOTENCY_HEADER] = event.event_id
    return signed_url, content, headers


def deliver(event: ClickEvent, url: str, auth_token: str, poster: JsonPoster) -> int:
    """Post ``event`` to ``url`` signed with ``auth_token``; the status, or ``CallbackRejected``
    unless it is 2xx (an ``OSError`` when nothing answered passes through)."""
    signed_url, content, headers = signed_request(event, url, auth_token)
    status = poster.post_json(signed_url, content, headers)
    if not 200 <= status < 300:
        raise CallbackRejected(url, status)
    return status


def retry_delay(attempt: int, base_seconds: int, max_seconds: int = MAX_RETRY_DELAY_SECONDS) -> int:
    """Seconds before a message whose ``attempt``-th receive failed is tried again: ``base_seconds``
    * 4**(attempt - 1), at most ``max_seconds`` (5 s base: 5, 20, 80, 320, 1280, 3600, ...)."""
    exponent = max(0, attempt - 1)
    if base_seconds <= 0:
        return 0
    if exponent >= 16:  # far past any cap; keeps the power small
        return max_seconds
    delay: int = base_seconds * RETRY_GROWTH**exponent
    return min(max_seconds, delay)
