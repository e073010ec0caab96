"""What can be done with domains: register, fetch, list, verify (TXT), check DNS, delete; upload and
remove their certificate, change their config and the messaging services that use it."""

from __future__ import annotations

import secrets
from datetime import timedelta

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, PageSigner, list_page
from brandlink.core.domains.certificate_install import job_body, removal_jobs, remove_certificate, upload_certificate
from brandlink.core.domains.config import attach_service, detach_service, parse_change, parse_service_sid, save_change
from brandlink.core.domains.dns_check import DnsResolver, RoutingCheck, check_routing, verify_txt_record
from brandlink.core.domains.model import Domain, dns_target
from brandlink.core.domains.names import is_local_name, normalize_domain_name
from brandlink.core.domains.ports import DomainPorts
from brandlink.core.domains.repository import DomainGone, DomainNameTaken, DomainRepository, NameHeldElsewhere

DEFAULT_VERIFICATION_DAYS = 7
"""How long an unverified registration lives (the ``domainVerificationDays`` knob's default)."""


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
    """The caller's domain; another account's, a missing or a lapsed one is 20404 (existence never leaks)."""
    sid = canonical_domain_sid(raw_sid)
    domain = repo.get(sid)
    if domain is None or domain.account_sid != account_sid or domain.lapsed(utcnow()):
        raise TwilioError.not_found(f"Domain {sid}")
    return domain


def register_domain(
    repo: DomainRepository,
    account_sid: str,
    raw_name: str | None,
    *,
    local_mode: bool,
    verification_days: int = DEFAULT_VERIFICATION_DAYS,
) -> Domain:
    """Register a name for this account only: nothing is claimed deployment-wide before verification.

    Any number of accounts may hold an unverified registration of the same name (so nobody can
    squat a name another account owns); each lapses after ``verification_days`` unless verified, and
    the first account to verify the name holds it. Nothing here depends on, or tells, whether another
    account registered or verified the name. In local mode a ``.localhost`` name is verified at once
    (nobody can publish a TXT record for it), unless another account verified it first.
    """
    name = normalize_domain_name(raw_name, local_mode=local_mode)
    now = utcnow()
    domain = Domain(
        sid=sids.new_sid("DN"),
        account_sid=account_sid,
        domain_name=name,
        verification_token=secrets.token_hex(16),
        date_created=now,
        date_updated=now,
        expires_at=now + timedelta(days=verification_days),
    )
    try:
        repo.add(domain)
    except DomainNameTaken as taken:
        raise TwilioError.invalid_parameter(
            "DomainName", f"{name} is already registered in this account as {taken.owner_domain_sid}."
        ) from None
    if local_mode and is_local_name(name):
        try:
            return repo.mark_verified(domain, now)
        except NameHeldElsewhere:
            return domain  # stays unverified and lapses, as an unverifiable name does anywhere
    return domain


def _not_verified(domain: Domain, problem: str) -> TwilioError:
    return TwilioError(ErrorCode.DOMAIN_UNVERIFIED, f"Domain {domain.domain_name} is not verified: {problem}")


def verify_domain(repo: DomainRepository, domain: Domain, resolver: DnsResolver) -> Domain:
    """Check the TXT record now, then claim the name; the verified domain, else 30101.

    The TXT check's failures say what was found. When the record is right but another domain already
    verified the name, the answer is a neutral 30101 that names nobody: a TXT record can be
    published for several accounts, and the first to verify holds the name.
    """
    if domain.verified:
        return domain
    problem = verify_txt_record(resolver, domain.verification_record_name, domain.verification_record_value)
    if problem is not None:
        raise _not_verified(domain, problem)
    try:
        return repo.mark_verified(domain, utcnow())
    except DomainGone:
        raise TwilioError.not_found(f"Domain {domain.sid}") from None
    except NameHeldElsewhere:
        raise _not_verified(
            domain,
            "its TXT record was found, but the name cannot be verified for this account; "
            "if you control the domain, ask the Brandlink operator to look into it.",
        ) from None


def list_domains(repo: DomainRepository, account_sid: str, params: Form, signer: PageSigner) -> Listing[Domain]:
    return list_page(lambda request: repo.page(account_sid, request), params, signer)


