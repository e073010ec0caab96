"""Proving a number: a code sent to it through the delivery provider, typed back by the account.

A registration of a number the account does not hold is ``pending``. It gets a fresh 6-digit code
(kept as a salted hash) only when the code is sent: nobody holds the number and no code went to it
in the last minute (deployment-wide), so registrations cannot flood a handset, and no code exists
that no handset received (nothing to guess for a number someone else holds). Whether a code was
sent is never told, so nobody learns whether another account holds the number. The account then
posts the code (``…/IncomingPhoneNumbers/{PN}/Verify.json``): right, in time and within
``MAX_ATTEMPTS``, and the number is claimed for it — unless another account holds it, which fails
exactly like a wrong code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from brandlink.core.senders.model import PendingCode

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_INTERVAL_SECONDS = 60


class CodeSender(Protocol):
    """Hands a verification text to the deployment's delivery provider."""

    def send_code(self, to: str, body: str) -> None: ...


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _digest(code: str, salt: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + code.encode("ascii", "replace")).hexdigest()


def pending_code(code: str, now: datetime) -> PendingCode:
    salt = secrets.token_hex(16)
    return PendingCode(salt=salt, digest=_digest(code, salt), expires_at=now + CODE_LIFETIME)


def code_matches(pending: PendingCode | None, code: str, now: datetime) -> bool:
    """Constant-time check of ``code``; False when expired or after ``MAX_ATTEMPTS`` failures."""
    if pending is None or pending.attempts >= MAX_ATTEMPTS or now >= pending.expires_at:
        return False
    return hmac.compare_digest(_digest(code.strip(), pending.salt), pending.digest)


def code_text(address: str, code: str) -> str:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return f"Your Brandlink code to verify {address} is {code}. It expires in {minutes} minutes."
