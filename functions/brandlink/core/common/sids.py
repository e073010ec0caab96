"""Twilio-style SIDs: a two-letter prefix and 32 lowercase hex characters."""

from __future__ import annotations

import re
import secrets

_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


def new_sid(prefix: str) -> str:
    """Mint a fresh SID such as ``new_sid("AC")``; 128 random bits make collisions negligible."""
    if len(prefix) != 2 or not prefix.isalpha() or not prefix.isupper():
        raise ValueError(f"SID prefix must be two upper-case letters, got {prefix!r}")
    return prefix + secrets.token_hex(16)


def is_sid(value: str | None, prefix: str, *, case_insensitive: bool = False) -> bool:
    """True when ``value`` is a well-formed SID with ``prefix``.

    Path SIDs of the link-shortening endpoints accept upper-case hex as Twilio does
    (``^DN[0-9a-fA-F]{32}$``); pass ``case_insensitive=True`` for those.
    """
    if not value or len(value) != 34 or not value.startswith(prefix):
        return False
    body = value[2:].lower() if case_insensitive else value[2:]
    return bool(_SID_RE.match(prefix + body))


def canonical(value: str, prefix: str) -> str | None:
    """``prefix`` + lower-case hex for a well-formed SID whose hex is in either case, else ``None``.

    Twilio's path and parameter patterns accept ``^MG[0-9a-fA-F]{32}$``; Brandlink stores lower case.
    """
    return prefix + value[2:].lower() if is_sid(value, prefix, case_insensitive=True) else None
