"""Sender selection from a messaging service's pool: every rule, its order, and the spreading."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from brandlink.core.senders.model import Sender
from brandlink.core.senders.selection import (
    Candidate,
    SelectionPolicy,
    candidate_from_sender,
    parse_destination,
    select_sender,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def sender(sid: str, kind: str, address: str, country: str | None = None) -> Sender:
    return Sender(
        sid=sid,
        account_sid="AC" + "0" * 32,
        kind=kind,  # type: ignore[arg-type]
        address=address,
        country_code=country,
        capabilities=("SMS",),
        friendly_name=address,
        date_created=NOW,
        date_updated=NOW,
    )


SF = candidate_from_sender(sender("PN01", "phone_number", "+14155552671"))
SF_2 = candidate_from_sender(sender("PN02", "phone_number", "+14155550123"))
NYC = candidate_from_sender(sender("PN03", "phone_number", "+12125550199"))
TORONTO = candidate_from_sender(sender("PN04", "phone_number", "+14165550123"))
LONDON = candidate_from_sender(sender("PN05", "phone_number", "+442071838750"))
WA_SF = candidate_from_sender(sender("PN06", "whatsapp", "whatsapp:+14155552671"))
US_SHORT = candidate_from_sender(sender("SC01", "short_code", "12345", "us"))
GB_SHORT = candidate_from_sender(sender("SC02", "short_code", "54321", "GB"))
ALPHA = candidate_from_sender(sender("AI01", "alpha_sender", "Brandlink"))

DEFAULT = SelectionPolicy()


def pick(pool: list[Candidate], to: str, policy: SelectionPolicy = DEFAULT, **kwargs: str) -> tuple[str, str] | None:
    selection = select_sender(pool, parse_destination(to), policy, spread_key=kwargs.pop("key", "SM1"), **kwargs)
    return None if selection is None else (selection.sender.sid, selection.rule)


def test_candidates_know_their_country_and_area_code() -> None:
    assert (SF.country, SF.calling_code, SF.area_code) == ("US", 1, "415")
    assert (TORONTO.country, TORONTO.area_code) == ("CA", "416")
    assert (LONDON.country, LONDON.calling_code, LONDON.area_code) == ("GB", 44, None)
    assert (WA_SF.country, WA_SF.area_code, WA_SF.is_long_code) == ("US", "415", True)
    assert (US_SHORT.country, US_SHORT.is_long_code) == ("US", False)
    assert ALPHA.country is None


def test_destination_parsing() -> None:
    destination = parse_destination("whatsapp:+442071838750")
    assert (destination.channel, destination.e164, destination.country, destination.area_code) == (
        "whatsapp",
        "+442071838750",
        "GB",
        None,
    )
    assert parse_destination("+14155550100").area_code == "415"
    for bad in ("4155550100", "+1415", "+1 415 555 0100", "whatsapp:", "+15551234567", "tel:+14155550100"):
        with pytest.raises(ValueError):
            parse_destination(bad)


def test_short_code_of_the_destination_country_comes_first() -> None:
    pool = [SF, NYC, ALPHA, US_SHORT, GB_SHORT]
    assert pick(pool, "+14155550100") == ("SC01", "short_code")
    assert pick(pool, "+442071838700") == ("SC02", "short_code")
    assert pick(pool, "+14155550100", sticky_address=NYC.address) == ("SC01", "short_code")


def test_short_code_of_another_country_is_skipped() -> None:
    assert pick([GB_SHORT, SF], "+14155550100") == ("PN01", "area_code")
    assert pick([US_SHORT], "+442071838700") is None


def test_alpha_sender_where_the_country_allows_it() -> None:
    pool = [ALPHA, SF]
    assert pick(pool, "+442071838700") == ("AI01", "alpha_sender")
    assert pick(pool, "+4915112345678") == ("AI01", "alpha_sender")
    assert pick(pool, "+14155550100") == ("PN01", "area_code")
    assert pick([ALPHA], "+14155550100") is None


def test_alpha_sender_countries_are_configurable() -> None:
    only_germany = SelectionPolicy(alpha_sender_countries=frozenset({"DE"}))
    assert pick([ALPHA, SF], "+442071838700", only_germany) == ("PN01", "scaler")
    assert pick([ALPHA, SF], "+4915112345678", only_germany) == ("AI01", "alpha_sender")


def test_sticky_sender_wins_among_long_codes_while_it_is_in_the_pool() -> None:
    pool = [SF, NYC, LONDON]
    assert pick(pool, "+14155550100", sticky_address=NYC.address) == ("PN03", "sticky")
    assert pick([SF, LONDON], "+14155550100", sticky_address=NYC.address) == ("PN01", "area_code")


def test_sticky_sender_off_ignores_the_mapping() -> None:
    policy = SelectionPolicy(sticky_sender=False)
    assert pick([SF, NYC], "+14155550100", policy, sticky_address=NYC.address) == ("PN01", "area_code")


def test_sticky_mapping_of_another_channel_is_not_used() -> None:
    assert pick([SF, WA_SF], "+12125550100", sticky_address=WA_SF.address) == ("PN01", "country")


def test_area_code_geomatch_for_nanp() -> None:
    pool = [SF, SF_2, NYC, TORONTO]
    assert pick(pool, "+12125550100") == ("PN03", "area_code")
    assert pick(pool, "+14165550100") == ("PN04", "area_code")
    chosen = {pick(pool, "+14155550100", key=f"SM{i}") for i in range(40)}
    assert chosen == {("PN01", "area_code"), ("PN02", "area_code")}


def test_area_code_geomatch_off_falls_back_to_country() -> None:
    policy = SelectionPolicy(area_code_geomatch=False)
    chosen = {pick([SF, NYC, TORONTO], "+12125550100", policy, key=f"SM{i}") for i in range(40)}
    assert chosen == {("PN01", "country"), ("PN03", "country")}


def test_country_then_calling_code_then_any() -> None:
    assert pick([SF, TORONTO, LONDON], "+16135550100") == ("PN04", "country")
    assert pick([SF, LONDON], "+16135550100") == ("PN01", "calling_code")
    assert pick([SF, LONDON], "+442071838700") == ("PN05", "country")
    assert pick([SF], "+33612345678") == ("PN01", "scaler")


def test_whatsapp_destinations_use_whatsapp_senders_only() -> None:
    assert pick([SF, US_SHORT, ALPHA, WA_SF], "whatsapp:+14155550100") == ("PN06", "area_code")
    assert pick([SF, US_SHORT], "whatsapp:+14155550100") is None
    assert pick([WA_SF], "+14155550100") is None


def test_empty_pool_has_no_sender() -> None:
    assert pick([], "+14155550100") is None


def test_spreading_is_deterministic_and_even() -> None:
    pool = [
        candidate_from_sender(sender(f"PN{i:02d}", "phone_number", number))
        for i, number in enumerate(["+33612345678", "+33612345679", "+33612345670", "+33612345671"])
    ]
    assert pick(pool, "+14155550100", key="SMabc") == pick(list(reversed(pool)), "+14155550100", key="SMabc")
    counts = Counter(pick(pool, "+14155550100", key=f"SM{i:032x}") for i in range(4000))
    assert len(counts) == 4
    assert all(850 <= n <= 1150 for n in counts.values()), counts


def test_only_long_codes_are_remembered() -> None:
    destination = parse_destination("+14155550100")
    long_code = select_sender([SF], destination, DEFAULT, spread_key="SM1")
    short_code = select_sender([US_SHORT], destination, DEFAULT, spread_key="SM1")
    assert long_code is not None and long_code.sticky_worthy
    assert short_code is not None and not short_code.sticky_worthy
