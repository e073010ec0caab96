"""CPU cost of the per-account abuse limits at message creation (``SendAdmission.admit``).

Measured: the destination country (``phonenumbers``), the day's segment count and one send-rate
token, with the stores in memory. In AWS the I/O is on top: one ``GetItem`` (the day's count) per
send-now message and one conditional ``UpdateItem`` per block of rate tokens (a tenth of the rate,
at most 10). Dispatch's guard adds one account ``GetItem`` per trigger.

    python -m bench.bench_abuse_limits [--messages 20000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from brandlink.core.accounts.limits import SendingDefaults
from brandlink.core.accounts.model import Account
from brandlink.core.common.rate_limit import InMemoryTokenWindows
from brandlink.core.messaging.admission import SendAdmission


class _Segments(InMemoryTokenWindows):
    def used(self, key: str, window: int) -> int:
        return self.counts.get((key, window), 0)


def measure(messages: int) -> tuple[float, float]:
    """Best and worst of five runs, in µs of CPU per admitted message."""
    now = datetime.now(UTC)
    account = Account("AC" + "1" * 32, "bench", "active", "salt", "hash", now, now)
    admission = SendAdmission(
        SendingDefaults(send_rate=10**6, daily_segments=10**9),
        InMemoryTokenWindows(),
        _Segments(),
        clock=lambda: 0.0,
    )
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(messages):
            admission.admit(account, "+14155550100", 1, send_now=True)
        runs.append((time.process_time() - started) / messages * 1e6)
    return min(runs), max(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args(argv)
    best, worst = measure(args.messages)
    print(f"admit (country + daily count + rate token), in memory: {best:.1f} to {worst:.1f} µs/message")


if __name__ == "__main__":
    main()
