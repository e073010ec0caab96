"""Which sends carry MMS, the converted body, and the sender-ID registration data and rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brandlink.core.messaging.mms_converter import MmsConverter, can_carry_mms
from brandlink.core.messaging.model import QUEUED, Message
from brandlink.core.messaging.sender_id_alert import (
    SenderIdAlert,
    SenderIdWarning,
    parse_registered,
    registration_countries,
)
from brandlink.core.services.model import MessagingService

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("provider", "to", "expected"),
    [
        ("twilio", "+14155550100", True),
        ("outbox", "+16135550100", True),  # Canada
        ("webhook", "+17875550100", True),  # Puerto Rico
        ("twilio", "+447400123456", False),
        ("sms", "+14155550100", False),
        ("sns", "+14155550100", False),
        ("outbox", "not a number", False),
    ],
)
def test_which_sends_carry_mms(provider: str, to: str, expected: bool) -> None:
    assert can_carry_mms(provider, to) is expected


def _message(to: str, media: tuple[str, ...]) -> Message:
    return Message(
        sid="SM" + "0" * 32,
        account_sid="AC" + "0" * 32,
        to=to,
        from_=None,
        messaging_service_sid="MG" + "0" * 32,
        body="Hi",
        status=QUEUED,
        date_created=NOW,
        date_updated=NOW,
        expires_at=NOW,
        num_segments=1,
        media_urls=media,
    )


def _service(converter: bool) -> MessagingService:
    return MessagingService("AC" + "0" * 32, "MG" + "0" * 32, "s", NOW, NOW, mms_converter=converter)


def test_the_converter_appends_one_line_per_media_and_drops_the_media() -> None:
    converter = MmsConverter("sns", lambda: None)
    message = _message("+14155550100", ("https://a.test/1", "https://a.test/2"))
    assert converter.convert(message, _service(True), "+1", "Hi", NOW) == ("Hi\nhttps://a.test/1\nhttps://a.test/2", ())
    assert converter.convert(message, _service(False), "+1", "Hi", NOW) == ("Hi", message.media_urls)
    assert converter.convert(message, None, "+1", "Hi", NOW) == ("Hi", message.media_urls)
    assert converter.convert(_message("+1", ()), _service(True), "+1", "Hi", NOW) == ("Hi", ())
    assert MmsConverter("twilio", lambda: None).convert(message, _service(True), "+1", "Hi", NOW)[1] != ()


def test_the_registration_data_file_lists_countries_with_a_level() -> None:
    countries = registration_countries()
    assert countries["IN"] == "required" and countries["GB"] == "recommended"
    assert "US" not in countries and "DE" not in countries
    assert set(countries.values()) == {"required", "recommended"}
    assert all(len(code) == 2 and code.isupper() for code in countries)


@pytest.mark.parametrize(
    ("from_", "to", "registered", "expected"),
    [
        ("ACME", "+919876543210", "", ("IN", "required")),
        ("acme ", "+919876543210", "ACME:IN", None),  # IDs compare without case or spaces
        ("ACME", "+919876543210", "ACME:*", None),
        ("ACME", "+919876543210", "OTHER:IN", ("IN", "required")),
        ("ACME", "+447400123456", "ACME:IN", ("GB", "recommended")),
        ("ACME", "+4915123456789", "", None),
        ("+14155552671", "+919876543210", "", None),  # a number is no alpha sender ID
        ("24680", "+919876543210", "", None),  # nor is a short code
    ],
)
def test_the_alert_fires_for_unregistered_alpha_ids_only(
    from_: str, to: str, registered: str, expected: tuple[str, str] | None
) -> None:
    reported: list[tuple[SenderIdWarning, str]] = []
    alert = SenderIdAlert(parse_registered(registered.split(",")), lambda w, sid: reported.append((w, sid)))
    warning = alert.check("SM1", from_, to)
    if expected is None:
        assert warning is None and reported == []
    else:
        assert warning is not None and (warning.country, warning.level) == expected
        assert reported == [(warning, "SM1")]
