"""Auth tokens: 32 hex characters from ``secrets``, stored only as salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brandlink.core.accounts.model import Account

# PBKDF2 with a modest count: tokens are 128-bit random, so the hash only needs to make a
# leaked table useless, not to slow guessing of a weak password; every API call verifies one.
_ITERATIONS = 1_000
_ALGORITHM = "sha256"


def derive_auth_token(master_key: bytes, account_sid: str, version: int) -> str:
    """The account's auth token: HMAC-SHA256(master key, "sid:version"), first 128 bits in hex.

    Webhook signatures need the token itself (Twilio signs with it), yet the tables keep only a
    salted hash. Deriving the token from a deployment secret (Secrets Manager in AWS) lets the
    functions that sign webhooks recompute it while no table, log or queue ever holds it;
    rotation bumps ``version``.
    """
    if len(master_key) < 32:
        raise ValueError("the token master key must be at least 32 bytes")
    message = f"{account_sid}:{version}".encode()
    return hmac.new(master_key, message, hashlib.sha256).hexdigest()[:32]


def signing_token(account: Account, master_key: bytes) -> str:
    """The auth token that signs this account's outgoing webhooks (``X-Twilio-Signature``).

    Here rather than with the account actions: the status-callback function signs and needs nothing else.
    """
    return derive_auth_token(master_key, account.sid, account.token_version)


def new_master_key() -> str:
    """A fresh master key (64 hex characters, used as its UTF-8 bytes) for local mode."""
    return secrets.token_hex(32)


def hash_token(token: str, salt: str | None = None) -> tuple[str, str]:
    """Return ``(salt_hex, hash_hex)`` for ``token``."""
    salt_hex = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac(_ALGORITHM, token.encode("utf-8"), bytes.fromhex(salt_hex), _ITERATIONS)
    return salt_hex, digest.hex()


def token_matches(token: str, salt_hex: str, hash_hex: str) -> bool:
    """Constant-time comparison of ``token`` against a stored salted hash."""
    _, candidate = hash_token(token, salt_hex)
    return hmac.compare_digest(candidate, hash_hex)


MASKED_TOKEN = "*" * 32
"""Shown in place of the token: Brandlink keeps only the hash, so it cannot show the token."""
