"""Which sender of a messaging service's pool sends a message (pure logic).

The rules, first match wins (documented in docs/messages.md):

1. Channel: a ``whatsapp:`` destination is served only by WhatsApp senders; an SMS destination by
   short codes, alphanumeric IDs and phone numbers.
2. Short code: one whose country is the destination's country.
3. Alphanumeric sender ID: when the destination's country allows them (``ALPHA_SENDER_COUNTRIES``
   by default, configurable per deployment).
4. Long codes (phone or WhatsApp numbers):
   a. sticky sender (when the service has it on): the number this recipient got last time, if it
      is still in the pool;
   b. area-code geomatch (when on, for +1 destinations): numbers with the recipient's area code;
   c. country-code geomatch: numbers of the recipient's country, then of its calling code
      (+1 covers the US, Canada and the Caribbean);
   d. the scaler: any number of the pool.
   Within a step the load is spread evenly and deterministically over the candidates by a hash of
   the message SID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers

from brandlink.core.common.forms import WHATSAPP_PREFIX
from brandlink.core.senders.model import Sender
from brandlink.core.senders.numbers import parse_e164

Channel = Literal["sms", "whatsapp"]
Rule = Literal["short_code", "alpha_sender", "sticky", "area_code", "country", "calling_code", "scaler"]
NANP_CALLING_CODE = 1

# Countries where an alphanumeric sender ID is delivered without per-country pre-registration on
# the major SMS routes. The US, Canada and other +1 countries, China and Brazil never take them.
ALPHA_SENDER_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE"),
        *("IS", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK"),
        *("AU", "HK", "IL", "NZ", "ZA"),
    }
)


@dataclass(frozen=True)
class Destination:
    address: str  # as given: ``+447700900123`` or ``whatsapp:+447700900123``
    channel: Channel
    e164: str
    country: str | None  # ISO 3166 alpha-2, None for non-geographic numbers
    calling_code: int | None
    area_code: str | None  # NANP area code (NPA) for +1 numbers


@dataclass(frozen=True)
class Candidate:
    sid: str
    kind: str  # phone_number, whatsapp, short_code, alpha_sender
    address: str
    country: str | None
    calling_code: int | None = None
    area_code: str | None = None

    @property
    def is_long_code(self) -> bool:
        return self.kind in ("phone_number", "whatsapp")


@dataclass(frozen=True)
class SelectionPolicy:
    sticky_sender: bool = True
    area_code_geomatch: bool = True
    alpha_sender_countries: frozenset[str] = ALPHA_SENDER_COUNTRIES


@dataclass(frozen=True)
class Selection:
    sender: Candidate
    rule: Rule

    @property
    def sticky_worthy(self) -> bool:
        """Only a long code is remembered: short codes and alpha IDs are one per country already."""
        return self.sender.is_long_code


def parse_destination(address: str) -> Destination:
    """Parse ``+E164`` or ``whatsapp:+E164``; raises ``ValueError`` when it is not a valid number."""
    channel: Channel = "whatsapp" if address.startswith(WHATSAPP_PREFIX) else "sms"
    e164 = address.removeprefix(WHATSAPP_PREFIX)
    number = parse_e164(e164)
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(f"{address!r} is not a valid E.164 phone number")
    return Destination(
        address=address,
        channel=channel,
        e164=e164,
        country=phonenumbers.region_code_for_number(number) or None,
        calling_code=number.country_code,
        area_code=_area_code(number),
    )


def _area_code(number: phonenumbers.PhoneNumber) -> str | None:
    if number.country_code != NANP_CALLING_CODE:
        return None
    return str(number.national_number)[:3]


def candidate_from_sender(sender: Sender) -> Candidate:
    """A pool member as selection sees it; phone numbers get their country from the number itself."""
    return _candidate(sender.sid, sender.kind, sender.address, sender.e164, sender.country_code)


@lru_cache(maxsize=8192)
def _candidate(sid: str, kind: str, address: str, e164: str | None, country_code: str | None) -> Candidate:
    # Parsing a number costs ~60 us and a pool is read on every send: warm containers reuse the result.
    number = parse_e164(e164) if e164 else None
    if number is not None:
        return Candidate(
            sid=sid,
            kind=kind,
            address=address,
            country=phonenumbers.region_code_for_number(number) or country_code,
            calling_code=number.country_code,
            area_code=_area_code(number),
        )
    return Candidate(sid=sid, kind=kind, address=address, country=(country_code or "").upper() or None)


def spread(candidates: Sequence[Candidate], key: str) -> Candidate:
    """One of ``candidates``, chosen evenly by a hash of ``key`` (the message SID)."""
    ordered = sorted(candidates, key=lambda c: c.sid)
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return ordered[int.from_bytes(digest, "big") % len(ordered)]


def _first_step(
    steps: Iterable[tuple[Rule, Callable[[Candidate], bool]]], pool: Sequence[Candidate], key: str
) -> Selection | None:
    for rule, matches in steps:
        chosen = [c for c in pool if matches(c)]
        if chosen:
            return Selection(spread(chosen, key), rule)
    return None


def select_sender(
    pool: Sequence[Candidate],
    destination: Destination,
    policy: SelectionPolicy,
    *,
    spread_key: str,
    sticky_address: str | None = None,
) -> Selection | None:
    """The sender for ``destination``, or None when no pool member can reach it."""
    if destination.channel == "whatsapp":
        usable = [c for c in pool if c.kind == "whatsapp"]
    else:
        usable = [c for c in pool if c.kind != "whatsapp"]
    long_codes = [c for c in usable if c.is_long_code]

    def serves_country(candidate: Candidate) -> bool:
        return candidate.country is not None and candidate.country == destination.country

    first = _first_step(
        (
            ("short_code", lambda c: c.kind == "short_code" and serves_country(c)),
            (
                "alpha_sender",
                lambda c: c.kind == "alpha_sender" and destination.country in policy.alpha_sender_countries,
            ),
        ),
        usable,
        spread_key,
    )
    if first is not None:
        return first
    if policy.sticky_sender and sticky_address is not None:
        for candidate in long_codes:
            if candidate.address == sticky_address:
                return Selection(candidate, "sticky")
    same_area = policy.area_code_geomatch and destination.area_code is not None
    return _first_step(
        (
            ("area_code", lambda c: same_area and c.area_code == destination.area_code),
            ("country", serves_country),
            ("calling_code", lambda c: c.calling_code == destination.calling_code),
            ("scaler", lambda _c: True),
        ),
        long_codes,
        spread_key,
    )
