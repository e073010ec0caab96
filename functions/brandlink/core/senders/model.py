"""A sender: an address Brandlink sends from, owned by an account and possibly in one service's pool.

Brandlink sells no numbers: an account registers a number it already owns (``PN``), a short code
(``SC``) or a ``whatsapp:+E164`` sender (``PN``, kind ``whatsapp``), then puts it in one service's
pool. Alphanumeric sender IDs (``AI``) are created directly in a pool, one per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from brandlink.core.common.forms import WHATSAPP_PREFIX

SenderKind = Literal["phone_number", "whatsapp", "short_code", "alpha_sender"]
SenderStatus = Literal["in-use", "pending"]
IN_USE: SenderStatus = "in-use"
PENDING: SenderStatus = "pending"


@dataclass(frozen=True)
class PendingCode:
    """The verification code sent to a pending number: salted hash, expiry, failed attempts so far."""

    salt: str
    digest: str
    expires_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class Sender:
    """An address Brandlink can send from.

    Phone numbers (``PN``, kind ``phone_number`` or ``whatsapp``) and short codes (``SC``) are owned by
    the account and join at most one service's pool; alphanumeric sender IDs (``AI``) exist only in a
    pool. ``service_sid`` is the pool the sender is in (``None`` when in none); ``date_created`` of a
    pool entry is when it joined the pool.
    """

    sid: str
    account_sid: str
    kind: SenderKind
    address: str
    country_code: str | None
    capabilities: tuple[str, ...]
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    service_sid: str | None = None
    number_type: str | None = None
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status: SenderStatus = IN_USE
    """``pending`` while the account has not shown it holds the address (core.senders.claims): such a
    sender cannot join a pool or be a ``From``. Pool entries are always ``in-use``."""
    verification: PendingCode | None = None

    @property
    def e164(self) -> str | None:
        """The E.164 number of a phone or WhatsApp sender (``whatsapp:`` prefix removed)."""
        if self.kind == "phone_number":
            return self.address
        if self.kind == "whatsapp":
            return self.address.removeprefix(WHATSAPP_PREFIX)
        return None
