"""What a slug looks like: 10 characters of ``[0-9A-Za-z]`` (how slugs are made: ``slugs.py``).

Its own module so that the redirect, which only checks the shape of a path before any read, does not
load the slug cipher and minter at its cold start.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SLUG_LENGTH = 10
SLUG_PATTERN = re.compile(r"[0-9A-Za-z]{10}")


def is_slug(text: str) -> bool:
    """True when ``text`` has the shape of a slug (the redirect can refuse others without a read)."""
    return SLUG_PATTERN.fullmatch(text) is not None
