"""What the domains logic needs from storage (implemented by ``brandlink.store.domains``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.domains.model import Domain


class DomainNameTaken(Exception):
    """Another domain (``owner_domain_sid``) already holds this host name."""

    def __init__(self, owner_domain_sid: str | None) -> None:
        super().__init__(owner_domain_sid)
        self.owner_domain_sid = owner_domain_sid


class ServiceInOtherDomain(Exception):
    """A messaging service is already attached to another domain's config."""

    def __init__(self, service_sid: str, domain_sid: str | None) -> None:
        super().__init__(service_sid)
        self.service_sid = service_sid
        self.domain_sid = domain_sid


class ServiceUnavailable(Exception):
    """A messaging service to attach does not exist (any more) or is being deleted."""

    def __init__(self, service_sid: str) -> None:
        super().__init__(service_sid)
        self.service_sid = service_sid


class DomainGone(Exception):
    """The domain was deleted while the change was being made."""


Mutation = Callable[[Domain], Domain]


class DomainRepository(Protocol):
    def add(self, domain: Domain) -> None:
        """Store a new domain and claim its name; raises ``DomainNameTaken``."""
        ...

    def get(self, sid: str) -> Domain | None: ...

    def page(self, account_sid: str, request: PageRequest) -> Page[Domain]: ...

    def all(self) -> list[Domain]:
        """Every domain of the deployment (the daily certificate check)."""
        ...

    def update(self, sid: str, mutation: Mutation) -> Domain:
        """Apply ``mutation`` to the current domain and store it; re-reads and retries on a concurrent
        write. Raises ``DomainGone`` when the domain does not exist; exceptions of ``mutation`` propagate."""
        ...

    def update_config(self, sid: str, mutation: Mutation) -> Domain:
        """Like ``update``, and in the same transaction claim the config's new messaging services and
        release the removed ones; raises ``ServiceInOtherDomain`` or ``ServiceUnavailable`` (nothing
        written)."""
        ...

    def delete(self, sid: str) -> Domain | None:
        """Delete the domain, its name claim and its services' claims together; returns what was
        deleted (None when it did not exist)."""
        ...

    def domain_sid_of_service(self, service_sid: str) -> tuple[str, str] | None:
        """``(account_sid, domain_sid)`` of the config a messaging service belongs to, if any."""
        ...
