"""Sender and recipient addresses: E.164 numbers, ``whatsapp:`` addresses, short codes, alphanumeric IDs.

``parse_e164`` is the one E.164 parser: registration (``parse_phone_sender``) refuses what it cannot
parse with 21421, sender selection and the ``To`` check treat it as "not a number".
"""

from __future__ import annotations

import re

import phonenumbers

from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import WHATSAPP_PREFIX
from brandlink.core.senders.model import SenderKind

MMS_REGIONS = ("US", "CA")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_NUMBER_PUNCTUATION = frozenset(" -().")
_SHORT_CODE = re.compile(r"^[0-9]{3,8}$")
_ALPHA_SENDER = re.compile(r"^[A-Za-z0-9 ]{1,11}$")
NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll-free",
}


def parse_e164(text: str) -> phonenumbers.PhoneNumber | None:
    """``+`` and up to 15 ASCII digits, parsed; None when it is not that or does not parse.

    Whether the number is in an assigned range is the caller's question
    (``phonenumbers.is_valid_number``): a pool's numbers were checked when they were registered.
    """
    if not _E164.match(text):
        return None
    try:
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None


def _valid_number(value: str, param: str) -> phonenumbers.PhoneNumber:
    number = parse_e164("".join(ch for ch in value if ch not in _NUMBER_PUNCTUATION))
    if number is None or not phonenumbers.is_valid_number(number):
        raise TwilioError.invalid_parameter(
            param,
            f"{value!r} is not a valid phone number; use E.164, such as +14155552671.",
            ErrorCode.INVALID_PHONE_NUMBER,
        )
    return number


def parse_phone_sender(
    value: str | None, param: str = "PhoneNumber"
) -> tuple[SenderKind, str, phonenumbers.PhoneNumber]:
    """``(kind, address, parsed)`` for ``+E164`` or ``whatsapp:+E164``; anything else is 21421."""
    if value is None or not value.strip():
        raise TwilioError.invalid_parameter(
            param, "is required, in E.164 form such as +14155552671.", ErrorCode.INVALID_PHONE_NUMBER
        )
    text = value.strip()
    is_whatsapp = text.lower().startswith(WHATSAPP_PREFIX)
    number = _valid_number(text[len(WHATSAPP_PREFIX) :].strip() if is_whatsapp else text, param)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if is_whatsapp:
        return "whatsapp", WHATSAPP_PREFIX + e164, number
    return "phone_number", e164, number


def parse_short_code(value: str | None, param: str = "ShortCode") -> str:
    if value is None or not _SHORT_CODE.match(value.strip()):
        raise TwilioError.invalid_parameter(param, f"must be 3 to 8 digits, such as 12345; got {value!r}.")
    return value.strip()


def parse_country_code(value: str | None, param: str = "CountryCode") -> str:
    region = (value or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise TwilioError.invalid_parameter(
            param, f"must be an ISO 3166-1 alpha-2 country code such as US; got {value!r}."
        )
    return region


def parse_alpha_sender(value: str | None) -> str:
    text = (value or "").strip()
    if not _ALPHA_SENDER.match(text) or not any(ch.isalpha() for ch in text):
        raise TwilioError.invalid_parameter(
            "AlphaSender",
            f"{value!r} is not a valid alphanumeric sender ID: use 1 to 11 letters, digits or spaces, "
            "with at least one letter.",
            ErrorCode.INVALID_ALPHA_SENDER,
        )
    return text
