"""Link-shortening domains (DN): registration, DNS verification, ownership, and the send-time check.

A domain item carries everything about one short-link host: the verification token, the installed
certificate's metadata (never the key), a certificate upload in progress, and the domain config.
Every change is a pure function of the current ``Domain``; the repository writes it with an
optimistic version check, so concurrent requests cannot lose each other's updates.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from brandlink.core.common import sids
from brandlink.core.common.dates import iso8601, utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.paging import PageRequest
from brandlink.core.dns_check import DnsResolver, verify_txt_record
from brandlink.core.domain_names import is_local_name, normalize_domain_name

VERIFICATION_RECORD_PREFIX = "_brandlink."
VERIFICATION_VALUE_PREFIX = "brandlink-verification="
DOMAIN_PATH = "/v1/LinkShortening/Domains"


@dataclass(frozen=True)
class InstalledCertificate:
    """The certificate serving the domain: in ACM, attached to the API Gateway custom domain."""

    acm_arn: str
    not_after: datetime
    fingerprint_sha256: str
    date_installed: datetime
    expired: bool = False


@dataclass(frozen=True)
class CertificateUpload:
    """A newly uploaded certificate on its way into ACM (``cert_in_validation``)."""

    upload_id: str
    status: Literal["pending", "failed"]
    not_after: datetime
    fingerprint_sha256: str
    date_uploaded: datetime
    error_code: int | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class CertificateRecord:
    """The domain's certificate resource (CW): the installed certificate and/or an upload in progress."""

    sid: str
    date_created: datetime
    date_updated: datetime
    installed: InstalledCertificate | None = None
    upload: CertificateUpload | None = None


@dataclass(frozen=True)
class DomainConfig:
    sid: str
    fallback_url: str | None
    callback_url: str | None
    continue_on_failure: bool
    disable_https: bool
    messaging_service_sids: tuple[str, ...]
    date_created: datetime
    date_updated: datetime


@dataclass(frozen=True)
class Domain:
    sid: str
    account_sid: str
    domain_name: str
    verification_token: str
    date_created: datetime
    date_updated: datetime
    date_verified: datetime | None = None
    target_host: str | None = None
    certificate: CertificateRecord | None = None
    config: DomainConfig | None = None
    version: int | None = None  # the stored version this object was read at; None before the first write

    @property
    def verified(self) -> bool:
        return self.date_verified is not None

    @property
    def verification_record_name(self) -> str:
        return VERIFICATION_RECORD_PREFIX + self.domain_name

    @property
    def verification_record_value(self) -> str:
        return VERIFICATION_VALUE_PREFIX + self.verification_token


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


@dataclass(frozen=True)
class DomainPage:
    items: list[Domain]
    next_cursor: dict[str, Any] | None = None
    previous_cursor: dict[str, Any] | None = None


Mutation = Callable[[Domain], Domain]


class DomainRepository(Protocol):
    def add(self, domain: Domain) -> None:
        """Store a new domain and claim its name; raises ``DomainNameTaken``."""
        ...

    def get(self, sid: str) -> Domain | None: ...

    def get_by_name(self, domain_name: str) -> Domain | None: ...

    def page(self, account_sid: str, request: PageRequest) -> DomainPage: ...

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


def canonical_domain_sid(raw: str) -> str:
    """``DN`` + lower-case hex for a path SID matching ``^DN[0-9a-fA-F]{32}$``, else 30100."""
    if not sids.is_sid(raw, "DN", case_insensitive=True):
        raise TwilioError(
            ErrorCode.INVALID_DOMAIN_SID,
            f"{raw!r} is not a domain SID: use the DN followed by 32 hex characters "
            "returned when the domain was created.",
        )
    return "DN" + raw[2:].lower()


def owned_domain(repo: DomainRepository, account_sid: str, raw_sid: str) -> Domain:
    """The caller's domain; another account's or a missing one is 20404 (existence never leaks)."""
    sid = canonical_domain_sid(raw_sid)
    domain = repo.get(sid)
    if domain is None or domain.account_sid != account_sid:
        raise TwilioError.not_found(f"Domain {sid}")
    return domain


def register_domain(repo: DomainRepository, account_sid: str, raw_name: str | None, *, local_mode: bool) -> Domain:
    name = normalize_domain_name(raw_name, local_mode=local_mode)
    now = utcnow()
    domain = Domain(
        sid=sids.new_sid("DN"),
        account_sid=account_sid,
        domain_name=name,
        verification_token=secrets.token_hex(16),
        date_created=now,
        date_updated=now,
        date_verified=now if local_mode and is_local_name(name) else None,
    )
    try:
        repo.add(domain)
    except DomainNameTaken as taken:
        owner = repo.get(taken.owner_domain_sid) if taken.owner_domain_sid else None
        if owner is not None and owner.account_sid == account_sid:
            raise TwilioError.invalid_parameter(
                "DomainName", f"{name} is already registered in this account as {owner.sid}."
            ) from None
        raise TwilioError.invalid_parameter(
            "DomainName", f"{name} is already registered by another account; each domain can be registered once."
        ) from None
    return domain


