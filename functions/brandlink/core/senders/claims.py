"""Who may send from an address: deployment-wide sender claims and per-account alphanumeric IDs.

Security finding 1: numbers, short codes and alphanumeric IDs used to be registered without proof and
unique only within one account, so any account could send as any sender (with the ``sms`` provider,
as the operator's origination identity). Now:

* a phone number (SMS and WhatsApp alike: one claim per E.164 number) or a short code (per country)
  belongs to at most **one account of the deployment**: its claim, written with a condition so two
  accounts can never both hold it. An operator assigns it (``brandlink assign-sender``), or the
  account proves it holds the number with a code sent to it (``…/IncomingPhoneNumbers/{PN}/Verify.json``);
* an alphanumeric sender ID is usable only when the operator put it on the account's allow-list
  (``brandlink allow-alpha``); several accounts may be allowed the same text (the operator decides).

A registration whose address the account does not hold is ``pending``: it cannot join a pool or be a
``From``. Releasing a claim (``brandlink release-sender``) removes the holder's registrations of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from brandlink.core.common.forms import WHATSAPP_PREFIX

ClaimKind = Literal["phone_number", "short_code"]
ClaimSource = Literal["operator", "verification", "migration"]


def claim_address(kind: str, address: str, country_code: str | None = None) -> str:
    """The key of the claim that covers a sender: the E.164 number for phone and WhatsApp senders
    (one claim covers both channels), ``sc:<COUNTRY>:<digits>`` for a short code."""
    if kind == "short_code":
        return f"sc:{(country_code or '').upper()}:{address}"
    return address.removeprefix(WHATSAPP_PREFIX)


def alpha_key(text: str) -> str:
    """Alphanumeric IDs are compared without regard to case or surrounding spaces."""
    return " ".join(text.split()).upper()


@dataclass(frozen=True)
class SenderClaim:
    address: str  # claim_address(): +E164 or sc:CC:digits
    account_sid: str
    kind: ClaimKind
    source: ClaimSource
    date_claimed: datetime


class ClaimHeld(Exception):
    """Another account holds the claim (``holder``, an AC SID: told only to operators)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


class SenderClaims(Protocol):
    def get(self, address: str) -> SenderClaim | None: ...

    def assign(self, claim: SenderClaim) -> SenderClaim:
        """Give the address to ``claim.account_sid`` unless another account holds it (``ClaimHeld``);
        returns the claim now stored (an existing one of the same account is kept as it is)."""
        ...

    def release(self, address: str) -> SenderClaim | None:
        """Delete the claim; returns what was deleted."""
        ...

    def reserve_code(self, address: str, now: datetime, interval_seconds: int) -> bool:
        """Whether a verification code may be sent to this unclaimed address now (at most one per
        ``interval_seconds`` per address, deployment-wide); False when it is claimed or too soon."""
        ...

    def allow_alpha(self, account_sid: str, text: str) -> None: ...

    def disallow_alpha(self, account_sid: str, text: str) -> bool: ...

    def alpha_allowed(self, account_sid: str, text: str) -> bool: ...

    def allowed_alphas(self, account_sid: str) -> list[str]: ...
