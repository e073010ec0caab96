"""Sender parsing and resource shapes (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.senders import numbers as senders
from brandlink.core.senders import render as senders_render
from brandlink.core.senders.model import Sender

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "kind", "address"),
    [
        ("+14155552671", "phone_number", "+14155552671"),
        (" +1 (415) 555-2671 ", "phone_number", "+14155552671"),
        ("+33 6 12 34 56 78", "phone_number", "+33612345678"),
        ("whatsapp:+14155552671", "whatsapp", "whatsapp:+14155552671"),
        ("WhatsApp:+1 415 555 2671", "whatsapp", "whatsapp:+14155552671"),
    ],
)
def test_phone_senders_are_normalized(raw: str, kind: str, address: str) -> None:
    parsed_kind, parsed_address, _number = senders.parse_phone_sender(raw)
    assert (parsed_kind, parsed_address) == (kind, address)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "14155552671",
        "+1415",
        "+15555550100",
        "+1-800-FLOWERS",
        "+14155552671 ext. 5",
        "whatsapp:",
        "sms:+1415",
    ],
)
def test_invalid_phone_senders_are_21421(raw: str | None) -> None:
    with pytest.raises(TwilioError) as raised:
        senders.parse_phone_sender(raw)
    assert raised.value.code == 21421


@pytest.mark.parametrize("raw", ["Brandlink", "A", "Shop 24", "ABCDEFGHIJK", " Padded "])
def test_valid_alpha_senders(raw: str) -> None:
    assert senders.parse_alpha_sender(raw) == raw.strip()


@pytest.mark.parametrize("raw", [None, "", "2024", "ABCDEFGHIJKL", "Brand-Link", "Brand\nLink", "Ünïcode"])
def test_invalid_alpha_senders_are_21707(raw: str | None) -> None:
    with pytest.raises(TwilioError) as raised:
        senders.parse_alpha_sender(raw)
    assert raised.value.code == 21707


def test_short_code_and_country_parsing() -> None:
    assert senders.parse_short_code(" 12345 ") == "12345"
    assert senders.parse_country_code("gb") == "GB"
    for bad in ("12", "123456789", "12 45", "\uff11\uff12\uff13\uff14\uff15"):
        with pytest.raises(TwilioError):
            senders.parse_short_code(bad)
    for bad in ("", "XX", "USA", None):
        with pytest.raises(TwilioError):
            senders.parse_country_code(bad)


def _sender(kind: str, address: str, sid: str, capabilities: tuple[str, ...]) -> Sender:
    return Sender(
        sid=sid,
        account_sid="AC" + "1" * 32,
        kind=kind,  # type: ignore[arg-type]
        address=address,
        country_code=None if kind == "alpha_sender" else "US",
        capabilities=capabilities,
        friendly_name=address,
        date_created=WHEN,
        date_updated=WHEN,
        service_sid="MG" + "2" * 32,
    )


def test_pool_resource_shapes_follow_the_kind() -> None:
    base = "https://api.example.com"
    phone = senders_render.pool_resource(_sender("phone_number", "+14155552671", "PN" + "a" * 32, ("sms", "mms")), base)
    assert phone["phone_number"] == "+14155552671" and phone["capabilities"] == ["SMS", "MMS"]
    assert phone["url"] == f"{base}/v1/Services/{'MG' + '2' * 32}/PhoneNumbers/{'PN' + 'a' * 32}"
    assert phone["date_created"] == "2024-05-06T07:08:09Z"
    short = senders_render.pool_resource(_sender("short_code", "12345", "SC" + "b" * 32, ("sms",)), base)
    assert short["short_code"] == "12345" and "/ShortCodes/" in short["url"] and "phone_number" not in short
    alpha = senders_render.pool_resource(_sender("alpha_sender", "Brand", "AI" + "c" * 32, ("sms",)), base)
    assert alpha["alpha_sender"] == "Brand" and "country_code" not in alpha and "/AlphaSenders/" in alpha["url"]


def test_incoming_phone_number_resource_is_2010_shaped() -> None:
    body = senders_render.incoming_phone_number_resource(
        _sender("phone_number", "+14155552671", "PN" + "a" * 32, ("sms",))
    )
    assert body["date_created"] == "Mon, 06 May 2024 07:08:09 +0000"
    assert body["capabilities"] == {"voice": False, "sms": True, "mms": False, "fax": False}
    assert body["uri"].endswith(f"/IncomingPhoneNumbers/{'PN' + 'a' * 32}.json")
    assert body["subresource_uris"]["assigned_add_ons"].endswith("/AssignedAddOns.json")


def test_e164_of_each_kind() -> None:
    assert _sender("whatsapp", "whatsapp:+14155552671", "PN" + "a" * 32, ()).e164 == "+14155552671"
    assert _sender("phone_number", "+14155552671", "PN" + "a" * 32, ()).e164 == "+14155552671"
    assert _sender("short_code", "12345", "SC" + "a" * 32, ()).e164 is None
