"""A message: what was asked (To, Body, sender, schedule, options) and its status lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

API_VERSION = "2010-04-01"
DIRECTION = "outbound-api"
INBOUND = "inbound"  # received from a handset (core/inbound)
OUTBOUND_REPLY = "outbound-reply"  # sent in answer to an inbound message (TwiML, opt-out confirmations)

SCHEDULED, ACCEPTED, QUEUED = "scheduled", "accepted", "queued"
SENDING, SENT, DELIVERED = "sending", "sent", "delivered"
UNDELIVERED, FAILED, CANCELED = "undelivered", "failed", "canceled"
RECEIVED = "received"  # an inbound message: final from the moment it is recorded

PENDING_STATUSES = frozenset({SCHEDULED, ACCEPTED, QUEUED})
"""Not yet handed to a provider: dispatch may claim the message (``→ sending``)."""
FINAL_STATUSES = frozenset({SENT, DELIVERED, UNDELIVERED, FAILED, CANCELED, RECEIVED})
"""Nothing will happen to the message any more: it may be redacted or deleted."""


@dataclass(frozen=True)
class MessageOptions:
    """Twilio parameters Brandlink records and echoes to providers but does not act on itself."""

    attempt: int | None = None
    provide_feedback: bool | None = None
    force_delivery: bool | None = None
    send_as_mms: bool | None = None
    persistent_action: tuple[str, ...] = ()
    risk_check: str | None = None
    content_retention: str | None = None  # "retain" | "discard": discard empties the body once sent
    address_retention: str | None = None  # "retain" | "obfuscate": obfuscate masks To once sent

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "provide_feedback": self.provide_feedback,
            "force_delivery": self.force_delivery,
            "send_as_mms": self.send_as_mms,
            "persistent_action": list(self.persistent_action),
            "risk_check": self.risk_check,
            "content_retention": self.content_retention,
            "address_retention": self.address_retention,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> MessageOptions:
        raw = raw or {}
        return cls(
            attempt=raw.get("attempt"),
            provide_feedback=raw.get("provide_feedback"),
            force_delivery=raw.get("force_delivery"),
            send_as_mms=raw.get("send_as_mms"),
            persistent_action=tuple(raw.get("persistent_action") or ()),
            risk_check=raw.get("risk_check"),
            content_retention=raw.get("content_retention"),
            address_retention=raw.get("address_retention"),
        )


@dataclass(frozen=True)
class MessageFeedback:
    """What the sender reported about the message (``POST .../Feedback.json``)."""

    outcome: str  # "confirmed" | "unconfirmed"
    date_created: datetime
    date_updated: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "date_created": self.date_created.isoformat(),
            "date_updated": self.date_updated.isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> MessageFeedback | None:
        if not raw:
            return None
        return cls(
            outcome=str(raw["outcome"]),
            date_created=datetime.fromisoformat(raw["date_created"]),
            date_updated=datetime.fromisoformat(raw["date_updated"]),
        )


@dataclass(frozen=True)
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str | None  # None until dispatch picks a sender of the messaging service
    messaging_service_sid: str | None
    body: str
    status: str
    date_created: datetime
    date_updated: datetime
    expires_at: datetime
    num_segments: int
    media_urls: tuple[str, ...] = ()
    date_sent: datetime | None = None
    send_at: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    status_callback: str | None = None
    validity_period: int | None = None
    smart_encoded: bool | None = None  # None: the service's SmartEncoding decides
    shorten_urls: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    options: MessageOptions = field(default_factory=MessageOptions)
    attempts: int = 0  # provider attempts claimed so far; dispatch triggers carry the expected value
    provider_message_id: str | None = None
    feedback: MessageFeedback | None = None
    fallback_from: str | None = None  # the short code of the first attempt, once Fallback to Long Code re-sent it
    direction: str = DIRECTION  # outbound-api, inbound or outbound-reply

    def due_at(self) -> datetime:
        """When the message was meant to go out: its ``SendAt``, else its creation."""
        return self.send_at or self.date_created

    def is_expired(self, now: datetime) -> bool:
        """Past retention: treated as gone even before DynamoDB's TTL sweep removes it."""
        return self.expires_at <= now

    def validity_deadline(self, service_validity: int | None) -> datetime | None:
        seconds = self.validity_period or service_validity
        return self.due_at() + timedelta(seconds=seconds) if seconds else None


@dataclass(frozen=True)
class MessageQuery:
    """List filters: exact To/From and a ``[sent_from, sent_before)`` window on ``date_sent``."""

    to: str | None = None
    from_: str | None = None
    sent_from: datetime | None = None
    sent_before: datetime | None = None
