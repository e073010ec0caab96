"""The click recorder (``AggregatingRecorder``, docs/insights.md): events/s per core and DynamoDB
writes per event, and the cost of an insights read.

Two set-ups, stated in every line printed:

* **planning only**: the recorder with an in-memory store that accepts every plan: Brandlink's own
  CPU per event (dedupe, summing per counter item, first clicks), no AWS at all;
* **moto**: the real store (``store.clicks``: one ``BatchGetItem`` pair + one ``TransactWriteItems``
  per batch) against moto in-process (``mock_aws``). moto deep-copies every table a transaction
  touches (to roll back on failure), so its cost per transaction grows with the tables: the figure
  says how slow moto is, not how fast DynamoDB is; the write count is exact either way.

Batches are what the clicks worker gets: 10 taps, distinct messages of one campaign (tags
``campaign`` and ``variant``), one hour, 1 in 5 a preview.

    python -m bench.bench_insights [--events 10000] [--moto-events 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from brandlink.core.clicks.aggregates import Known, WritePlan
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.clicks.recording import AggregatingRecorder

T0 = 1_793_610_000
SERVICE = "MG" + "b" * 32
ACCOUNT = "AC" + "b" * 32
BATCH = 10


def events(count: int, run: str) -> list[ClickEvent]:
    return [
        ClickEvent(
            event_id=f"{run}-{n}",
            event_type="preview" if n % 5 == 4 else "click",
            slug=f"{n:010d}",
            short_url=f"https://go.example.com/{n:010d}",
            link="https://shop.example.com/spring",
            message_sid=f"SM{n:032x}",
            account_sid=ACCOUNT,
            service_sid=SERVICE,
            to=f"+1415555{n % 10000:04d}",
            from_="+14155552000",
            domain_sid="DN" + "b" * 32,
            domain_name="go.example.com",
            clicked_at_ms=(T0 + 60 + n % 3000) * 1000,
            link_created_at=T0,
            user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/120",
            tags={"campaign": "spring", "variant": "AB"[n % 2]},
        )
        for n in range(count)
    ]


class AcceptingStore:
    """Nothing recorded yet, every plan accepted; counts the items each transaction would write."""

    def __init__(self) -> None:
        self.transactions = 0
        self.items = 0

    def known(self, batch: Sequence[ClickEvent]) -> Known:
        return Known()

    def write(self, plan: WritePlan) -> None:
        self.transactions += 1
        self.items += plan.size


def _planning(count: int) -> None:
    best = float("inf")
    store = AcceptingStore()
    for run in range(3):
        batch_events = events(count, f"p{run}")
        store = AcceptingStore()
        recorder = AggregatingRecorder(store, lambda _account: 30, shard=lambda: 0)
        start = time.perf_counter()
        for offset in range(0, count, BATCH):
            recorder.record(batch_events[offset : offset + BATCH])
        best = min(best, time.perf_counter() - start)
    print(
        f"planning only (in-memory store): {best / count * 1e6:.1f} us/event = {count / best:,.0f} events/s/core; "
        f"{store.items / count:.2f} items written per event in {store.transactions} transactions of {BATCH} taps"
    )


def _moto(count: int) -> None:
    from moto import mock_aws

    from local.provision import provision

    with mock_aws():
        provision()
        from brandlink import wiring

        recorder = AggregatingRecorder(wiring.click_stats(), lambda _account: 30)
        batch_events = events(count, "m")
        recorder.record(batch_events[:BATCH])  # warm the clients
        start = time.perf_counter()
        cpu = time.process_time()
        for offset in range(BATCH, count, BATCH):
            recorder.record(batch_events[offset : offset + BATCH])
        elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
        recorded = count - BATCH
        print(
            f"moto in-process (mock_aws): {elapsed / recorded * 1e3:.2f} ms/event wall, "
            f"{recorded / cpu_used:,.0f} events/s per core of CPU (recorder + botocore + moto in one process)"
        )
        start = time.perf_counter()
        recorder.record(batch_events[BATCH : BATCH * 11])  # 100 replayed events: reads only, no write
        replay = time.perf_counter() - start
        print(f"moto: replaying 100 recorded events costs {replay * 1e3 / 100:.2f} ms/event (reads, nothing written)")

        from brandlink.core.clicks import insights
        from brandlink.core.common.forms import Form

        query = insights.parse_query(Form([("GroupBy", "Tag:variant"), ("Interval", "hour")]), SERVICE)
        start = time.perf_counter()
        result = insights.insights(wiring.click_stats(), query)
        read = time.perf_counter() - start
        print(
            f"moto: one Insights read with GroupBy over {result.figures.clicked_messages:,} clicked messages: "
            f"{read * 1e3:.0f} ms ({4 * 2 + 8} Queries)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10000, help="events for the planning-only figure")
    parser.add_argument("--moto-events", type=int, default=300, help="events recorded on moto")
    args = parser.parse_args(argv)
    _planning(max(args.events, 100))
    _moto(max(args.moto_events, 200))


if __name__ == "__main__":
    main()
