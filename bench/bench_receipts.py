"""Receipts: what applying one delivery receipt costs, in memory and on an in-process moto.

In memory (``testkit/messaging_fakes.py``): Brandlink's own work per receipt — the read, the
forward-only check, the conditional write and the status-callback job; and a duplicate (read and
refuse). On moto (``--moto``): the same through pynamodb and SQS, i.e. one GetItem, one conditional
PutItem and one SendMessage per change, one GetItem per duplicate; in AWS each is a network round
trip of a few ms, and the receipts function takes SQS batches of 10.

    python -m bench.bench_receipts [--receipts 20000] [--moto]
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from brandlink.core.common.dates import utcnow
from brandlink.core.messaging.model import DELIVERED, SENT, Message
from brandlink.core.messaging.receipts import Applied, DeliveryReport, ReceiptProcessor
from brandlink.core.messaging.repository import MessageRepository
from testkit.messaging_fakes import ACCOUNT, InMemoryMessages, InMemoryServices, RecordingCallbacks


def _messages(repository: MessageRepository, count: int) -> list[str]:
    now = utcnow()
    sids = []
    for _ in range(count):
        sid = "SM" + uuid.uuid4().hex
        repository.add(
            Message(
                sid=sid,
                account_sid=ACCOUNT,
                to="+14155550100",
                from_="+14155552671",
                messaging_service_sid=None,
                body="Hello",
                status=SENT,
                date_created=now,
                date_updated=now,
                expires_at=now + timedelta(days=30),
                num_segments=1,
                status_callback="https://hooks.example.com/status",
                attempts=1,
            )
        )
        sids.append(sid)
    return sids


def _run(processor: ReceiptProcessor, sids: list[str], timer: Callable[[], float]) -> tuple[float, float]:
    """(per change, per duplicate) in microseconds of ``timer`` (CPU time in memory, wall time on moto)."""
    start = timer()
    assert all(processor.apply(DeliveryReport(ACCOUNT, sid, DELIVERED, "bench")) is Applied.CHANGED for sid in sids)
    changed = timer() - start
    start = timer()
    assert all(processor.apply(DeliveryReport(ACCOUNT, sid, DELIVERED, "bench")) is Applied.IGNORED for sid in sids)
    duplicate = timer() - start
    return changed / len(sids) * 1e6, duplicate / len(sids) * 1e6


def in_memory(count: int) -> None:
    messages = InMemoryMessages()
    sids = _messages(messages, count)
    processor = ReceiptProcessor(messages, InMemoryServices(), RecordingCallbacks())  # type: ignore[arg-type]
    changed, duplicate = _run(processor, sids, time.process_time)
    print(f"in memory, {count} receipts: {changed:.1f} µs per change, {duplicate:.1f} µs per duplicate (CPU)")


def on_moto(count: int) -> None:
    from moto import mock_aws

    from local.provision import provision

    with mock_aws():
        provision()
        from brandlink import wiring

        sids = _messages(wiring.messages(), count)
        changed, duplicate = _run(wiring.receipt_processor(), sids, time.perf_counter)
    print(
        f"moto in-process, {count} receipts: {changed / 1000:.1f} ms per change, "
        f"{duplicate / 1000:.1f} ms per duplicate"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receipts", type=int, default=20000)
    parser.add_argument("--moto", action="store_true", help="also through pynamodb/SQS on moto (200 receipts)")
    args = parser.parse_args(argv)
    in_memory(args.receipts)
    if args.moto:
        on_moto(200)


if __name__ == "__main__":
    main()
