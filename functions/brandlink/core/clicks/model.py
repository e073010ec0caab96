"""What travels from a tap to a customer's callback: the raw tap, the resolved click event, and the port
that records events for analytics.

Two halves share these shapes: capture + delivery (the redirect enqueues a ``Tap``; the clicks worker
resolves it into a ``ClickEvent``, posts it to the domain's ``CallbackUrl`` and hands it to a
``ClickRecorder``) and analytics (the ``ClickRecorder`` implementation: click items, per-link counts,
aggregates, the Links/Clicks/Insights APIs). They meet only here.

The redirect does not know whether a slug is live when it enqueues (its read and its enqueue run
concurrently, DESIGN.md), so a ``Tap`` carries raw facts only; the worker decides what becomes an event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

EventType = Literal["click", "preview"]
TAP_VERSION = 1


@dataclass(frozen=True, slots=True)
class Tap:
    """One request to a short link, as the redirect saw it (the clicks queue's message body)."""

    tap_id: str
    """Unique per request (the API Gateway request id): the click event's id and idempotency token."""
    slug: str
    host: str
    """The ``Host`` the tap came to, lower-cased, without port or trailing dot."""
    method: str
    user_agent: str
    at_ms: int
    """When the redirect answered, epoch milliseconds."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": TAP_VERSION,
                "id": self.tap_id,
                "slug": self.slug,
                "host": self.host,
                "method": self.method,
                "ua": self.user_agent,
                "at": self.at_ms,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Tap:
        """Raises ``ValueError`` for a body that is not a tap of this version."""
        data: Any = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != TAP_VERSION:
            raise ValueError("not a version-1 tap")
        try:
            return cls(
                tap_id=str(data["id"]),
                slug=str(data["slug"]),
                host=str(data["host"]),
                method=str(data["method"]),
                user_agent=str(data["ua"]),
                at_ms=int(data["at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed tap: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ClickEvent:
    """A tap on a live short link, resolved against its link item: one click or preview to report."""

    event_id: str
    """The tap's id: stable across retries (``I-Twilio-Idempotency-Token``) and the dedupe key."""
    event_type: EventType
    slug: str
    short_url: str
    link: str
    message_sid: str
    account_sid: str
    service_sid: str
    to: str
    from_: str
    domain_sid: str
    domain_name: str
    clicked_at_ms: int
    link_created_at: int
    """Epoch seconds when the link (its message) was sent: time-to-first-click starts here."""
    user_agent: str
    tags: Mapping[str, str] = field(default_factory=dict)
    expires_at: int = 0
    """Epoch seconds until which the event is kept: its message's retention (the link's send time +
    the account's retention days), the TTL of whatever records it; 0 when not known."""


class ClickRecorder(Protocol):
    """Records click events for analytics; idempotent per ``event_id`` (a replayed or duplicated event
    changes nothing), so the worker may call it again for a record it retries."""

    def record(self, events: Sequence[ClickEvent]) -> None: ...
