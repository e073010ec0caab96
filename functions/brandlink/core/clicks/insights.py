"""Insights: the figures of one messaging service, from the aggregates the recorder keeps (no scans).

Two kinds of range (docs/insights.md, "Definitions"):

* **Send cohort**: ``messages_with_links``, ``clicked_messages``, ``unique_clickers``,
  ``click_through_rate`` and ``median_time_to_first_click_seconds`` are about the messages *sent*
  between ``StartDate`` and ``EndDate`` (whenever they were clicked), so a CTR never mixes one
  day's clicks with another day's sends.
* **Activity**: ``clicks``, ``previews`` and ``clicks_over_time`` count taps that *happened* in the
  range.

Reads: one Query per counter shard for the service (and per shard for the ``GroupBy`` tag), one
per first-click shard. The first-click items give clicked messages, distinct recipients and the
exact median; the counters the rest.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from brandlink.core.clicks import aggregates
from brandlink.core.common.dates import iso8601
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form

Interval = Literal["hour", "day"]
DEFAULT_INTERVAL: Interval = "day"
MAX_BUCKETS = 1000
"""``clicks_over_time`` entries one answer may have (31 days by the hour is 744)."""
MAX_GROUP_BY_KEY = 128
# As the OpenAPI pattern ``^Tag:.+$`` reads in ECMA regex: ``.`` is no line terminator.
_GROUP_BY = re.compile("Tag:([^\n\r\u2028\u2029]{1,%s})" % MAX_GROUP_BY_KEY)  # noqa: UP031 - braces
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class CounterRow:
    hour: str
    value: str | None
    clicks: int
    previews: int
    messages_with_links: int


@dataclass(frozen=True, slots=True)
class FirstClickRow:
    message_sid: str
    to: str
    tags: Mapping[str, str]
    sent_at: int
    first_click_ms: int


@dataclass(frozen=True, slots=True)
class LinkCounts:
    clicks: int = 0
    previews: int = 0
    first_click_ms: int | None = None


class InsightsReader(Protocol):
    def counters(self, service_sid: str, dim: str, first_hour: str, last_hour: str) -> list[CounterRow]: ...

    def first_clicks(self, service_sid: str, sent_from: int, sent_to: int) -> list[FirstClickRow]: ...


@dataclass(frozen=True)
class InsightsQuery:
    service_sid: str
    start: date | None = None
    end: date | None = None
    group_by: str | None = None
    """The tag key of ``GroupBy=Tag:<key>``."""
    interval: Interval = DEFAULT_INTERVAL

    @property
    def first_second(self) -> int:
        return int(datetime.combine(self.start or _EARLIEST, datetime.min.time(), UTC).timestamp())

    @property
    def last_second(self) -> int:
        last = self.end or (datetime.now(UTC).date() + timedelta(days=1))
        return int(datetime.combine(last, datetime.min.time(), UTC).timestamp()) + aggregates.SECONDS_PER_DAY - 1


def _date(params: Form, name: str) -> date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not _DAY.fullmatch(value):
        return _bad_date(name, value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _bad_date(name, value)


def _bad_date(name: str, value: str) -> date:
    raise TwilioError.invalid_parameter(name, f"expected a date as YYYY-MM-DD (UTC), got {value[:40]!r}.")


def parse_query(params: Form, service_sid: str) -> InsightsQuery:
    """``StartDate``, ``EndDate`` (inclusive UTC days), ``GroupBy=Tag:<key>``, ``Interval=hour|day``."""
    start, end = _date(params, "StartDate"), _date(params, "EndDate")
    if start and end and start > end:
        raise TwilioError.invalid_parameter("EndDate", "must not be before StartDate.")
    group_by = None
    raw_group = params.get("GroupBy")
    if raw_group is not None and raw_group != "":
        match = _GROUP_BY.fullmatch(raw_group)
        if match is None or not match.group(1).strip():
            raise TwilioError.invalid_parameter(
                "GroupBy", "expected Tag:<key>, the key of the messages' Tags to group by (e.g. Tag:campaign)."
            )
        group_by = match.group(1)
    interval = params.get("Interval") or DEFAULT_INTERVAL
    if interval not in ("hour", "day"):
        raise TwilioError.invalid_parameter("Interval", f"must be hour or day, got {interval[:20]!r}.")
    query = InsightsQuery(service_sid, start, end, group_by, "hour" if interval == "hour" else "day")
    if start and end:
        days = (end - start).days + 1
        buckets = days * 24 if query.interval == "hour" else days
        if buckets > MAX_BUCKETS:
            raise TwilioError.invalid_parameter(
                "EndDate",
                f"the range has {buckets} {query.interval}s; at most {MAX_BUCKETS}: narrow it or use Interval=day.",
            )
    return query


@dataclass
class Figures:
    messages_with_links: int = 0
    clicked_messages: int = 0
    unique_clickers: int = 0
    clicks: int = 0
    previews: int = 0
    median_time_to_first_click_seconds: float | None = None

    @property
    def click_through_rate(self) -> float | None:
        """``clicked_messages / messages_with_links``; None when no message with links was sent."""
        if self.messages_with_links == 0:
            return None
        return round(self.clicked_messages / self.messages_with_links, 6)

    def to_dict(self) -> dict[str, Any]:
        return {
            "messages_with_links": self.messages_with_links,
            "clicked_messages": self.clicked_messages,
            "unique_clickers": self.unique_clickers,
            "click_through_rate": self.click_through_rate,
            "clicks": self.clicks,
            "previews": self.previews,
            "median_time_to_first_click_seconds": self.median_time_to_first_click_seconds,
        }


@dataclass
class Insights:
    query: InsightsQuery
    figures: Figures
    groups: dict[str, Figures] = field(default_factory=dict)
    clicks_over_time: list[tuple[datetime, int, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        query = self.query
        return {
            "messaging_service_sid": query.service_sid,
            "start_date": query.start.isoformat() if query.start else None,
            "end_date": query.end.isoformat() if query.end else None,
            "group_by": f"Tag:{query.group_by}" if query.group_by else None,
            "interval": query.interval,
            **self.figures.to_dict(),
            "groups": [{"key": key, **figures.to_dict()} for key, figures in sorted(self.groups.items())],
            "clicks_over_time": [
                {"start": iso8601(start), "clicks": clicks, "previews": previews}
                for start, clicks, previews in self.clicks_over_time
            ],
        }


def _median_seconds(rows: Iterable[FirstClickRow]) -> float | None:
    """The exact median of (first click - send), in seconds (ms precision); the mean of the two middle
    values for an even count."""
    delays = [max(row.first_click_ms / 1000 - row.sent_at, 0.0) for row in rows]
    if not delays:
        return None
    return round(statistics.median(delays), 3)


def _first_click_figures(figures: Figures, rows: Sequence[FirstClickRow]) -> None:
    figures.clicked_messages = len(rows)
    figures.unique_clickers = len({row.to for row in rows})
    figures.median_time_to_first_click_seconds = _median_seconds(rows)


def _in_range(hour: str, first: int, last: int) -> bool:
    return first <= aggregates.hour_start(hour).timestamp() <= last


def _add_counters(figures: Figures, rows: Iterable[CounterRow]) -> None:
    for row in rows:
        figures.messages_with_links += row.messages_with_links
        figures.clicks += row.clicks
        figures.previews += row.previews


def _bucket(hour: str, interval: Interval) -> datetime:
    start = aggregates.hour_start(hour)
    return start if interval == "hour" else start.replace(hour=0)


def _over_time(rows: Sequence[CounterRow], query: InsightsQuery) -> list[tuple[datetime, int, int]]:
    """Every bucket from the range's start (else the first with a tap) to its end (else the last), zeros
    included, so a chart's axis is continuous."""
    totals: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.clicks or row.previews:
            total = totals[_bucket(row.hour, query.interval)]
            total[0] += row.clicks
            total[1] += row.previews
    step = timedelta(hours=1) if query.interval == "hour" else timedelta(days=1)
    first = _bucket(aggregates.hour_key(query.first_second), query.interval) if query.start else None
    last = _bucket(aggregates.hour_key(query.last_second), query.interval) if query.end else None
    if first is None:
        first = min(totals) if totals else None
    if last is None:
        last = max(totals) if totals else None
    if first is None or last is None or last < first:
        return []
    if (last - first) / step >= MAX_BUCKETS:
        first = last - step * (MAX_BUCKETS - 1)  # the latest buckets: what a marketer looks at
    series: list[tuple[datetime, int, int]] = []
    current = first
    while current <= last:
        clicks, previews = totals.get(current, (0, 0))
        series.append((current, clicks, previews))
        current += step
    return series


