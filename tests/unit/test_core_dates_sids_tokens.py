from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from brandlink.core.accounts import tokens
from brandlink.core.common import dates, sids


def test_iso8601_and_rfc2822() -> None:
    moment = datetime(2023, 8, 24, 5, 1, 45, 123456, tzinfo=UTC)
    assert dates.iso8601(moment) == "2023-08-24T05:01:45Z"
    assert dates.rfc2822(moment) == "Thu, 24 Aug 2023 05:01:45 +0000"
    assert dates.iso8601_millis(moment) == "2023-08-24T05:01:45.123Z"
    assert dates.iso8601(None) is None and dates.rfc2822(None) is None


def test_other_offsets_become_utc() -> None:
    moment = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert dates.iso8601(moment) == "2023-12-31T23:00:00Z"
    assert dates.rfc2822(moment) == "Sun, 31 Dec 2023 23:00:00 +0000"


@pytest.mark.parametrize(
    "text", ["2021-02-06T18:02:04Z", "2021-02-06T18:02:04+00:00", "2021-02-06T19:02:04+01:00", "2021-02-06T18:02:04"]
)
def test_parse_datetime(text: str) -> None:
    assert dates.parse_datetime(text) == datetime(2021, 2, 6, 18, 2, 4, tzinfo=UTC)


def test_parse_date_or_datetime() -> None:
    assert dates.parse_date_or_datetime("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    with pytest.raises(ValueError):
        dates.parse_date_or_datetime("31/01/2024")


def test_sids() -> None:
    sid = sids.new_sid("AC")
    assert len(sid) == 34 and sids.is_sid(sid, "AC")
    assert not sids.is_sid(sid, "MG")
    assert not sids.is_sid(sid.upper(), "AC")
    assert sids.is_sid("DN" + "A" * 32, "DN", case_insensitive=True)
    assert not sids.is_sid("DN" + "g" * 32, "DN", case_insensitive=True)
    assert sids.new_sid("SM") != sids.new_sid("SM")
    with pytest.raises(ValueError):
        sids.new_sid("a")


def test_tokens_are_hashed_with_salt() -> None:
    token = tokens.derive_auth_token(tokens.new_master_key().encode(), "AC" + "0" * 32, 1)
    salt, digest = tokens.hash_token(token)
    other_salt, other_digest = tokens.hash_token(token)
    assert salt != other_salt and digest != other_digest
    assert token not in digest
    assert tokens.token_matches(token, salt, digest)
    assert not tokens.token_matches(token[:-1] + ("0" if token[-1] != "0" else "1"), salt, digest)


def test_derived_tokens_depend_on_key_sid_and_version() -> None:
    key = b"k" * 32
    token = tokens.derive_auth_token(key, "AC" + "1" * 32, 1)
    assert len(token) == 32 and int(token, 16) >= 0
    assert token == tokens.derive_auth_token(key, "AC" + "1" * 32, 1)
    assert token != tokens.derive_auth_token(key, "AC" + "1" * 32, 2)
    assert token != tokens.derive_auth_token(key, "AC" + "2" * 32, 1)
    assert token != tokens.derive_auth_token(b"j" * 32, "AC" + "1" * 32, 1)
    with pytest.raises(ValueError):
        tokens.derive_auth_token(b"short", "AC" + "1" * 32, 1)
