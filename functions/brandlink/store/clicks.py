"""Click items and click analytics on DynamoDB.

* ``clicks`` ``(message_sid, click_id = event id)``: one item per recorded event, TTL ``expires_at``
  (the account's retention after the tap). Put with ``attribute_not_exists``: the event id is the
  dedupe key.
* ``click_stats`` ``(pk, sk)``: counters, first clicks, link counts and send markers, in the key
  layout ``core.clicks.aggregates`` defines.

``DynamoClickStats.write`` turns one ``WritePlan`` into one ``TransactWriteItems``; a failed
condition (or DynamoDB's ``TransactionConflict`` with a concurrent transaction on the same item)
is a ``Conflict`` for the recorder to re-read and re-plan. Reads are key reads and Queries only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from brandlink.core.clicks import aggregates
from brandlink.core.clicks.aggregates import Known, WritePlan
from brandlink.core.clicks.insights import CounterRow, FirstClickRow, LinkCounts
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.clicks.recording import Conflict
from brandlink.core.common.paging import ForeignCursor, Page, PageRequest
from brandlink.core.links.records import LinkRecord
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.paging import query_page
from brandlink.store.links import LinkItem

_RACES = {"ConditionalCheckFailed", "TransactionConflict"}
_BATCH_GET = 100


class ClickItem(StoreModel):
    Meta = meta("clicks")

    message_sid = UnicodeAttribute(hash_key=True)
    click_id = UnicodeAttribute(range_key=True)
    event_type = UnicodeAttribute()
    slug = UnicodeAttribute()
    short_url = UnicodeAttribute()
    link = UnicodeAttribute()
    account_sid = UnicodeAttribute()
    service_sid = UnicodeAttribute()
    to = UnicodeAttribute()
    from_ = UnicodeAttribute(attr_name="from")
    domain_sid = UnicodeAttribute()
    domain_name = UnicodeAttribute()
    clicked_at_ms = NumberAttribute()
    link_created_at = NumberAttribute()
    user_agent = UnicodeAttribute(null=True)
    tags = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()

    def to_event(self) -> ClickEvent:
        return ClickEvent(
            event_id=self.click_id,
            event_type="preview" if self.event_type == "preview" else "click",
            slug=self.slug,
            short_url=self.short_url,
            link=self.link,
            message_sid=self.message_sid,
            account_sid=self.account_sid,
            service_sid=self.service_sid,
            to=self.to,
            from_=self.from_,
            domain_sid=self.domain_sid,
            domain_name=self.domain_name,
            clicked_at_ms=int(self.clicked_at_ms),
            link_created_at=int(self.link_created_at),
            user_agent=self.user_agent or "",
            tags=json.loads(self.tags) if self.tags else {},
        )


class StatsItem(StoreModel):
    Meta = meta("click_stats")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    clicks = NumberAttribute(null=True)
    previews = NumberAttribute(null=True)
    messages_with_links = NumberAttribute(null=True)
    first_click_ms = NumberAttribute(null=True)
    message_sid = UnicodeAttribute(null=True)
    to = UnicodeAttribute(null=True)
    tags = UnicodeAttribute(null=True)
    sent_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def _click_item(row: aggregates.ClickRow) -> ClickItem:
    event = row.event
    return ClickItem(
        event.message_sid,
        event.event_id,
        event_type=event.event_type,
        slug=event.slug,
        short_url=event.short_url,
        link=event.link,
        account_sid=event.account_sid,
        service_sid=event.service_sid,
        to=event.to,
        from_=event.from_,
        domain_sid=event.domain_sid,
        domain_name=event.domain_name,
        clicked_at_ms=event.clicked_at_ms,
        link_created_at=event.link_created_at,
        user_agent=event.user_agent or None,
        tags=aggregates.tags_json(event.tags) if event.tags else None,
        expires_at=row.expires_at,
    )


def _first_click_condition(previous: int | None) -> Condition:
    if previous is None:
        return StatsItem.first_click_ms.does_not_exist()
    return StatsItem.first_click_ms == previous


def _batch_get(model: Any, keys: Sequence[tuple[str, str]]) -> Iterable[Any]:
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _BATCH_GET):
        yield from model.batch_get(unique[start : start + _BATCH_GET], consistent_read=True)


def _within(number: str, low: int, high: int) -> bool:
    try:
        return low <= float(number) <= high
    except ValueError:
        return True  # not a number: query_page refuses the cursor itself


class DynamoClickStats:
    """``ClickStatsStore`` (writes) and the insights' reads."""

    # ---- recording ----------------------------------------------------------------------------------

    def known(self, events: Sequence[ClickEvent]) -> Known:
        recorded = frozenset(
            item.click_id for item in _batch_get(ClickItem, [(e.message_sid, e.event_id) for e in events])
        )
        first_keys = {
            (
                aggregates.first_click_pk(e.service_sid, aggregates.first_click_shard(e.message_sid)),
                aggregates.first_click_sk(e.link_created_at, e.message_sid),
            )
            for e in events
            if e.event_type == "click"
        }
        link_keys = {(aggregates.link_pk(e.slug), aggregates.LINK_SK) for e in events}
        first_click_ms: dict[str, int] = {}
        link_first: dict[str, int | None] = {}
        for item in _batch_get(StatsItem, sorted(first_keys | link_keys)):
            if item.pk.startswith("L#"):
                link_first[item.pk[2:]] = int(item.first_click_ms) if item.first_click_ms is not None else None
            elif item.message_sid and item.first_click_ms is not None:
                first_click_ms[item.message_sid] = int(item.first_click_ms)
        return Known(recorded, first_click_ms, link_first)

    def write(self, plan: WritePlan) -> None:
        if plan.size == 0:
            return
        connection = StatsItem._get_connection().connection
        try:
            with TransactWrite(connection=connection) as transaction:
                self._add(transaction, plan)
        except TransactWriteError as exc:
            reasons = [reason.code for reason in (exc.cancellation_reasons or []) if reason is not None]
            if reasons and all(code in _RACES for code in reasons):
                raise Conflict(", ".join(reasons)) from None
            raise

    @staticmethod
    def _add(transaction: TransactWrite, plan: WritePlan) -> None:
        for row in plan.clicks:
            transaction.save(_click_item(row), condition=ClickItem.click_id.does_not_exist())
        for link in plan.links.values():
            actions: list[Any] = [StatsItem.expires_at.set(link.expires_at)]
            if link.clicks:
                actions.append(StatsItem.clicks.add(link.clicks))
            if link.previews:
                actions.append(StatsItem.previews.add(link.previews))
            condition = None
            if link.first_click_ms is not None:
                actions.append(StatsItem.first_click_ms.set(link.first_click_ms))
                condition = _first_click_condition(link.previous_first_ms)
            transaction.update(StatsItem(aggregates.link_pk(link.slug), aggregates.LINK_SK), actions, condition)
        for first in plan.first_clicks.values():
            if first.previous_first_ms is None:
                item = StatsItem(
                    first.pk,
                    first.sk,
                    first_click_ms=first.first_click_ms,
                    message_sid=first.message_sid,
                    to=first.to,
                    tags=aggregates.tags_json(first.tags),
                    sent_at=first.sent_at,
                    expires_at=first.expires_at,
                )
                transaction.save(item, condition=StatsItem.pk.does_not_exist())
            else:
                transaction.update(
                    StatsItem(first.pk, first.sk),
                    [StatsItem.first_click_ms.set(first.first_click_ms), StatsItem.expires_at.set(first.expires_at)],
                    _first_click_condition(first.previous_first_ms),
                )
        for counter in plan.counters.values():
            updates: list[Any] = [StatsItem.expires_at.set(counter.expires_at)]
            for attribute, amount in (
                (StatsItem.clicks, counter.clicks),
                (StatsItem.previews, counter.previews),
                (StatsItem.messages_with_links, counter.messages_with_links),
            ):
                if amount:
                    updates.append(attribute.add(amount))
            transaction.update(StatsItem(counter.pk, counter.sk), updates)
        if plan.marker is not None:
            marker = StatsItem(
                aggregates.send_marker_pk(plan.marker.message_sid),
                aggregates.SEND_MARKER_SK,
                expires_at=plan.marker.expires_at,
            )
            transaction.save(marker, condition=StatsItem.pk.does_not_exist())

    # ---- insights reads -----------------------------------------------------------------------------

    def counters(self, service_sid: str, dim: str, first_hour: str, last_hour: str) -> list[CounterRow]:
        """Every shard's counter items of ``dim`` from ``first_hour`` to ``last_hour`` (inclusive)."""
        rows: list[CounterRow] = []
        for shard in range(aggregates.COUNTER_SHARDS):
            pk = aggregates.counter_pk(service_sid, dim, shard)
            for item in StatsItem.query(pk, StatsItem.sk.between(first_hour, last_hour + "~")):
                hour, _, value = item.sk.partition("#")
                rows.append(
                    CounterRow(
                        hour=hour,
                        value=value if dim != aggregates.ALL else None,
                        clicks=int(item.clicks or 0),
                        previews=int(item.previews or 0),
                        messages_with_links=int(item.messages_with_links or 0),
                    )
                )
        return rows

    def first_clicks(self, service_sid: str, sent_from: int, sent_to: int) -> list[FirstClickRow]:
        """Every first-click item of messages sent in ``[sent_from, sent_to]`` (epoch seconds)."""
        rows: list[FirstClickRow] = []
        low, high = f"{sent_from:010d}", f"{sent_to:010d}~"
        for shard in range(aggregates.FIRST_CLICK_SHARDS):
            pk = aggregates.first_click_pk(service_sid, shard)
            for item in StatsItem.query(pk, StatsItem.sk.between(low, high)):
                rows.append(
                    FirstClickRow(
                        message_sid=str(item.message_sid),
                        to=str(item.to),
                        tags=json.loads(item.tags) if item.tags else {},
                        sent_at=int(item.sent_at or 0),
                        first_click_ms=int(item.first_click_ms or 0),
                    )
                )
        return rows

    # ---- links and their clicks ---------------------------------------------------------------------

    def link_counts(self, slugs: Sequence[str]) -> dict[str, LinkCounts]:
        counts: dict[str, LinkCounts] = {}
        for item in _batch_get(StatsItem, [(aggregates.link_pk(slug), aggregates.LINK_SK) for slug in slugs]):
            counts[item.pk[2:]] = LinkCounts(
                clicks=int(item.clicks or 0),
                previews=int(item.previews or 0),
                first_click_ms=int(item.first_click_ms) if item.first_click_ms is not None else None,
            )
        return counts

    def links_of_message(self, account_sid: str, message_sid: str, request: PageRequest) -> Page[LinkRecord]:
        items, next_cursor, previous_cursor = query_page(
            LinkItem.by_message, message_sid, request, filter_condition=LinkItem.account_sid == account_sid
        )
        return Page([item.to_record() for item in items], next_cursor, previous_cursor)

    def links_of_service(
        self, account_sid: str, service_sid: str, created_from: int, created_to: int, request: PageRequest
    ) -> Page[LinkRecord]:
        cursor = request.cursor or {}
        created = cursor.get(LinkItem.created_at.attr_name, {}).get("N")
        if created is not None and not _within(created, created_from, created_to):
            # DynamoDB refuses a start key outside the key condition (a 500); a token of other dates
            raise ForeignCursor("the page token belongs to another date range")
        items, next_cursor, previous_cursor = query_page(
            LinkItem.by_service,
            service_sid,
            request,
            range_condition=LinkItem.created_at.between(created_from, created_to),
            filter_condition=LinkItem.account_sid == account_sid,
        )
        return Page([item.to_record() for item in items], next_cursor, previous_cursor)

    def link(self, slug: str) -> LinkRecord | None:
        try:
            return LinkItem.get(slug, consistent_read=True).to_record()
        except DoesNotExist:
            return None

    def clicks_of_link(self, message_sid: str, slug: str, request: PageRequest) -> Page[ClickEvent]:
        items, next_cursor, previous_cursor = query_page(
            ClickItem, message_sid, request, filter_condition=ClickItem.slug == slug
        )
        return Page([item.to_event() for item in items], next_cursor, previous_cursor)
