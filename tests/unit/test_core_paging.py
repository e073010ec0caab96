from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from brandlink.core.errors import TwilioError
from brandlink.core.forms import Form
from brandlink.core.paging import PageRequest, PageResult, decode_token, encode_token, envelope_2010, envelope_v1

KEY = {"sid": {"S": "SM" + "0" * 32}, "account_sid": {"S": "AC" + "1" * 32}}


def test_token_round_trip() -> None:
    token = encode_token("PA", KEY)
    assert token.startswith("PA")
    assert decode_token(token) == KEY


@pytest.mark.parametrize("bad", ["", "PA", "XXabc", "PA!!!", "PAbnVsbA", "PB" + "e30"])
def test_bad_tokens_are_20001(bad: str) -> None:
    with pytest.raises(TwilioError) as info:
        decode_token(bad)
    assert info.value.code == 20001


def test_page_request_from_form() -> None:
    request = PageRequest.from_form(Form.parse("PageSize=20"))
    assert (request.page, request.page_size, request.token) == (0, 20, None)
    with pytest.raises(TwilioError):
        PageRequest.from_form(Form.parse("PageSize=1001"))
    with pytest.raises(TwilioError):
        PageRequest.from_form(Form.parse("Page=2"))


def test_envelope_2010_has_exactly_the_contract_keys() -> None:
    request = PageRequest(page=0, page_size=2)
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
    assert decode_token(next_query["PageToken"][0]) == KEY


def test_envelope_v1_meta() -> None:
    request = PageRequest(page=1, page_size=10, token=encode_token("PA", KEY))
    body = envelope_v1("https://api.test", "/v1/Services", "services", request, PageResult([], None, KEY))
    meta = body["meta"]
    assert meta["key"] == "services" and meta["next_page_url"] is None
    assert meta["first_page_url"] == "https://api.test/v1/Services?PageSize=10&Page=0"
    assert meta["previous_page_url"] == meta["first_page_url"]
    assert body["services"] == []
