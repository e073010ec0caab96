from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from brandlink.core.accounts import tokens
from brandlink.core.accounts.model import Account
from brandlink.core.common import dates, sids
from testkit.token_vault import FakeTokenVault


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
    token = tokens.new_auth_token()
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


def test_new_tokens_are_random_hex() -> None:
    issued = {tokens.new_auth_token() for _ in range(100)}
    assert len(issued) == 100
    assert all(len(token) == 32 and int(token, 16) >= 0 for token in issued)


def _account(sid: str, sealed: str | None, version: int = 1) -> Account:
    now = datetime.now(UTC)
    return Account(sid, "A", "active", "00", "00", now, now, token_version=version, token_sealed=sealed)


def test_signing_tokens_open_the_sealed_token_for_its_own_account_only() -> None:
    vault = FakeTokenVault()
    alice, bob = "AC" + "a" * 32, "AC" + "b" * 32
    sealed = vault.seal(alice, "t" * 32)
    signer = tokens.SigningTokens(lambda: vault)
    assert signer.for_account(_account(alice, sealed)) == "t" * 32
    assert signer.for_account(_account(alice, sealed)) == "t" * 32
    assert vault.opened == [alice], "opened once, then cached"
    with pytest.raises(tokens.TokenUnavailable):  # alice's ciphertext copied onto bob's account
        signer.for_account(_account(bob, sealed))


def test_an_account_without_a_sealed_token_signs_only_with_the_retired_master_key() -> None:
    sid = "AC" + "c" * 32
    with pytest.raises(tokens.TokenUnavailable, match="migrate-tokens"):
        tokens.SigningTokens(FakeTokenVault).for_account(_account(sid, None))
    legacy = tokens.SigningTokens(FakeTokenVault, lambda: b"k" * 32)
    assert legacy.for_account(_account(sid, None, 3)) == tokens.derive_auth_token(b"k" * 32, sid, 3)
