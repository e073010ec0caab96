"""Sender ID Pre-registration Alert: sending from an alphanumeric sender ID that is not registered for
the destination's country, where that country requires or recommends registration, records a
warning — the ``SenderIdNotRegistered`` metric (alarmed in the stack) and a log line — and the
message is still sent, as Twilio's alert does.

The countries are a data file (``data/sender_id_registration.json``, ``required``/``recommended``).
Which IDs are registered where is the operator's knowledge: the ``registeredSenderIds`` setting
(``BRANDLINK_REGISTERED_SENDER_IDS``), ``ID:CC`` pairs such as ``ACME:IN,ACME:SA`` (``ID:*``: every
country).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from brandlink.core.senders.claims import alpha_key

DATA_FILE = "sender_id_registration.json"


@cache
def registration_countries() -> dict[str, str]:
    """``{"IN": "required", "GB": "recommended", ...}`` from the data file."""
    text = (Path(__file__).parent / "data" / DATA_FILE).read_text(encoding="utf-8")
    countries = json.loads(text)["countries"]
    return {str(code).upper(): str(level) for code, level in countries.items()}


def parse_registered(pairs: Iterable[str]) -> frozenset[tuple[str, str]]:
    """``ID:CC`` texts → ``{(ALPHA KEY, CC)}``; ``CC`` may be ``*``."""
    registered: set[tuple[str, str]] = set()
    for pair in pairs:
        sender, _, country = pair.rpartition(":")
        if sender.strip() and country.strip():
            registered.add((alpha_key(sender), country.strip().upper()))
    return frozenset(registered)


@dataclass(frozen=True)
class SenderIdWarning:
    sender_id: str
    country: str
    level: str  # "required" or "recommended"


@dataclass
class SenderIdAlert:
    registered: frozenset[tuple[str, str]]
    report: Callable[[SenderIdWarning, str], None]
    """Records the warning for a message SID (metric + log, in the wiring)."""

    def check(self, message_sid: str, from_: str, to: str) -> SenderIdWarning | None:
        if not _is_alpha(from_):
            return None
        country = _country(to)
        level = registration_countries().get(country or "")
        if country is None or level is None:
            return None
        key = alpha_key(from_)
        if (key, country) in self.registered or (key, "*") in self.registered:
            return None
        warning = SenderIdWarning(from_, country, level)
        self.report(warning, message_sid)
        return warning


def _is_alpha(address: str) -> bool:
    return bool(address) and not address.startswith(("+", "whatsapp:")) and not address.isdigit()


def _country(to: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(to.rpartition(":")[2], None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number) or None
