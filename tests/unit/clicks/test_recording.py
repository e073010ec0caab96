"""The recorder's planning and retry logic with an in-memory store (no AWS): sums per counter item,
first clicks, dedupe, transactions that fit DynamoDB's 100 actions, and giving up on endless races."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from brandlink.core.clicks import aggregates
from brandlink.core.clicks.aggregates import Known, WritePlan
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.clicks.recording import AggregatingRecorder, Conflict, SendCounter, count_sent
from brandlink.core.links.records import LinkRecord

T0 = 1_793_610_000  # 2026-11-02 09:00:00 UTC
SERVICE = "MG" + "2" * 32


def event(event_id: str, message: str = "SM1", kind: str = "click", after: int = 60, **tags: str) -> ClickEvent:
    return ClickEvent(
        event_id=event_id,
        event_type="click" if kind == "click" else "preview",
        slug=f"slug{message}".ljust(10, "x")[:10],
        short_url="https://go.example.com/x",
        link="https://example.com/",
        message_sid=message,
        account_sid="AC1",
        service_sid=SERVICE,
        to="+14155550100",
        from_="+14155552000",
        domain_sid="DN1",
        domain_name="go.example.com",
        clicked_at_ms=(T0 + after) * 1000,
        link_created_at=T0,
        user_agent="ua",
        tags=tags,
    )


class MemoryStore:
    """Applies plans to dicts; ``conflicts`` transactions fail before any succeeds."""

    def __init__(self, conflicts: int = 0) -> None:
        self.recorded: set[str] = set()
        self.first: dict[str, int] = {}
        self.counters: dict[tuple[str, str], list[int]] = {}
        self.conflicts = conflicts
        self.plans: list[WritePlan] = []

    def known(self, events: Sequence[ClickEvent]) -> Known:
        return Known(frozenset(e.event_id for e in events if e.event_id in self.recorded), dict(self.first), {})

    def write(self, plan: WritePlan) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise Conflict("ConditionalCheckFailed")
        assert plan.size <= aggregates.MAX_TRANSACTION_ITEMS
        self.plans.append(plan)
        self.recorded.update(row.event.event_id for row in plan.clicks)
        for message, first in plan.first_clicks.items():
            self.first[message] = first.first_click_ms
        for key, delta in plan.counters.items():
            total = self.counters.setdefault(key, [0, 0, 0])
            total[0] += delta.clicks
            total[1] += delta.previews
            total[2] += delta.messages_with_links

    def total(self, index: int, dim: str = aggregates.ALL) -> int:
        return sum(v[index] for (pk, _sk), v in self.counters.items() if pk.split("#")[2] == dim)


def recorder(store: MemoryStore) -> AggregatingRecorder:
    return AggregatingRecorder(store, lambda _account: 30, shard=lambda: 0)


def test_a_batch_of_one_hour_is_one_update_per_counter_item() -> None:
    store = MemoryStore()
    recorder(store).record([event(f"e{n}", message=f"SM{n % 3}", variant="A") for n in range(10)])
    (plan,) = store.plans
    assert len(plan.counters) == 2  # the service and variant=A, one hour, one shard
    assert plan.counters[(aggregates.counter_pk(SERVICE, "*", 0), "2026110209")].clicks == 10
    assert len(plan.first_clicks) == 3 and len(plan.links) == 3


def test_duplicates_in_a_batch_and_across_batches_count_once() -> None:
    store = MemoryStore()
    first = event("e1")
    recorder(store).record([first, first, event("e2", after=90)])
    recorder(store).record([first])
    assert store.total(0) == 2
    assert len(store.plans) == 1  # the second call found everything recorded: no write


def test_previews_never_make_a_first_click_and_an_earlier_click_moves_it() -> None:
    store = MemoryStore()
    recorder(store).record([event("p", kind="preview", after=5)])
    assert store.first == {}
    recorder(store).record([event("late", after=600)])
    recorder(store).record([event("early", after=60)])  # delivered out of order
    assert store.first == {"SM1": (T0 + 60) * 1000}
    assert store.plans[-1].first_clicks["SM1"].previous_first_ms == (T0 + 600) * 1000


def test_a_conflict_reads_again_and_too_many_fail_the_batch() -> None:
    store = MemoryStore(conflicts=2)
    recorder(store).record([event("e1")])
    assert store.total(0) == 1
    endless = MemoryStore(conflicts=100)
    with pytest.raises(RuntimeError, match="kept conflicting"):
        recorder(endless).record([event("e1")])


def test_large_batches_are_split_into_transactions_of_at_most_100_actions() -> None:
    store = MemoryStore()
    tags = {f"k{n}": "v" for n in range(5)}
    events = [event(f"e{n}", message=f"SM{n}", after=n * 3600, **tags) for n in range(40)]
    recorder(store).record(events)
    assert len(store.plans) > 1
    assert store.total(0) == 40
    assert all(plan.size <= aggregates.MAX_TRANSACTION_ITEMS for plan in store.plans)


def test_count_sent_counts_messages_with_links_only_and_never_raises() -> None:
    store = MemoryStore()
    link = LinkRecord("s" * 10, "https://e.com/", "SM9", "AC1", SERVICE, "+1", "+2", "DN1", "go", T0, T0 + 9, 0, {})
    count_sent(SendCounter(store, shard=lambda: 0), [link], T0 + 100)
    count_sent(SendCounter(store, shard=lambda: 0), [], T0 + 100)
    count_sent(None, [link], T0 + 100)
    assert store.total(2) == 1
    count_sent(SendCounter(MemoryStore(conflicts=1)), [link], T0 + 100)  # counted before: a no-op

    class Broken(MemoryStore):
        def write(self, plan: WritePlan) -> None:
            raise OSError("DynamoDB is down")

    count_sent(SendCounter(Broken()), [link._replace(slug="t" * 10)], T0 + 100)  # logged, not raised
