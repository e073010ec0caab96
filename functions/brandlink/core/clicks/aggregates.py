"""The click-analytics items and what one batch of events writes to them (pure: no AWS).

Everything lives in one table, ``click_stats`` (``pk``, ``sk``, TTL ``expires_at``); docs/insights.md
draws it. Four kinds of item:

* **Counters** ``C#<service>#<dim>#<shard>`` / ``<hour>[#<tag value>]``: ``clicks`` and ``previews``
  by the hour of the tap, ``messages_with_links`` by the hour of the send. ``dim`` is ``*`` (the
  whole service) or ``t:<tag key>`` (one item per tag value, the value after the hour). A writer
  picks one of ``COUNTER_SHARDS`` shards per batch, so a campaign's hot hour spreads over that many
  partitions; a read queries every shard and sums.
* **First clicks** ``F#<service>#<n>`` / ``<sent epoch s, 10 digits>#<message sid>``: one item per
  message with at least one click (previews never make one), holding ``to``, ``tags``, the send
  time and the first click's time. Its key is known from any event of the message, so it is the
  "already clicked" marker too; ``n`` is a hash of the message SID (``FIRST_CLICK_SHARDS``).
  clicked_messages, unique_clickers and the median time to first click are read from these items
  with one Query per shard over the send-time range: exact, never a scan.
* **Link counts** ``L#<slug>`` / ``L``: ``clicks``, ``previews``, ``first_click_ms`` of one short link.
* **Send markers** ``S#<message sid>`` / ``S``: put once when dispatch counts a message in
  ``messages_with_links``; a second count of the same message fails its condition.

Shard counts are part of the key layout: readers query every shard ever written, so they are
constants here, not knobs.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from brandlink.core.clicks.model import ClickEvent

COUNTER_SHARDS = 4
FIRST_CLICK_SHARDS = 8
MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit of actions in one ``TransactWriteItems``."""
SECONDS_PER_DAY = 86_400
ALL = "*"


