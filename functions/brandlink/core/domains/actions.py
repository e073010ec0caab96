"""What can be done with domains: register, fetch, list, verify (TXT), check DNS, delete."""

from __future__ import annotations

import secrets
from dataclasses import replace

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.domains.dns_check import DnsResolver, verify_txt_record
from brandlink.core.domains.model import Domain
from brandlink.core.domains.names import is_local_name, normalize_domain_name
from brandlink.core.domains.repository import DomainGone, DomainNameTaken, DomainRepository


def canonical_domain_sid(raw: str) -> str:
    """``DN`` + lower-case hex for a path SID matching ``^DN[0-9a-fA-F]{32}$``, else 30100."""
    sid = sids.canonical(raw, "DN")
    if sid is None:
        raise TwilioError(
            ErrorCode.INVALID_DOMAIN_SID,
            f"{raw!r} is not a domain SID: use the DN followed by 32 hex characters "
            "returned when the domain was created.",
        )
    return sid


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
