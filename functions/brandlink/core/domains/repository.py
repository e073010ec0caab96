"""What the domains logic needs from storage (implemented by ``brandlink.store.domains``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.domains.model import Domain


class DomainNameTaken(Exception):
    """The account already has a live registration of this host name (``owner_domain_sid``)."""

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


class NameHeldElsewhere(Exception):
    """Another domain already holds the deployment-wide claim of this verified host name (never told
    to the caller: it would reveal another account's domain)."""


Mutation = Callable[[Domain], Domain]


class DomainRepository(Protocol):
    def add(self, domain: Domain) -> None:
        """Store a new domain and its per-account name claim; raises ``DomainNameTaken`` when the account
        already has a live registration of the name (a lapsed one is replaced). A domain that arrives
        verified (``.localhost`` in local mode) also takes the deployment-wide claim, or raises
        ``NameHeldElsewhere``."""
        ...

    def mark_verified(self, domain: Domain, date_verified: datetime) -> Domain:
        """Take the deployment-wide claim of the name and mark the domain verified, in one transaction;
        raises ``NameHeldElsewhere`` when another domain holds the claim, ``DomainGone`` when deleted."""
        ...

    def adopt_registration(self, domain: Domain, expires_at: datetime) -> str:
        """Bring a domain written before names were claimed on verification under the current rules
        (``brandlink migrate-domains``); returns what was done, see ``actions.migrate_domains``."""
        ...

    def verified_domain(self, domain_name: str) -> Domain | None:
        """The verified domain that holds ``domain_name`` deployment-wide (what a Host header resolves
        to); unverified registrations of the name by any account are never returned."""
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
