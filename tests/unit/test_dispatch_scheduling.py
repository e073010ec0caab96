"""Scheduled sends: SendAt validation, the window bounds, the schedule's expression and name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.messaging.actions import parse_query
from brandlink.core.messaging.scheduling import ScheduleWindow, at_expression, parse_send_at, schedule_name

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
MG = "MG" + "a" * 32
WINDOW = ScheduleWindow(min_seconds=300, max_seconds=35 * 86400)


def send_at(seconds: float) -> str:
    return (NOW + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(schedule_type: str | None, when: str | None, service: str | None = MG) -> datetime | None:
    return parse_send_at(schedule_type, when, service, now=NOW, window=WINDOW)


def test_send_now_has_no_send_at() -> None:
    assert parse(None, None) is None
    assert parse("", "  ", None) is None


@pytest.mark.parametrize(
    ("schedule_type", "when", "service", "code"),
    [
        ("fixed", None, MG, 35111),
        ("fixed", "", MG, 35111),
        (None, "2030-01-01T13:00:00Z", MG, 35119),
        ("fixed", "2030-01-01T13:00:00Z", None, 35118),
        ("sometime", "2030-01-01T13:00:00Z", MG, 20001),
        ("fixed", "tomorrow", MG, 35114),
        ("fixed", "2030-13-01T00:00:00Z", MG, 35114),
        ("fixed", send_at(300), MG, 35114),
        ("fixed", send_at(-3600), MG, 35114),
        ("fixed", send_at(35 * 86400 + 1), MG, 35114),
    ],
)
def test_invalid_schedules(schedule_type: str | None, when: str | None, service: str | None, code: int) -> None:
    with pytest.raises(TwilioError) as error:
        parse(schedule_type, when, service)
    assert error.value.code == code
    assert error.value.status == 400


def test_window_bounds_are_exclusive_then_inclusive() -> None:
    assert parse("fixed", send_at(301)) == NOW + timedelta(seconds=301)
    assert parse("FIXED", send_at(35 * 86400)) == NOW + timedelta(days=35)


def test_offsets_are_converted_to_utc_and_fractions_round_up() -> None:
    assert parse("fixed", "2030-01-01T14:00:00+01:00") == datetime(2030, 1, 1, 13, 0, tzinfo=UTC)
    assert parse("fixed", "2030-01-01T13:00:00.200Z") == datetime(2030, 1, 1, 13, 0, 1, tzinfo=UTC)


def test_configured_window() -> None:
    short = ScheduleWindow(min_seconds=2, max_seconds=60)
    assert parse_send_at("fixed", send_at(3), MG, now=NOW, window=short) is not None
    with pytest.raises(TwilioError):
        parse_send_at("fixed", send_at(61), MG, now=NOW, window=short)


def test_schedule_expression_and_name() -> None:
    assert at_expression(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)) == "at(2030-01-02T03:04:05)"
    sid = "SM" + "0" * 32
    name = schedule_name(sid)
    assert name == f"message-{sid}" and len(name) <= 64


@pytest.mark.parametrize(
    ("params", "sent_from", "sent_before"),
    [
        ({"DateSent": "2030-01-05"}, datetime(2030, 1, 5, tzinfo=UTC), datetime(2030, 1, 6, tzinfo=UTC)),
        ({"DateSent": "2030-01-05T15:30:00Z"}, datetime(2030, 1, 5, tzinfo=UTC), datetime(2030, 1, 6, tzinfo=UTC)),
        ({"DateSent<": "2030-01-05"}, None, datetime(2030, 1, 6, tzinfo=UTC)),
        ({"DateSent<": "2030-01-05T00:00:00Z"}, None, datetime(2030, 1, 6, tzinfo=UTC)),
        ({"DateSent<": "2030-01-05T10:00:00Z"}, None, datetime(2030, 1, 5, 10, 0, 0, 1, tzinfo=UTC)),
        ({"DateSent>": "2030-01-05"}, datetime(2030, 1, 5, tzinfo=UTC), None),
        ({"DateSent>": "2030-01-05T10:00:00Z"}, datetime(2030, 1, 5, 10, tzinfo=UTC), None),
        (
            {"DateSent>": "2030-01-03", "DateSent<": "2030-01-04"},
            datetime(2030, 1, 3, tzinfo=UTC),
            datetime(2030, 1, 5, tzinfo=UTC),
        ),
    ],
)
def test_date_sent_filters(params: dict[str, str], sent_from: datetime | None, sent_before: datetime | None) -> None:
    query, extra = parse_query(Form(list(params.items())))
    assert (query.sent_from, query.sent_before) == (sent_from, sent_before)
    assert extra == params


def test_the_last_representable_day_has_no_upper_bound() -> None:
    query, _ = parse_query(Form([("DateSent", "9999-12-31T23:59:59Z"), ("DateSent<", "9999-12-31")]))
    assert (query.sent_from, query.sent_before) == (datetime(9999, 12, 31, tzinfo=UTC), None)


def test_bad_date_filter_is_20001() -> None:
    with pytest.raises(TwilioError) as error:
        parse_query(Form([("DateSent>", "last week")]))
    assert error.value.code == 20001
