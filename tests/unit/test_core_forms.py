from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import MAX_FIELDS, Form


def test_repeated_keys_form_lists() -> None:
    form = Form.parse("MediaUrl=a&MediaUrl=b&Body=hi")
    assert form.get_list("MediaUrl") == ["a", "b"]
    assert form.get("Body") == "hi"
    assert form.get_list("Missing") == []


def test_blank_values_are_kept() -> None:
    form = Form.parse("Body=&To=%2B1555")
    assert "Body" in form and form.get("Body") == ""
    assert form.get("To") == "+1555"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("TRUE", True), ("False", False), ("false", False)])
def test_booleans_case_insensitive(raw: str, expected: bool) -> None:
    assert Form.parse(f"Flag={raw}").get_bool("Flag") is expected


def test_bad_boolean_is_20001() -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse("StickySender=maybe").get_bool("StickySender")
    assert info.value.code == 20001 and "StickySender" in info.value.message


def test_missing_boolean_takes_default() -> None:
    assert Form.parse("").get_bool("X", True) is True


def test_int_bounds() -> None:
    form = Form.parse("ValidityPeriod=0&PageSize=abc")
    with pytest.raises(TwilioError) as low:
        form.get_int("ValidityPeriod", minimum=1, maximum=36000)
    assert "between 1 and 36000" in low.value.message
    with pytest.raises(TwilioError):
        form.get_int("PageSize")


def test_base64_body() -> None:
    encoded = base64.b64encode(b"To=%2B15551234567&Body=h%C3%A9").decode()
    assert Form.parse(encoded, is_base64=True).get("Body") == "hé"


def test_non_utf8_body_is_clear_error() -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse(b"\xff\xfe")
    assert info.value.code == 20001


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("To=+14155552671", "+14155552671"),  # curl -d: the + decodes to a space
        ("To=%2B14155552671", "+14155552671"),
        ("To=whatsapp:+14155552671", "whatsapp:+14155552671"),
        ("To=+whatsapp", "whatsapp"),
        ("To=%20%20", ""),
    ],
)
def test_address_gets_its_plus_back(body: str, expected: str) -> None:
    assert Form.parse(body).get_address("To") == expected
    assert Form.parse("").get_address("To") is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("To=%2B1555&Body=%FF%FE", "'Body'"),  # percent-encoded bytes that are not UTF-8
        ("Body=%C3", "'Body'"),  # a truncated sequence
        ("Body=%ED%A0%80", "'Body'"),  # an encoded UTF-16 surrogate is not UTF-8 either
        ("%FF=x", "a parameter name"),
    ],
)
def test_invalid_percent_encoded_utf8_is_refused_not_replaced(body: str, named: str) -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse(body)
    assert info.value.code == 20001 and info.value.status == 400
    assert named in info.value.message and "UTF-8" in info.value.message


def test_the_query_string_is_named_in_its_errors() -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse("To=%FF", source="query string")
    assert info.value.message.startswith("The query string has invalid UTF-8")


def test_a_str_body_with_a_lone_surrogate_is_a_400() -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse("Body=\ud800")
    assert info.value.code == 20001


def test_too_many_fields_is_a_400() -> None:
    with pytest.raises(TwilioError) as info:
        Form.parse("&".join(f"K{i}=v" for i in range(MAX_FIELDS + 1)))
    assert str(MAX_FIELDS) in info.value.message
    assert len(Form.parse("&".join(f"K{i}=v" for i in range(MAX_FIELDS))).keys()) == MAX_FIELDS


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(st.tuples(st.text(), st.text()), max_size=8))
def test_parsing_agrees_with_parse_qsl_on_any_utf8_form(pairs: list[tuple[str, str]]) -> None:
    encoded = urlencode(pairs)
    assert Form.parse(encoded)._values == Form(parse_qsl(encoded, keep_blank_values=True))._values


@settings(max_examples=300, derandomize=True, database=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)), st.booleans())
def test_any_body_parses_or_is_a_twilio_400(body: bytes | str, is_base64: bool) -> None:
    try:
        form = Form.parse(body, is_base64=is_base64)
    except TwilioError as exc:
        assert exc.status == 400 and exc.code == 20001
    else:
        names = form.keys()
        for text in (*names, *(value for name in names for value in form.get_list(name))):
            text.encode("utf-8")  # every name and value is valid text (no lone surrogates)


def test_a_repeated_scalar_parameter_is_a_400_and_lists_stay_lists() -> None:
    form = Form.parse("Page=1&Page=&MediaUrl=a&MediaUrl=b")
    with pytest.raises(TwilioError) as info:
        form.get("Page")
    assert info.value.code == 20001 and "Page" in info.value.message and "2 times" in info.value.message
    with pytest.raises(TwilioError):
        form.get_int("Page")
    assert form.get_list("MediaUrl") == ["a", "b"]
    assert "Page" in form
