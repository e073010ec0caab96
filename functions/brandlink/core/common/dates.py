"""The two date formats of the contract and parsing of client-supplied dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


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
