"""``AggregatingRecorder``: the ``ClickRecorder`` that records click events and keeps the insights'
aggregates up to date in the same transaction, idempotently.

One batch is: read what the store already has for its events (which event ids are recorded, the
messages' and links' first clicks), plan the writes on top of it (``aggregates.plan_clicks``: one
summed update per counter item), and write them in one ``TransactWriteItems`` whose conditions
assert what was read: each click item ``attribute_not_exists``, each first-click item absent or
unchanged. Either every write of the batch lands or none does. A replayed or duplicated event is
already in ``recorded`` and drops out of the plan; two recorders racing on the same message or the
same event make one transaction fail its condition, and that recorder reads again and re-plans
(optimistic concurrency), so nothing is counted twice and no update is lost.

The dispatch side (``count_sent``) counts a sent message in ``messages_with_links`` once, guarded
by a marker item put in the same transaction as its counter updates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from brandlink.core.clicks import aggregates
from brandlink.core.clicks.aggregates import Known, WritePlan
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.links.records import LinkRecord

logger = logging.getLogger(__name__)


class Conflict(Exception):
    """A condition of the transaction failed: what was read changed (or the event is recorded)."""


class ClickStatsStore(Protocol):
    def known(self, events: Sequence[ClickEvent]) -> Known:
        """What the store holds for these events (strongly consistent reads)."""
        ...

    def write(self, plan: WritePlan) -> None:
        """All of ``plan`` in one transaction; ``Conflict`` when a condition fails (nothing written)."""
        ...


def _random_shard() -> int:
    return random.randrange(aggregates.COUNTER_SHARDS)


@dataclass
class AggregatingRecorder:
    store: ClickStatsStore
    retention_days: Callable[[str], int]
    """Days an account keeps its records (click items and their aggregates expire then)."""
    shard: Callable[[], int] = _random_shard
    max_attempts: int = 10
    """Conflicts tolerated per transaction before the batch fails (the queue retries it)."""

    def record(self, events: Sequence[ClickEvent]) -> None:
        unique: dict[str, ClickEvent] = {}
        for event in events:
            unique.setdefault(event.event_id, event)
        ordered = list(unique.values())
        shard = self.shard()
        for chunk in aggregates.chunks_that_fit(
            ordered, lambda run: aggregates.plan_clicks(run, Known(), self.retention_days, shard)
        ):
            self._record(chunk)

    def _record(self, events: Sequence[ClickEvent]) -> None:
        for _attempt in range(self.max_attempts):
            known = self.store.known(events)
            pending = [event for event in events if event.event_id not in known.recorded]
            if not pending:
                return
            plan = aggregates.plan_clicks(pending, known, self.retention_days, self.shard())
            try:
                self.store.write(plan)
            except Conflict:
                logger.info("click batch of %d raced another recorder; reading again", len(pending))
                continue
            return
        raise RuntimeError(f"{len(events)} click events kept conflicting after {self.max_attempts} attempts")


@dataclass
class SendCounter:
    """Counts messages sent with at least one short link (``messages_with_links``), once per message."""

    store: ClickStatsStore
    shard: Callable[[], int] = _random_shard

    def sent(self, message_sid: str, service_sid: str, tags: Mapping[str, str], sent_at: int, expires_at: int) -> bool:
        """True when this call counted the message, False when it was counted before."""
        plan = aggregates.plan_send(message_sid, service_sid, tags, sent_at, expires_at, self.shard())
        try:
            self.store.write(plan)
        except Conflict:
            return False
        return True


def count_sent(counter: SendCounter | None, links: Sequence[LinkRecord], expires_at: int) -> None:
    """Dispatch's one call after it claimed a message whose body got short links (``links``).

    The claim happens once per message, and the marker makes a second count a no-op anyway. A
    failure here is logged, never raised: analytics must not stop a send (the message is then
    missing from ``messages_with_links``; docs/insights.md, "Precision").
    """
    if counter is None or not links:
        return
    first = links[0]
    try:
        counter.sent(first.message_sid, first.service_sid, first.tags, first.created_at, expires_at)
    except Exception:
        logger.exception("could not count %s in messages_with_links", first.message_sid)
