"""The delivery-provider interface and how provider failures map to Twilio delivery codes.

A provider gets the final message (sender chosen, body encoded) and either accepts it or raises
``DeliveryError``. ``retryable`` is True only when the provider certainly did not take the
message (throttled, refused the connection, answered 429/503): a retry can then never send twice.
An ambiguous failure (a timeout after the request went out) is not retryable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.model import FAILED, UNDELIVERED

# Codes about the handset or carrier end the message as ``undelivered``; the rest as ``failed``.
_UNDELIVERED_CODES = frozenset(
    {
        ErrorCode.UNREACHABLE_HANDSET,
        ErrorCode.MESSAGE_BLOCKED,
        ErrorCode.UNKNOWN_HANDSET,
        ErrorCode.UNREACHABLE_CARRIER,
        ErrorCode.CARRIER_FILTERED,
    }
)


@dataclass(frozen=True)
class OutgoingMessage:
    message_sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...] = ()
    messaging_service_sid: str | None = None
    encoding: str = "GSM-7"
    num_segments: int = 1
    tags: dict[str, str] = field(default_factory=dict)
    keep_until: datetime | None = None  # the message's retention, for providers that record it

    def text_with_media_links(self) -> str:
        """The body with each media URL on a line of its own, for text-only channels."""
        return "\n".join([self.body, *self.media_urls]) if self.body else "\n".join(self.media_urls)


@dataclass(frozen=True)
class Receipt:
    provider_message_id: str | None = None


class DeliveryError(Exception):
    def __init__(self, code: ErrorCode, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


class Provider(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the message over; raises ``DeliveryError`` when the provider does not take it."""
        ...


def status_for_error(code: int) -> str:
    return UNDELIVERED if code in _UNDELIVERED_CODES else FAILED


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries of retryable failures, re-queued with growing delays (SQS allows ≤ 900 s)."""

    max_attempts: int = 4
    base_delay_seconds: int = 30
    max_delay_seconds: int = 900

    def can_retry(self, attempts_made: int) -> bool:
        return attempts_made < self.max_attempts

    def delay_seconds(self, attempts_made: int) -> int:
        """30 s, 120 s, 480 s, then 900 s: 4 times longer each attempt, capped by SQS's maximum delay."""
        growth: int = 4 ** max(0, attempts_made - 1)
        return min(self.max_delay_seconds, self.base_delay_seconds * growth)