def verify_domain(repo: DomainRepository, domain: Domain, resolver: DnsResolver) -> Domain:
    """Check the TXT record now; the verified domain, else 30101 saying what was found."""
    if domain.verified:
        return domain
    problem = verify_txt_record(resolver, domain.verification_record_name, domain.verification_record_value)
    if problem is not None:
        raise TwilioError(ErrorCode.DOMAIN_UNVERIFIED, f"Domain {domain.domain_name} is not verified: {problem}")
    now = utcnow()
    try:
        return repo.update(domain.sid, lambda d: d if d.verified else replace(d, date_verified=now, date_updated=now))
    except DomainGone:
        raise TwilioError.not_found(f"Domain {domain.sid}") from None


def dns_target(domain: Domain, default_target: str | None) -> str | None:
    """Where the customer's CNAME must point: the domain's own API Gateway target once it exists."""
    return domain.target_host or default_target


def domain_url(base_url: str, sid: str) -> str:
    return f"{base_url}{DOMAIN_PATH}/{sid}"


def domain_resource(domain: Domain, base_url: str, default_target: str | None) -> dict[str, Any]:
    url = domain_url(base_url, domain.sid)
    target = dns_target(domain, default_target)
    return {
        "sid": domain.sid,
        "account_sid": domain.account_sid,
        "domain_name": domain.domain_name,
        "verified": domain.verified,
        "date_verified": iso8601(domain.date_verified),
        "verification": {
            "record_type": "TXT",
            "record_name": domain.verification_record_name,
            "record_value": domain.verification_record_value,
        },
        "dns_target": {"record_type": "CNAME", "record_name": domain.domain_name, "record_value": target},
        "certificate_sid": domain.certificate.sid if domain.certificate else None,
        "config_sid": domain.config.sid if domain.config else None,
        "date_created": iso8601(domain.date_created),
        "date_updated": iso8601(domain.date_updated),
        "url": url,
        "links": {
            "verify": f"{url}/Verify",
            "validate_dns": f"{url}/ValidateDns",
            "certificate": f"{url}/Certificate",
            "config": f"{url}/Config",
        },
    }


@dataclass(frozen=True)
class ShorteningDomain:
    """What the send path needs to shorten a message's links for a messaging service."""

    domain_sid: str
    domain_name: str
    config_sid: str
    fallback_url: str | None
    callback_url: str | None
    continue_on_failure: bool
    disable_https: bool

    @property
    def link_prefix(self) -> str:
        """``https://links.example.com/`` (without the scheme when ``DisableHttps`` is set)."""
        return f"{self.domain_name}/" if self.disable_https else f"https://{self.domain_name}/"


def shortening_domain_status(
    repo: DomainRepository, account_sid: str, service_sid: str, now: datetime | None = None
) -> ShorteningDomain:
    """The domain that shortens links for ``service_sid``, or the TwilioError the message fails with:
    30106 no domain config for the service (in this account), 30101 domain unverified,
    30107 no certificate installed, 30102 certificate expired."""
    owner = repo.domain_sid_of_service(service_sid)
    domain = repo.get(owner[1]) if owner is not None and owner[0] == account_sid else None
    if domain is None or domain.account_sid != account_sid or domain.config is None:
        raise TwilioError(
            ErrorCode.DOMAIN_NOT_SET_UP,
            f"Messaging service {service_sid} has no link-shortening domain: attach it with "
            "POST /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}.",
        )
    if not domain.verified:
        raise TwilioError(
            ErrorCode.DOMAIN_UNVERIFIED,
            f"Domain {domain.domain_name} is not verified: publish TXT {domain.verification_record_name} "
            f"and call POST {DOMAIN_PATH}/{domain.sid}/Verify.",
        )
    installed = domain.certificate.installed if domain.certificate else None
    if installed is None:
        raise TwilioError(
            ErrorCode.NO_CERTIFICATE,
            f"Domain {domain.domain_name} has no installed certificate: "
            f"upload one to {DOMAIN_PATH}/{domain.sid}/Certificate.",
        )
    if installed.expired or installed.not_after <= (now or utcnow()):
        raise TwilioError(
            ErrorCode.CERTIFICATE_EXPIRED,
            f"The certificate of {domain.domain_name} expired on {iso8601(installed.not_after)}: upload a renewed one.",
        )
    config = domain.config
    return ShorteningDomain(
        domain_sid=domain.sid,
        domain_name=domain.domain_name,
        config_sid=config.sid,
        fallback_url=config.fallback_url,
        callback_url=config.callback_url,
        continue_on_failure=config.continue_on_failure,
        disable_https=config.disable_https,
    )
