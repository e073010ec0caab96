"""A link-shortening domain (DN): its verification, certificate (CW) and config (ZK) in one item.

A domain item carries everything about one short-link host: the verification token, the installed
certificate's metadata (never the key), a certificate upload in progress, and the domain config.
Every change is a pure function of the current ``Domain``; the repository writes it with an
optimistic version check, so concurrent requests cannot lose each other's updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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
    expires_at: datetime | None = None
    """When an unverified registration lapses (``domainVerificationDays`` after it was made); None
    once verified. An expired registration is gone for its account (404) and frees the name for it."""

    @property
    def verified(self) -> bool:
        return self.date_verified is not None

    def lapsed(self, now: datetime) -> bool:
        """An unverified registration past its ``expires_at`` (DynamoDB's TTL deletes it days late)."""
        return not self.verified and self.expires_at is not None and self.expires_at <= now

    @property
    def verification_record_name(self) -> str:
        return VERIFICATION_RECORD_PREFIX + self.domain_name

    @property
    def verification_record_value(self) -> str:
        return VERIFICATION_VALUE_PREFIX + self.verification_token


def dns_target(domain: Domain, default_target: str | None) -> str | None:
    """Where the customer's CNAME must point: the domain's own API Gateway target once it exists."""
    return domain.target_host or default_target
