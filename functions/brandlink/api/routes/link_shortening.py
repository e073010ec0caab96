"""``/v1/LinkShortening``: domains (Brandlink's addition), certificates, domain config, services."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, form, json_response, no_content, query
from brandlink.config import settings
from brandlink.core import certificate_install, domain_config, domains, errors
from brandlink.core.dns_check import check_routing
from brandlink.core.domain_names import is_local_name
from brandlink.core.paging import PageRequest, PageResult, envelope_v1

router = Router()

DOMAINS = domains.DOMAIN_PATH
DOMAIN = DOMAINS + "/<domain_sid>"


def _owned(domain_sid: str) -> domains.Domain:
    return domains.owned_domain(deps.domains(), current_account(router).sid, domain_sid)


def _domain_json(domain: domains.Domain) -> dict[str, object]:
    return domains.domain_resource(domain, base_url(router), settings().redirect_target)


@router.post(DOMAINS)
def create_domain() -> Response:
    account = current_account(router)
    domain = domains.register_domain(
        deps.domains(), account.sid, form(router).get("DomainName"), local_mode=settings().is_local
    )
    return json_response(_domain_json(domain), 201)


@router.get(DOMAINS)
def list_domains() -> Response:
    account = current_account(router)
    request = PageRequest.from_form(query(router))
    page = deps.domains().page(account.sid, request)
    result = PageResult([_domain_json(d) for d in page.items], page.next_cursor, page.previous_cursor)
    return json_response(envelope_v1(base_url(router), DOMAINS, "domains", request, result))


@router.get(DOMAIN)
def fetch_domain(domain_sid: str) -> Response:
    return json_response(_domain_json(_owned(domain_sid)))


@router.delete(DOMAIN)
def delete_domain(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    deleted = deps.domains().delete(domain.sid)
    if deleted is None:
        raise errors.not_found(f"Domain {domain.sid}")
    for job in certificate_install.removal_jobs(deleted):
        deps.certificate_jobs().send(certificate_install.job_body(job))
    return no_content()


@router.post(DOMAIN + "/Verify")
def verify_domain(domain_sid: str) -> Response:
    domain = domains.verify_domain(deps.domains(), _owned(domain_sid), deps.dns_resolver())
    return json_response(_domain_json(domain))


@router.get(DOMAIN + "/ValidateDns")
def validate_dns(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    current = settings()
    if current.is_local and is_local_name(domain.domain_name):
        is_valid, reason = True, None  # *.localhost is loopback: the local redirect listener serves it
    else:
        check = check_routing(
            deps.dns_resolver(), domain.domain_name, domains.dns_target(domain, current.redirect_target)
        )
        is_valid, reason = check.is_valid, check.reason
    return json_response(
        {
            "domain_sid": domain.sid,
            "is_valid": is_valid,
            "reason": reason,
            "url": f"{domains.domain_url(base_url(router), domain.sid)}/ValidateDns",
        }
    )


# --- certificate -------------------------------------------------------------------------------


@router.get(DOMAIN + "/Certificate")
def fetch_certificate(domain_sid: str) -> Response:
    return json_response(certificate_install.certificate_resource(_owned(domain_sid), base_url(router)))


@router.post(DOMAIN + "/Certificate")
def upload_certificate(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    tls_cert = form(router).get("TlsCert")
    if not domain.verified:
        domain = domains.verify_domain(deps.domains(), domain, deps.dns_resolver())
    stored, first = certificate_install.upload_certificate(
        deps.domains(),
        deps.certificate_sealer(),
        deps.certificate_jobs(),
        domain,
        tls_cert,
        allow_self_signed=settings().is_local,
    )
    return json_response(certificate_install.certificate_resource(stored, base_url(router)), 201 if first else 200)


@router.delete(DOMAIN + "/Certificate")
def delete_certificate(domain_sid: str) -> Response:
    certificate_install.remove_certificate(deps.domains(), deps.certificate_jobs(), _owned(domain_sid))
    return no_content()


# --- config and messaging services -------------------------------------------------------------


def _service_exists(account_sid: str, service_sid: str) -> bool:
    return deps.services().get(account_sid, service_sid) is not None


@router.get(DOMAIN + "/Config")
def fetch_config(domain_sid: str) -> Response:
    return json_response(domain_config.config_resource(_owned(domain_sid), base_url(router)))


@router.post(DOMAIN + "/Config")
def update_config(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    change = domain_config.parse_change(
        form(router), domain.account_sid, _service_exists, allow_private=settings().is_local
    )
    stored, created = domain_config.save_change(deps.domains(), domain, change)
    return json_response(domain_config.config_resource(stored, base_url(router)), 201 if created else 200)


def _association_url(domain_sid: str, service_sid: str) -> str:
    return f"{domains.domain_url(base_url(router), domain_sid)}/MessagingServices/{service_sid}"


@router.post(DOMAIN + "/MessagingServices/<service_sid>")
def attach_service(domain_sid: str, service_sid: str) -> Response:
    domain = _owned(domain_sid)
    sid = domain_config.canonical_service_sid(service_sid)
    if not _service_exists(domain.account_sid, sid):
        raise errors.not_found(f"Messaging Service {sid}")
    domain_config.attach_service(deps.domains(), domain, sid)
    return json_response(domain_config.association_resource(domain.sid, sid, _association_url(domain.sid, sid)), 201)


@router.delete(DOMAIN + "/MessagingServices/<service_sid>")
def detach_service(domain_sid: str, service_sid: str) -> Response:
    domain = _owned(domain_sid)
    domain_config.detach_service(deps.domains(), domain, domain_config.canonical_service_sid(service_sid))
    return no_content()


def _domain_of_service(raw_service_sid: str) -> tuple[str, domains.Domain]:
    """The caller's service and the domain whose config it belongs to, else 20404."""
    sid = domain_config.canonical_service_sid(raw_service_sid)
    account = current_account(router)
    owner = deps.domains().domain_sid_of_service(sid)
    domain = deps.domains().get(owner[1]) if owner is not None and owner[0] == account.sid else None
    if domain is None or domain.account_sid != account.sid:
        raise errors.not_found(f"A link-shortening domain for Messaging Service {sid}")
    return sid, domain


@router.get("/v1/LinkShortening/MessagingService/<service_sid>/DomainConfig")
def fetch_service_domain_config(service_sid: str) -> Response:
    sid, domain = _domain_of_service(service_sid)
    return json_response(domain_config.service_config_resource(domain, sid, base_url(router)))


@router.get("/v1/LinkShortening/MessagingServices/<service_sid>/Domain")
def fetch_service_domain(service_sid: str) -> Response:
    sid, domain = _domain_of_service(service_sid)
    url = f"{base_url(router)}/v1/LinkShortening/MessagingServices/{sid}/Domain"
    return json_response(domain_config.association_resource(domain.sid, sid, url))
