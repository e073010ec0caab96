"""The daily certificate check: which installed certificates expire soon (30131) or have expired (30102)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from brandlink.core.common.dates import iso8601
from brandlink.core.common.errors import ErrorCode
from brandlink.core.domains.model import Domain
from brandlink.core.domains.repository import DomainGone, DomainRepository


class Alerts(Protocol):
    """The operators' alerts topic."""

    def publish(self, subject: str, message: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class ExpiryFinding:
    code: ErrorCode  # 30131 expires within the window, 30102 expired
    domain_sid: str
    account_sid: str
    domain_name: str
    certificate_sid: str
    not_after: datetime
    days_left: int

    def sentence(self) -> str:
        if self.code == ErrorCode.CERTIFICATE_EXPIRED:
            return (
                f"The certificate of {self.domain_name} ({self.domain_sid}) expired on {iso8601(self.not_after)}; "
                "links on it are no longer shortened (30102) until a renewed certificate is uploaded."
            )
        return (
            f"The certificate of {self.domain_name} ({self.domain_sid}) expires on {iso8601(self.not_after)}, "
            f"in {self.days_left} days; upload a renewed certificate before then."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.sentence(),
            "domain_sid": self.domain_sid,
            "account_sid": self.account_sid,
            "domain_name": self.domain_name,
            "certificate_sid": self.certificate_sid,
            "date_expires": iso8601(self.not_after),
            "days_left": self.days_left,
        }


def find_expiring(domains: Iterable[Domain], now: datetime, window_days: int) -> list[ExpiryFinding]:
    """Installed certificates that expired (30102) or expire within ``window_days`` (30131)."""
    findings = []
    horizon = now + timedelta(days=window_days)
    for domain in domains:
        record = domain.certificate
        installed = record.installed if record else None
        if record is None or installed is None or installed.not_after > horizon:
            continue
        expired = installed.not_after <= now
        findings.append(
            ExpiryFinding(
                code=ErrorCode.CERTIFICATE_EXPIRED if expired else ErrorCode.CERTIFICATE_EXPIRES_SOON,
                domain_sid=domain.sid,
                account_sid=domain.account_sid,
                domain_name=domain.domain_name,
                certificate_sid=record.sid,
                not_after=installed.not_after,
                days_left=max(0, (installed.not_after - now).days),
            )
        )
    return findings


def mark_expired(repo: DomainRepository, finding: ExpiryFinding) -> bool:
    """Flag the installed certificate as expired (the send path then fails with 30102); False when it
    was replaced or removed meanwhile, or already flagged."""
    changed = False

    def flag(domain: Domain) -> Domain:
        nonlocal changed
        record = domain.certificate
        installed = record.installed if record else None
        if record is None or installed is None or installed.expired or installed.not_after != finding.not_after:
            changed = False
            return domain
        changed = True
        return replace(domain, certificate=replace(record, installed=replace(installed, expired=True)))

    try:
        repo.update(finding.domain_sid, flag)
    except DomainGone:
        return False
    return changed
