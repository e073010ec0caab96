"""Repositories used by the routes, created on first use (no I/O at import time)."""

from __future__ import annotations

from functools import lru_cache

from brandlink.core.accounts import AccountRepository
from brandlink.core.services import SenderRepository, ServiceDeletionHook, ServiceRepository


@lru_cache(maxsize=1)
def accounts() -> AccountRepository:
    from brandlink.store.accounts import DynamoAccountRepository

    return DynamoAccountRepository()


@lru_cache(maxsize=1)
def services() -> ServiceRepository:
    from brandlink.store.services import DynamoServiceRepository

    return DynamoServiceRepository()


@lru_cache(maxsize=1)
def senders() -> SenderRepository:
    from brandlink.store.services import DynamoSenderRepository

    return DynamoSenderRepository()


def service_deletion_hooks() -> tuple[ServiceDeletionHook, ...]:
    """Run while a messaging service is deleted, before its pool goes: each detaches it from elsewhere.

    The domains feature adds the hook that removes the service's ``service_domains`` row and its SID
    from the domain config's ``messaging_service_sids``.
    """
    return ()