def delete_domain(ports: DomainPorts, account_sid: str, raw_sid: str) -> None:
    """Delete the domain with its config and certificate; the worker removes what ACM and API Gateway hold."""
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    deleted = ports.domains.delete(domain.sid)
    if deleted is None:
        raise TwilioError.not_found(f"Domain {domain.sid}")
    for job in removal_jobs(deleted):
        ports.certificate_jobs().send(job_body(job))


def verify_owned_domain(ports: DomainPorts, account_sid: str, raw_sid: str) -> Domain:
    return verify_domain(ports.domains, owned_domain(ports.domains, account_sid, raw_sid), ports.dns())


def validate_dns(
    ports: DomainPorts, account_sid: str, raw_sid: str, *, local_mode: bool, default_target: str | None
) -> tuple[Domain, RoutingCheck]:
    """Whether the domain's DNS leads to this deployment's redirect endpoint.

    In local mode a ``*.localhost`` name is loopback, which the local redirect listener serves.
    """
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    if local_mode and is_local_name(domain.domain_name):
        return domain, RoutingCheck(True, None)
    return domain, check_routing(ports.dns(), domain.domain_name, dns_target(domain, default_target))


def upload_domain_certificate(
    ports: DomainPorts, account_sid: str, raw_sid: str, form: Form, *, allow_self_signed: bool
) -> tuple[Domain, bool]:
    """``POST …/Certificate``: an unverified domain is verified first (its TXT record checked now)."""
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    tls_cert = form.get("TlsCert")
    if not domain.verified:
        domain = verify_domain(ports.domains, domain, ports.dns())
    return upload_certificate(
        ports.domains, ports.sealer(), ports.certificate_jobs(), domain, tls_cert, allow_self_signed=allow_self_signed
    )


def delete_domain_certificate(ports: DomainPorts, account_sid: str, raw_sid: str) -> None:
    remove_certificate(ports.domains, ports.certificate_jobs(), owned_domain(ports.domains, account_sid, raw_sid))


def update_domain_config(
    ports: DomainPorts, account_sid: str, raw_sid: str, form: Form, *, allow_private: bool
) -> tuple[Domain, bool]:
    """``POST …/Config``: every parameter checked, then one transaction; True when the config is new."""
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    change = parse_change(form, domain.account_sid, ports.service_exists, allow_private=allow_private)
    return save_change(ports.domains, domain, change)


def attach_domain_service(
    ports: DomainPorts, account_sid: str, raw_sid: str, raw_service_sid: str
) -> tuple[Domain, str]:
    """Let an existing messaging service of the account shorten links with this domain."""
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    sid = parse_service_sid(raw_service_sid)
    if not ports.service_exists(domain.account_sid, sid):
        raise TwilioError.not_found(f"Messaging Service {sid}")
    attach_service(ports.domains, domain, sid)
    return domain, sid


def detach_domain_service(ports: DomainPorts, account_sid: str, raw_sid: str, raw_service_sid: str) -> None:
    domain = owned_domain(ports.domains, account_sid, raw_sid)
    detach_service(ports.domains, domain, parse_service_sid(raw_service_sid))


def domain_of_service(repo: DomainRepository, account_sid: str, raw_service_sid: str) -> tuple[str, Domain]:
    """The caller's service and the domain whose config it belongs to, else 20404."""
    sid = parse_service_sid(raw_service_sid)
    owner = repo.domain_sid_of_service(sid)
    domain = repo.get(owner[1]) if owner is not None and owner[0] == account_sid else None
    if domain is None or domain.account_sid != account_sid or domain.lapsed(utcnow()):
        raise TwilioError.not_found(f"A link-shortening domain for Messaging Service {sid}")
    return sid, domain


def migrate_domains(repo: DomainRepository, verification_days: int) -> list[tuple[str, str, str]]:
    """``brandlink migrate-domains``: domains registered when a name was claimed at registration.

    A verified domain keeps its deployment-wide claim (``verified_claimed``: the claim is completed
    with its account). An unverified one releases the claim it took at registration
    (``unverified_released``; ``unverified_expiring`` when it held none) and lapses
    ``verification_days`` from now unless verified. Returns ``(domain_sid, name, outcome)`` rows;
    running it again changes nothing (``already_migrated``).
    """
    expires_at = utcnow() + timedelta(days=verification_days)
    return [(d.sid, d.domain_name, repo.adopt_registration(d, expires_at)) for d in repo.all()]
