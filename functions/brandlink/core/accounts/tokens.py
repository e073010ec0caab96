"""Auth tokens: random per account, kept as a salted hash (login) and sealed under KMS (signing).

Twilio signs webhooks with the account's auth token, so Brandlink must be able to recover a token,
yet a leaked table must reveal none. Each token is therefore stored twice, written together:

* a salted PBKDF2 hash, checked in constant time on every API request;
* the token sealed by a ``TokenVault`` (KMS in AWS) under an encryption context naming the account
  (``{"account_sid": "AC…"}``): a sealed token opens only for that account, and only the functions
  that sign webhooks may open it.

No secret yields every token: each one is 128 random bits from ``secrets``. Deployments from before
derived tokens from one master key (``derive_auth_token``); that function is kept only to migrate
them (``brandlink migrate-tokens``) and, until then, to sign for accounts not yet migrated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from brandlink.core.accounts.model import Account

# PBKDF2 with a modest count: tokens are 128-bit random, so the hash only needs to make a
# leaked table useless, not to slow guessing of a weak password; every API call verifies one.
_ITERATIONS = 1_000
_ALGORITHM = "sha256"
ENCRYPTION_CONTEXT_KEY = "account_sid"
# Opened tokens kept per container: a batch of callbacks of one account costs one KMS call.
_CACHE_SIZE = 1024


class TokenUnavailable(Exception):
    """The account's token cannot be recovered for signing (not sealed, or the vault refused)."""


class TokenVault(Protocol):
    """Seals tokens for one account and opens them again (KMS ``Encrypt``/``Decrypt`` in AWS)."""

    def seal(self, account_sid: str, token: str) -> str:
        """The token encrypted under the context ``{"account_sid": account_sid}``, as text."""
        ...

    def open(self, account_sid: str, sealed: str) -> str:
        """The token, if ``sealed`` was sealed for ``account_sid``; raises ``TokenUnavailable``."""
        ...


def new_auth_token() -> str:
    """A fresh auth token: 32 hex characters (128 bits) from ``secrets``."""
    return secrets.token_hex(16)


def derive_auth_token(master_key: bytes, account_sid: str, version: int) -> str:
    """The token a deployment from before per-account secrets gave the account: the first 128 bits,
    in hex, of HMAC-SHA256(master key, "sid:version").

    Only ``brandlink migrate-tokens`` and the signing fallback for accounts not migrated yet use it.
    """
    if len(master_key) < 32:
        raise ValueError("the token master key must be at least 32 bytes")
    message = f"{account_sid}:{version}".encode()
    return hmac.new(master_key, message, hashlib.sha256).hexdigest()[:32]


def hash_token(token: str, salt: str | None = None) -> tuple[str, str]:
    """Return ``(salt_hex, hash_hex)`` for ``token``."""
    salt_hex = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac(_ALGORITHM, token.encode("utf-8"), bytes.fromhex(salt_hex), _ITERATIONS)
    return salt_hex, digest.hex()


def token_matches(token: str, salt_hex: str, hash_hex: str) -> bool:
    """Constant-time comparison of ``token`` against a stored salted hash."""
    _, candidate = hash_token(token, salt_hex)
    return hmac.compare_digest(candidate, hash_hex)


class SigningTokens:
    """The auth token that signs an account's outgoing webhooks (``X-Twilio-Signature``).

    Opens the sealed token (one vault call per account and token, then cached per container; a
    rotated token is a new ciphertext, so the cache never serves an old one). An account that has
    no sealed token yet (created before per-account secrets) is signed with the token derived from
    the old master key when ``legacy_master_key`` is given, else ``TokenUnavailable``.
    """

    def __init__(self, vault: Callable[[], TokenVault], legacy_master_key: Callable[[], bytes] | None = None) -> None:
        self._vault = vault
        self._legacy_master_key = legacy_master_key
        self._opened: OrderedDict[tuple[str, str], str] = OrderedDict()

    def for_account(self, account: Account) -> str:
        if account.token_sealed:
            key = (account.sid, account.token_sealed)
            token = self._opened.get(key)
            if token is None:
                token = self._vault().open(account.sid, account.token_sealed)
                self._opened[key] = token
                if len(self._opened) > _CACHE_SIZE:
                    self._opened.popitem(last=False)
            return token
        if self._legacy_master_key is not None:
            return derive_auth_token(self._legacy_master_key(), account.sid, account.token_version)
        raise TokenUnavailable(
            f"Account {account.sid} has no sealed auth token: run `brandlink migrate-tokens` (its token was "
            "derived from the old master key) or rotate its token."
        )


MASKED_TOKEN = "*" * 32
"""Shown in place of the token: Brandlink keeps only the hash, so it cannot show the token."""
