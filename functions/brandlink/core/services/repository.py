"""What the services logic needs from storage (implemented by ``brandlink.store.services``).

``ServiceRepository.get(account_sid, sid)`` is what other features build on: a service with every
setting, or ``None`` (also for a service of another account or one being deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.services.model import MessagingService


class ServiceGone(Exception):
    """The service was deleted (or is being deleted) while the request ran."""


class ServiceRepository(Protocol):
    def add(self, service: MessagingService) -> None: ...

    def get(self, account_sid: str, sid: str) -> MessagingService | None: ...

    def save(self, service: MessagingService) -> None:
        """Store changed settings; raises ``ServiceGone`` when the service no longer exists."""
        ...

    def page(self, account_sid: str, request: PageRequest) -> Page[MessagingService]: ...

    def begin_delete(self, account_sid: str, sid: str) -> bool:
        """Mark the service as being deleted (hidden, closed to new pool entries); False if absent."""
        ...

    def finish_delete(self, account_sid: str, sid: str) -> None:
        """Remove the pool, the sticky-sender mappings and then the service itself."""
        ...


ServiceDeletionHook = Callable[[str, str], None]
"""Called with ``(account_sid, service_sid)`` while a service is deleted, after it is closed to changes."""
