"""Messages: the domain model, its status lifecycle, the store interface and the 2010-04-01 shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from brandlink.core.common.dates import rfc2822
from brandlink.core.common.paging import PageRequest
from brandlink.core.services import Page

API_VERSION = "2010-04-01"
DIRECTION = "outbound-api"

SCHEDULED, ACCEPTED, QUEUED = "scheduled", "accepted", "queued"
SENDING, SENT, DELIVERED = "sending", "sent", "delivered"
UNDELIVERED, FAILED, CANCELED = "undelivered", "failed", "canceled"

PENDING_STATUSES = frozenset({SCHEDULED, ACCEPTED, QUEUED})
"""Not yet handed to a provider: dispatch may claim the message (``→ sending``)."""
FINAL_STATUSES = frozenset({SENT, DELIVERED, UNDELIVERED, FAILED, CANCELED})
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

    @property
    def is_scheduled(self) -> bool:
        return self.send_at is not None

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


class ScheduledCapReached(Exception):
    """The account already has as many scheduled messages as the deployment allows."""


class MessageRepository(Protocol):
    def add(self, message: Message, *, scheduled_cap: int | None = None) -> None:
        """Store a new message; a scheduled one also takes a slot of the account's counter.

        Raises ``ScheduledCapReached`` when ``scheduled_cap`` slots are taken (nothing is written).
        """
        ...

    def get(self, account_sid: str, sid: str) -> Message | None:
        """The message (strongly consistent), or None when absent, another account's or expired."""
        ...

    def replace(
        self,
        message: Message,
        *,
        expected_statuses: frozenset[str],
        expected_attempts: int | None = None,
        release_scheduled_slot: bool = False,
    ) -> bool:
        """Write ``message`` over the stored one only if that is in ``expected_statuses`` (and has
        made ``expected_attempts`` attempts); False when it is not (or is gone). The status
        transition and, with ``release_scheduled_slot``, the counter decrement are one atomic write.
        """
        ...

    def delete(self, message: Message, *, expected_statuses: frozenset[str], release_scheduled_slot: bool) -> bool:
        """Delete the message if its status is one of ``expected_statuses``; False otherwise."""
        ...

    def page(self, account_sid: str, request: PageRequest, query: MessageQuery, now: datetime) -> Page[Message]:
        """Newest first; expired messages are skipped."""
        ...

    def record_feedback(self, message: Message, feedback: MessageFeedback) -> bool:
        """Set the message's feedback and nothing else (no whole-item rewrite); False when it is gone."""
        ...


def message_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"


def message_base(account_sid: str, sid: str) -> str:
    """``/2010-04-01/Accounts/{AC}/Messages/{SM}``: the prefix of the message's subresource URIs."""
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"


def message_resource(message: Message) -> dict[str, Any]:
    """The 2010-04-01 Message shape, every field present (``tags`` is Brandlink's addition)."""
    base = message_base(message.account_sid, message.sid)
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.date_created),
        "date_sent": rfc2822(message.date_sent),
        "date_updated": rfc2822(message.date_updated),
        "direction": DIRECTION,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "from": message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(len(message.media_urls)),
        "num_segments": str(message.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "tags": dict(message.tags),
        "to": message.to,
        "uri": message_uri(message.account_sid, message.sid),
    }