def insights(reader: InsightsReader, query: InsightsQuery) -> Insights:
    """The figures of ``query``, with ``groups`` for its ``GroupBy`` key."""
    overall, by_key = insights_by_keys(reader, query, [query.group_by] if query.group_by else [])
    return by_key[0][1] if by_key else overall


def insights_by_keys(
    reader: InsightsReader, query: InsightsQuery, keys: Sequence[str]
) -> tuple[Insights, list[tuple[str, Insights]]]:
    """The overall figures and one grouped answer per tag key, from one read of the service's
    counters and first clicks (plus one counter read per key): what the page shows."""
    first, last = query.first_second, query.last_second
    first_hour, last_hour = aggregates.hour_key(first), aggregates.hour_key(last)
    overall = [
        row
        for row in reader.counters(query.service_sid, aggregates.ALL, first_hour, last_hour)
        if _in_range(row.hour, first, last)
    ]
    first_clicks = reader.first_clicks(query.service_sid, first, last)
    figures = Figures()
    _add_counters(figures, overall)
    _first_click_figures(figures, first_clicks)
    series = _over_time(overall, query)
    plain = Insights(replace(query, group_by=None), figures, clicks_over_time=series)
    grouped: list[tuple[str, Insights]] = []
    for key in keys:
        result = Insights(replace(query, group_by=key), figures, clicks_over_time=series)
        by_value: dict[str, list[CounterRow]] = defaultdict(list)
        for row in reader.counters(query.service_sid, aggregates.tag_dim(key), first_hour, last_hour):
            if row.value is not None and _in_range(row.hour, first, last):
                by_value[row.value].append(row)
        clicked: dict[str, list[FirstClickRow]] = defaultdict(list)
        for click in first_clicks:
            if key in click.tags:
                clicked[click.tags[key]].append(click)
        for value in set(by_value) | set(clicked):
            group = Figures()
            _add_counters(group, by_value.get(value, ()))
            _first_click_figures(group, clicked.get(value, []))
            result.groups[value] = group
        grouped.append((key, result))
    return plain, grouped