def hour_key(epoch_seconds: float) -> str:
    """``YYYYMMDDHH`` (UTC) of the hour ``epoch_seconds`` falls in: sorts as time does."""
    return _hour_key(int(epoch_seconds) // 3600)


@lru_cache(maxsize=256)
def _hour_key(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y%m%d%H")


def hour_start(key: str) -> datetime:
    return datetime.strptime(key[:10], "%Y%m%d%H").replace(tzinfo=UTC)


def tag_dim(key: str) -> str:
    return f"t:{key}"


def counter_pk(service_sid: str, dim: str, shard: int) -> str:
    return f"C#{service_sid}#{dim}#{shard}"


def counter_sk(hour: str, value: str | None = None) -> str:
    return hour if value is None else f"{hour}#{value}"


def first_click_shard(message_sid: str) -> int:
    return zlib.crc32(message_sid.encode()) % FIRST_CLICK_SHARDS


def first_click_pk(service_sid: str, shard: int) -> str:
    return f"F#{service_sid}#{shard}"


def first_click_sk(sent_at: int, message_sid: str) -> str:
    return f"{sent_at:010d}#{message_sid}"


def link_pk(slug: str) -> str:
    return f"L#{slug}"


LINK_SK = "L"


def send_marker_pk(message_sid: str) -> str:
    return f"S#{message_sid}"


SEND_MARKER_SK = "S"


def tags_json(tags: Mapping[str, str]) -> str:
    return json.dumps(dict(tags), separators=(",", ":"), sort_keys=True)


# ---- what a batch writes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClickRow:
    """One new item of the ``clicks`` table (put only if its event id is not there yet)."""

    event: ClickEvent
    expires_at: int


@dataclass(slots=True)
class LinkDelta:
    """``ADD clicks, previews`` on a link's count item; ``first_click_ms`` set when this batch has an
    earlier click than ``previous_first_ms`` (the value read; the write is conditional on it)."""

    slug: str
    expires_at: int
    clicks: int = 0
    previews: int = 0
    first_click_ms: int | None = None
    previous_first_ms: int | None = None


@dataclass(frozen=True, slots=True)
class FirstClick:
    """A message's first-click item: new (``previous_first_ms`` None, put if absent) or moved earlier
    (an out-of-order event; conditional on the value read)."""

    service_sid: str
    message_sid: str
    to: str
    tags: Mapping[str, str]
    sent_at: int
    first_click_ms: int
    expires_at: int
    previous_first_ms: int | None = None

    @property
    def pk(self) -> str:
        return first_click_pk(self.service_sid, first_click_shard(self.message_sid))

    @property
    def sk(self) -> str:
        return first_click_sk(self.sent_at, self.message_sid)


@dataclass(slots=True)
class CounterDelta:
    pk: str
    sk: str
    expires_at: int
    clicks: int = 0
    previews: int = 0
    messages_with_links: int = 0


@dataclass(frozen=True, slots=True)
class SendMarker:
    message_sid: str
    expires_at: int


@dataclass
class WritePlan:
    """Every write of one transaction. Counters are summed per item: ten events of one hour → one update."""

    clicks: list[ClickRow] = field(default_factory=list)
    links: dict[str, LinkDelta] = field(default_factory=dict)
    first_clicks: dict[str, FirstClick] = field(default_factory=dict)
    counters: dict[tuple[str, str], CounterDelta] = field(default_factory=dict)
    marker: SendMarker | None = None

    @property
    def size(self) -> int:
        """How many items the transaction writes (DynamoDB allows ``MAX_TRANSACTION_ITEMS``)."""
        return (
            len(self.clicks)
            + len(self.links)
            + len(self.first_clicks)
            + len(self.counters)
            + (1 if self.marker is not None else 0)
        )

    def counter(self, pk: str, sk: str, expires_at: int) -> CounterDelta:
        delta = self.counters.get((pk, sk))
        if delta is None:
            delta = self.counters[(pk, sk)] = CounterDelta(pk, sk, expires_at)
        else:
            delta.expires_at = max(delta.expires_at, expires_at)
        return delta


@dataclass(frozen=True)
class Known:
    """What the store holds already for a batch's events (read before planning)."""

    recorded: frozenset[str] = frozenset()
    """Event ids already in the ``clicks`` table."""
    first_click_ms: Mapping[str, int] = field(default_factory=dict)
    """Per message SID: its first-click item's ``first_click_ms``, when it has one."""
    link_first_click_ms: Mapping[str, int | None] = field(default_factory=dict)
    """Per slug with a count item: its ``first_click_ms`` (None: only previews so far)."""


def _dims(tags: Mapping[str, str]) -> Iterable[tuple[str, str | None]]:
    yield ALL, None
    for key, value in sorted(tags.items()):
        yield tag_dim(key), value


def plan_clicks(
    events: Sequence[ClickEvent], known: Known, retention_days: Callable[[str], int], shard: int
) -> WritePlan:
    """The writes that record ``events`` (none of them in ``known.recorded``) on top of ``known``.

    Counters go to ``shard``; every item expires ``retention_days(account)`` after its event.
    """
    plan = WritePlan()
    first_clicks: dict[str, int] = dict(known.first_click_ms)
    link_first: dict[str, int | None] = dict(known.link_first_click_ms)
    for event in events:
        expires = event.clicked_at_ms // 1000 + retention_days(event.account_sid) * SECONDS_PER_DAY
        plan.clicks.append(ClickRow(event, expires))
        is_click = event.event_type == "click"
        link = plan.links.get(event.slug)
        if link is None:
            link = plan.links[event.slug] = LinkDelta(event.slug, expires, previous_first_ms=link_first.get(event.slug))
        link.expires_at = max(link.expires_at, expires)
        if is_click:
            link.clicks += 1
            current = link.first_click_ms if link.first_click_ms is not None else link.previous_first_ms
            if current is None or event.clicked_at_ms < current:
                link.first_click_ms = event.clicked_at_ms
        else:
            link.previews += 1
        hour = hour_key(event.clicked_at_ms / 1000)
        for dim, value in _dims(event.tags):
            delta = plan.counter(counter_pk(event.service_sid, dim, shard), counter_sk(hour, value), expires)
            if is_click:
                delta.clicks += 1
            else:
                delta.previews += 1
        if not is_click:
            continue
        previous = first_clicks.get(event.message_sid)
        if previous is not None and previous <= event.clicked_at_ms:
            continue
        first_clicks[event.message_sid] = event.clicked_at_ms
        existing = plan.first_clicks.get(event.message_sid)
        plan.first_clicks[event.message_sid] = FirstClick(
            service_sid=event.service_sid,
            message_sid=event.message_sid,
            to=event.to,
            tags=dict(event.tags),
            sent_at=event.link_created_at,
            first_click_ms=event.clicked_at_ms,
            expires_at=max(expires, existing.expires_at if existing else 0),
            previous_first_ms=known.first_click_ms.get(event.message_sid),
        )
    return plan


def plan_send(
    message_sid: str, service_sid: str, tags: Mapping[str, str], sent_at: int, expires_at: int, shard: int
) -> WritePlan:
    """The writes that count one sent message with links in ``messages_with_links`` (once: the marker)."""
    plan = WritePlan(marker=SendMarker(message_sid, expires_at))
    hour = hour_key(sent_at)
    for dim, value in _dims(tags):
        plan.counter(counter_pk(service_sid, dim, shard), counter_sk(hour, value), expires_at).messages_with_links += 1
    return plan


def chunks_that_fit(
    events: Sequence[ClickEvent], plan_for: Callable[[Sequence[ClickEvent]], WritePlan]
) -> list[Sequence[ClickEvent]]:
    """``events`` split into runs whose plans fit one transaction (halving a run until it does)."""
    if not events:
        return []
    # At most: its click, its link, its first click and one counter per dimension, per event.
    bound = sum(4 + len(event.tags) for event in events)
    if bound <= MAX_TRANSACTION_ITEMS or len(events) == 1 or plan_for(events).size <= MAX_TRANSACTION_ITEMS:
        return [events]
    middle = len(events) // 2
    return chunks_that_fit(events[:middle], plan_for) + chunks_that_fit(events[middle:], plan_for)
