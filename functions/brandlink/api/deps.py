"""Repositories used by the routes, created on first use (no I/O at import time)."""

from __future__ import annotations

from functools import lru_cache

from brandlink.core.accounts import AccountRepository


@lru_cache(maxsize=1)
def accounts() -> AccountRepository:
    from brandlink.store.accounts import DynamoAccountRepository

    return DynamoAccountRepository()
