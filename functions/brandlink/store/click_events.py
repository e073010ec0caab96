"""The interim click recorder: one item per click event in the ``clicks`` table, nothing more.

``(message_sid, click_id=event_id)``, written with ``attribute_not_exists``: a retried or replayed
event finds its item and changes nothing (``ClickRecorder`` is idempotent per event id). The item
expires with its message's retention (``expires_at``, the table's TTL attribute).

This is the minimum that keeps every event while the analytics half of click tracking (per-link
counts, aggregates, the Links/Clicks/Insights APIs) is built: that ``ClickRecorder`` replaces this
one in ``wiring.click_recorder`` and keeps these keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from brandlink.core.clicks.model import ClickEvent
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held


class ClickEventItem(StoreModel):
    Meta = meta("clicks")

    message_sid = UnicodeAttribute(hash_key=True)
    click_id = UnicodeAttribute(range_key=True)
    event_type = UnicodeAttribute()
    slug = UnicodeAttribute()
    account_sid = UnicodeAttribute()
    service_sid = UnicodeAttribute()
    domain_sid = UnicodeAttribute()
    clicked_at_ms = NumberAttribute()
    user_agent = UnicodeAttribute(null=True)
    tags = JSONAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class DynamoClickEvents:
    """``ClickRecorder``: one conditional put per event."""

    def record(self, events: Sequence[ClickEvent]) -> None:
        for event in events:
            item = ClickEventItem(
                event.message_sid,
                event.event_id,
                event_type=event.event_type,
                slug=event.slug,
                account_sid=event.account_sid,
                service_sid=event.service_sid,
                domain_sid=event.domain_sid,
                clicked_at_ms=event.clicked_at_ms,
                user_agent=event.user_agent or None,
                tags=dict(event.tags) or None,
                expires_at=event.expires_at or None,
            )
            condition_held(partial(item.save, condition=ClickEventItem.click_id.does_not_exist()))

    def for_message(self, message_sid: str) -> list[tuple[str, str]]:
        """``(event_id, event_type)`` of a message's recorded events (tests and support)."""
        return [(item.click_id, item.event_type) for item in ClickEventItem.query(message_sid)]
