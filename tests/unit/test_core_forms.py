from __future__ import annotations

import base64

import pytest

from brandlink.core.errors import TwilioError
from brandlink.core.forms import Form


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
