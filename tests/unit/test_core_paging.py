from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import (
    MAX_TOKEN_CHARS,
    PageRequest,
    PageResult,
    PageSigner,
    envelope_2010,
    envelope_v1,
)

KEY = {"sid": {"S": "SM" + "0" * 32}, "account_sid": {"S": "AC" + "1" * 32}}
SIGNER = PageSigner.derive("salt:hash-of-account-one", "AC" + "1" * 32)
OTHER_ACCOUNT = PageSigner.derive("salt:hash-of-account-two", "AC" + "2" * 32)


def refused(signer: PageSigner, token: str) -> bool:
    with pytest.raises(TwilioError) as info:
        signer.decode(token)
    return (info.value.code, info.value.status) == (20001, 400)


def test_token_round_trip() -> None:
    token = SIGNER.encode("PA", KEY)
    assert token.startswith("PA")
    assert SIGNER.decode(token) == ("PA", KEY)
    assert SIGNER.decode(SIGNER.encode("PB", KEY)) == ("PB", KEY)


@pytest.mark.parametrize("bad", ["", "PA", "XXabc", "PA!!!", "PAbnVsbA", "PB" + "e30", "PA.", "PA" + "x" * 5000])
def test_garbage_tokens_are_20001(bad: str) -> None:
    assert refused(SIGNER, bad)


def unsigned(direction: str, payload: object) -> str:
    """A token as an attacker builds one: valid base64 JSON, no valid signature."""
    return direction + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_a_forged_token_with_a_wrong_key_type_is_refused_before_any_parsing() -> None:
    forged = unsigned("PA", {"sid": {"N": "5"}, "account_sid": {"S": "AC" + "1" * 32}})
    assert refused(SIGNER, forged)
    assert refused(SIGNER, forged + ".AAAAAAAAAAAAAAAAAAAAAA")


def test_a_deeply_nested_forged_token_is_a_400_not_a_recursion_error() -> None:
    assert refused(SIGNER, unsigned("PA", None)[:2] + base64.urlsafe_b64encode(b"[" * 5000).decode())


def test_a_token_of_another_account_or_altered_is_refused() -> None:
    token = SIGNER.encode("PA", KEY)
    assert refused(OTHER_ACCOUNT, token)
    payload, mac = token.rsplit(".", 1)
    assert refused(SIGNER, "PB" + payload[2:] + "." + mac)  # the direction is signed too
    tampered = SIGNER.encode("PA", {**KEY, "sid": {"S": "SM" + "9" * 32}}).rsplit(".", 1)[0]
    assert refused(SIGNER, f"{tampered}.{mac}")


def test_the_key_is_the_same_for_every_container_of_a_deployment() -> None:
    again = PageSigner.derive("salt:hash-of-account-one", "AC" + "1" * 32)
    assert again.decode(SIGNER.encode("PA", KEY)) == ("PA", KEY)


@settings(max_examples=200, derandomize=True, database=None)
@given(st.text(max_size=MAX_TOKEN_CHARS + 10))
def test_any_text_as_a_token_is_refused_with_20001(token: str) -> None:
    assert refused(SIGNER, token)


def test_page_request_from_form() -> None:
    request = PageRequest.from_form(Form.parse("PageSize=20"), SIGNER)
    assert (request.page, request.page_size, request.token, request.cursor) == (0, 20, None, None)
    with pytest.raises(TwilioError):
        PageRequest.from_form(Form.parse("PageSize=1001"), SIGNER)
    with pytest.raises(TwilioError):
        PageRequest.from_form(Form.parse("Page=2"), SIGNER)
    token = SIGNER.encode("PB", KEY)
    later = PageRequest.from_form(Form([("Page", "2"), ("PageToken", token)]), SIGNER)
    assert (later.page, later.cursor, later.forward, later.token) == (2, KEY, False, token)


def test_envelope_2010_has_exactly_the_contract_keys() -> None:
    request = PageRequest(page=0, page_size=2, signer=SIGNER)
    body = envelope_2010("/2010-04-01/Accounts/AC1/Messages.json", "messages", request, PageResult([{}, {}], KEY))
    assert set(body) == {
        "end",
        "first_page_uri",
        "next_page_uri",
        "page",
        "page_size",
        "previous_page_uri",
        "start",
        "uri",
        "messages",
    }
    assert (body["start"], body["end"], body["previous_page_uri"]) == (0, 1, None)
    next_query = parse_qs(urlsplit(body["next_page_uri"]).query)
    assert next_query["Page"] == ["1"] and next_query["PageSize"] == ["2"]
    assert SIGNER.decode(next_query["PageToken"][0]) == ("PA", KEY)


def test_envelope_v1_meta() -> None:
    request = PageRequest(page=1, page_size=10, token=SIGNER.encode("PA", KEY), cursor=KEY, signer=SIGNER)
    body = envelope_v1("https://api.test", "/v1/Services", "services", request, PageResult([], None, KEY))
    meta = body["meta"]
    assert meta["key"] == "services" and meta["next_page_url"] is None
    assert meta["first_page_url"] == "https://api.test/v1/Services?PageSize=10&Page=0"
    assert meta["previous_page_url"] == meta["first_page_url"]
    assert body["services"] == []
