"""The two date formats of the contract, parsing of client-supplied dates, and the one clock.

Every "now" of the functions is read here (``utcnow``, ``now_epoch``), from one replaceable clock:
``time.time`` in AWS. Local mode installs a clock that can be moved forward (``local.clock``, read by
every function container), so a test can let 91 days pass and see a short link expire the way it
does in AWS, with no item edited behind the system's back. Nothing in ``brandlink`` replaces the
clock: only the local runner and tests do (``use_clock``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime

_clock: Callable[[], float] = time.time


def use_clock(clock: Callable[[], float] | None) -> None:
    """Read "now" (epoch seconds) from ``clock`` from here on; ``None`` restores the system clock."""
    global _clock
    _clock = time.time if clock is None else clock


def now_epoch() -> float:
    """Now, in epoch seconds (what TTL attributes such as a link's ``expires_at`` are compared with)."""
    return _clock()


def utcnow() -> datetime:
    return datetime.fromtimestamp(_clock(), UTC)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso8601(value: datetime | None) -> str | None:
    """Messaging v1 format: ``2021-02-06T18:02:04Z``."""
    if value is None:
        return None
    return _as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso8601_millis(value: datetime) -> str:
    """Click-event format: ``2021-02-06T18:02:04.123Z``."""
    utc = _as_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def rfc2822(value: datetime | None) -> str | None:
    """2010-04-01 format: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    if value is None:
        return None
    return format_datetime(_as_utc(value).replace(microsecond=0))


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 date-time; a missing offset means UTC. Raises ``ValueError``."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty date")
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return _as_utc(datetime.fromisoformat(cleaned))


def parse_date_or_datetime(text: str) -> datetime:
    """Accept ``2024-01-31`` (midnight UTC) or a full ISO-8601 date-time. Raises ``ValueError``."""
    cleaned = text.strip()
    if len(cleaned) == 10:
        day = date.fromisoformat(cleaned)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return parse_datetime(cleaned)
