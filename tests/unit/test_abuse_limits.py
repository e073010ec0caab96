"""The abuse-limit model (core/accounts/limits.py) and the destination country of a ``To``."""

from __future__ import annotations

import pytest

from brandlink.core.accounts.limits import AccountLimits, SendingDefaults, effective, parse_countries
from brandlink.core.messaging.admission import country_refusal, destination_country


def test_overrides_replace_only_the_defaults_they_name() -> None:
    defaults = SendingDefaults(send_rate=100, daily_segments=1000, scheduled_cap=50, countries=frozenset({"US"}))
    assert effective(AccountLimits(), defaults) == effective(AccountLimits(), defaults)
    limits = effective(AccountLimits(send_rate=5, countries=frozenset({"GB"})), defaults)
    assert (limits.send_rate, limits.daily_segments, limits.scheduled_cap) == (5, 1000, 50)
    assert limits.allows_country("GB") and not limits.allows_country("US")


@pytest.mark.parametrize(("raw", "expected"), [("us, ca", {"US", "CA"}), ("*", {"*"}), ("GB,gb", {"GB"})])
def test_country_lists_are_parsed_once(raw: str, expected: set[str]) -> None:
    assert parse_countries(raw) == frozenset(expected)


@pytest.mark.parametrize("raw", ["", "USA", "U1", "US;CA"])
def test_bad_country_lists_say_what_to_write(raw: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 3166-1|at least one"):
        parse_countries(raw)


@pytest.mark.parametrize("field", ["send_rate", "daily_segments", "scheduled_cap"])
def test_limits_are_positive(field: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        AccountLimits(**{field: 0})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("to", "country"),
    [
        ("+14155550100", "US"),
        ("+16135550100", "CA"),
        ("+447400123456", "GB"),
        ("+447911123456", "GG"),  # Guernsey: a +44 number that is not GB
        ("whatsapp:+33612345678", "FR"),
        ("+80012345678", None),  # international freephone: no region
        ("not a number", None),
    ],
)
def test_destination_country_is_the_numbers_region(to: str, country: str | None) -> None:
    assert destination_country(to) == country


def test_a_number_without_a_region_passes_only_an_allow_all_list() -> None:
    only_us = effective(AccountLimits(countries=frozenset({"US"})), SendingDefaults())
    everywhere = effective(AccountLimits(countries=frozenset({"*"})), SendingDefaults())
    refusal = country_refusal(only_us, "+80012345678")
    assert refusal is not None and refusal.code == 21408
    assert country_refusal(everywhere, "+80012345678") is None
    assert country_refusal(only_us, "+14155550100") is None


class _BrokenCounts:
    def claim(self, key: str, window: int, wanted: int, limit: int) -> int:
        raise ConnectionError("rate_limits table unavailable")

    def used(self, key: str, window: int) -> int:
        raise ConnectionError("rate_limits table unavailable")


class _Counts:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}

    def claim(self, key: str, window: int, wanted: int, limit: int) -> int:
        used = self.counts.get((key, window), 0)
        granted = max(0, min(wanted, limit - used))
        self.counts[(key, window)] = used + granted
        return granted

    def used(self, key: str, window: int) -> int:
        return self.counts.get((key, window), 0)


def _guard(counts: object) -> object:
    from brandlink.core.messaging.dispatch_guard import DispatchGuard

    return DispatchGuard(
        accounts=None,  # type: ignore[arg-type]  (count_segments reads no account)
        senders=None,  # type: ignore[arg-type]
        claims=None,  # type: ignore[arg-type]
        defaults=SendingDefaults(),
        segments=counts,  # type: ignore[arg-type]
        clock=lambda: 0.0,
    )


def test_a_claimed_message_over_the_daily_cap_is_refused_and_an_outage_lets_it_through() -> None:
    from datetime import UTC, datetime

    from brandlink.core.messaging.model import Message

    now = datetime(2026, 1, 1, tzinfo=UTC)
    message = Message(
        sid="SM" + "1" * 32,
        account_sid="AC" + "1" * 32,
        to="+14155550100",
        from_=None,
        messaging_service_sid=None,
        body="x" * 200,
        status="sending",
        date_created=now,
        date_updated=now,
        expires_at=now,
        num_segments=2,
    )
    limits = effective(AccountLimits(daily_segments=3), SendingDefaults())
    guard = _guard(_Counts())
    assert guard.count_segments(message, limits) is None  # type: ignore[attr-defined]
    refusal = guard.count_segments(message, limits)  # type: ignore[attr-defined]
    assert refusal is not None and refusal.code == 30023 and "3 segments" in refusal.message
    assert _guard(_BrokenCounts()).count_segments(message, limits) is None  # type: ignore[attr-defined]
