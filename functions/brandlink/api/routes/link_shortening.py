"""``/v1/LinkShortening``: domains (Brandlink's addition), certificates, domain config, services."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, form, json_response, no_content, page_request
from brandlink.api.spec import (
    BOOLEAN,
    PAGE_PARAMS,
    STRING,
    DocumentedRouter,
    Operation,
    Param,
    enum,
    sid_schema,
    string_list,
)
from brandlink.config import settings
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.paging import PageResult, checked_page, envelope_v1
from brandlink.core.common.urls import MAX_URL_LENGTH
from brandlink.core.domains import actions as domains_actions
from brandlink.core.domains import certificate_install
from brandlink.core.domains import config as domain_config
from brandlink.core.domains import model as domains
from brandlink.core.domains import render as certificate_install_render
from brandlink.core.domains import render as domain_config_render
from brandlink.core.domains import render as domains_render
from brandlink.core.domains.dns_check import check_routing
from brandlink.core.domains.names import MAX_NAME_LENGTH, is_local_name

router = DocumentedRouter()

DOMAINS = domains.DOMAIN_PATH
DOMAIN = DOMAINS + "/{DomainSid}"
DOMAIN_TAG = "BrandlinkDomain"
CERT_TAG = "MessagingV1DomainCertV4"
CONFIG_TAG = "MessagingV1DomainConfig"
SERVICE_TAG = "MessagingV1LinkshorteningMessagingService"
CONFIG = "messaging.v1.domain_config"
CERTIFICATE = "messaging.v1.domain_cert_v4"
ASSOCIATION = "messaging.v1.linkshortening_messaging_service"


def _owned(domain_sid: str) -> domains.Domain:
    return domains_actions.owned_domain(deps.domains(), current_account(router).sid, domain_sid)


def _domain_json(domain: domains.Domain) -> dict[str, object]:
    return domains_render.domain_resource(domain, base_url(router), settings().redirect_target)


@router.operation(
    Operation(
        "POST",
        DOMAINS,
        "CreateDomain",
        "Register a domain to shorten links with; verify it (TXT), point it here (CNAME), upload a certificate.",
        DOMAIN_TAG,
        {201: "brandlink.domain"},
        form=(
            Param(
                "DomainName",
                {"type": "string", "maxLength": MAX_NAME_LENGTH},
                "The host name, e.g. links.example.com.",
                required=True,
            ),
        ),
        brandlink_addition=True,
    )
)
def create_domain() -> Response:
    account = current_account(router)
    domain = domains_actions.register_domain(
        deps.domains(), account.sid, form(router).get("DomainName"), local_mode=settings().is_local
    )
    return json_response(_domain_json(domain), 201)


@router.operation(
    Operation(
        "GET",
        DOMAINS,
        "ListDomain",
        "List the account's link-shortening domains.",
        DOMAIN_TAG,
        {200: "ListDomainResponse"},
        query=PAGE_PARAMS,
        brandlink_addition=True,
    )
)
def list_domains() -> Response:
    account = current_account(router)
    request = page_request(router)
    page = checked_page(lambda: deps.domains().page(account.sid, request))
    result = PageResult([_domain_json(d) for d in page.items], page.next_cursor, page.previous_cursor)
    return json_response(envelope_v1(base_url(router), DOMAINS, "domains", request, result))


@router.operation(
    Operation(
        "GET", DOMAIN, "FetchDomain", "Fetch a domain.", DOMAIN_TAG, {200: "brandlink.domain"}, brandlink_addition=True
    )
)
def fetch_domain(domain_sid: str) -> Response:
    return json_response(_domain_json(_owned(domain_sid)))


@router.operation(
    Operation(
        "DELETE",
        DOMAIN,
        "DeleteDomain",
        "Delete a domain, its config and its certificate.",
        DOMAIN_TAG,
        {204: None},
        brandlink_addition=True,
    )
)
def delete_domain(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    deleted = deps.domains().delete(domain.sid)
    if deleted is None:
        raise TwilioError.not_found(f"Domain {domain.sid}")
    for job in certificate_install.removal_jobs(deleted):
        deps.certificate_jobs().send(certificate_install.job_body(job))
    return no_content()


@router.operation(
    Operation(
        "POST",
        DOMAIN + "/Verify",
        "VerifyDomain",
        "Check the domain's TXT record now; a verified domain stays verified.",
        DOMAIN_TAG,
        {200: "brandlink.domain"},
        brandlink_addition=True,
    )
)
def verify_domain(domain_sid: str) -> Response:
    domain = domains_actions.verify_domain(deps.domains(), _owned(domain_sid), deps.dns_resolver())
    return json_response(_domain_json(domain))


@router.operation(
    Operation(
        "GET",
        DOMAIN + "/ValidateDns",
        "FetchDomainDnsValidation",
        "Check that the domain's DNS points at Brandlink's redirect endpoint.",
        "MessagingV1DomainDnsValidation",
        {200: "messaging.v1.domain_dns_validation"},
    )
)
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
            "url": f"{domains_render.domain_url(base_url(router), domain.sid)}/ValidateDns",
        }
    )


# --- certificate -------------------------------------------------------------------------------


@router.operation(
    Operation(
        "GET", DOMAIN + "/Certificate", "FetchDomainCertV4", "Fetch the certificate.", CERT_TAG, {200: CERTIFICATE}
    )
)
def fetch_certificate(domain_sid: str) -> Response:
    return json_response(certificate_install_render.certificate_resource(_owned(domain_sid), base_url(router)))


@router.operation(
    Operation(
        "POST",
        DOMAIN + "/Certificate",
        "UpdateDomainCertV4",
        "Upload the certificate (chain) and private key, PEM; installed in the background. 201 first, 200 after.",
        CERT_TAG,
        {201: CERTIFICATE, 200: CERTIFICATE},
        form=(
            Param(
                "TlsCert",
                STRING,
                "PEM certificate, its chain, then the PKCS#8 private key (64 KiB at most).",
                required=True,
            ),
        ),
    )
)
def upload_certificate(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    tls_cert = form(router).get("TlsCert")
    if not domain.verified:
        domain = domains_actions.verify_domain(deps.domains(), domain, deps.dns_resolver())
    stored, first = certificate_install.upload_certificate(
        deps.domains(),
        deps.certificate_sealer(),
        deps.certificate_jobs(),
        domain,
        tls_cert,
        allow_self_signed=settings().is_local,
    )
    return json_response(
        certificate_install_render.certificate_resource(stored, base_url(router)), 201 if first else 200
    )


@router.operation(
    Operation("DELETE", DOMAIN + "/Certificate", "DeleteDomainCertV4", "Remove the certificate.", CERT_TAG, {204: None})
)
def delete_certificate(domain_sid: str) -> Response:
    certificate_install.remove_certificate(deps.domains(), deps.certificate_jobs(), _owned(domain_sid))
    return no_content()


# --- config and messaging services -------------------------------------------------------------


def _service_exists(account_sid: str, service_sid: str) -> bool:
    return deps.services().get(account_sid, service_sid) is not None


@router.operation(
    Operation("GET", DOMAIN + "/Config", "FetchDomainConfig", "Fetch the domain's config.", CONFIG_TAG, {200: CONFIG})
)
def fetch_config(domain_sid: str) -> Response:
    return json_response(domain_config_render.config_resource(_owned(domain_sid), base_url(router)))


@router.operation(
    Operation(
        "POST",
        DOMAIN + "/Config",
        "UpdateDomainConfig",
        "Create or change the domain's config; 201 the first time, 200 after.",
        CONFIG_TAG,
        {201: CONFIG, 200: CONFIG},
        form=(
            Param("FallbackUrl", {"type": "string", "maxLength": MAX_URL_LENGTH}, "Where unknown links redirect."),
            Param("CallbackUrl", {"type": "string", "maxLength": MAX_URL_LENGTH}, "Where click events are POSTed."),
            Param("ContinueOnFailure", BOOLEAN, "Send the message unshortened when shortening fails."),
            Param("DisableHttps", BOOLEAN, "Short links without https://."),
            Param("MessagingServiceSids", string_list(sid_schema("MG")), "Services to add, delete or replace."),
            Param(
                "MessagingServiceSidsAction",
                enum("add", "delete", "replace"),
                "What to do with MessagingServiceSids; required with them.",
            ),
        ),
    )
)
def update_config(domain_sid: str) -> Response:
    domain = _owned(domain_sid)
    change = domain_config.parse_change(
        form(router), domain.account_sid, _service_exists, allow_private=settings().is_local
    )
    stored, created = domain_config.save_change(deps.domains(), domain, change)
    return json_response(domain_config_render.config_resource(stored, base_url(router)), 201 if created else 200)


def _association_url(domain_sid: str, service_sid: str) -> str:
    return f"{domains_render.domain_url(base_url(router), domain_sid)}/MessagingServices/{service_sid}"


@router.operation(
    Operation(
        "POST",
        DOMAIN + "/MessagingServices/{MessagingServiceSid}",
        "CreateLinkshorteningMessagingService",
        "Let a messaging service shorten links with this domain.",
        SERVICE_TAG,
        {201: ASSOCIATION},
    )
)
def attach_service(domain_sid: str, messaging_service_sid: str) -> Response:
    domain = _owned(domain_sid)
    sid = domain_config.parse_service_sid(messaging_service_sid)
    if not _service_exists(domain.account_sid, sid):
        raise TwilioError.not_found(f"Messaging Service {sid}")
    domain_config.attach_service(deps.domains(), domain, sid)
    return json_response(
        domain_config_render.association_resource(domain.sid, sid, _association_url(domain.sid, sid)), 201
    )


@router.operation(
    Operation(
        "DELETE",
        DOMAIN + "/MessagingServices/{MessagingServiceSid}",
        "DeleteLinkshorteningMessagingService",
        "Stop a messaging service shortening links with this domain.",
        SERVICE_TAG,
        {204: None},
    )
)
def detach_service(domain_sid: str, messaging_service_sid: str) -> Response:
    domain = _owned(domain_sid)
    domain_config.detach_service(deps.domains(), domain, domain_config.parse_service_sid(messaging_service_sid))
    return no_content()


def _domain_of_service(raw_service_sid: str) -> tuple[str, domains.Domain]:
    """The caller's service and the domain whose config it belongs to, else 20404."""
    sid = domain_config.parse_service_sid(raw_service_sid)
    account = current_account(router)
    owner = deps.domains().domain_sid_of_service(sid)
    domain = deps.domains().get(owner[1]) if owner is not None and owner[0] == account.sid else None
    if domain is None or domain.account_sid != account.sid:
        raise TwilioError.not_found(f"A link-shortening domain for Messaging Service {sid}")
    return sid, domain


@router.operation(
    Operation(
        "GET",
        "/v1/LinkShortening/MessagingService/{MessagingServiceSid}/DomainConfig",
        "FetchDomainConfigMessagingService",
        "Fetch the config of the domain a messaging service shortens links with.",
        CONFIG_TAG,
        {200: "messaging.v1.domain_config_messaging_service"},
    )
)
def fetch_service_domain_config(messaging_service_sid: str) -> Response:
    sid, domain = _domain_of_service(messaging_service_sid)
    return json_response(domain_config_render.service_config_resource(domain, sid, base_url(router)))


@router.operation(
    Operation(
        "GET",
        "/v1/LinkShortening/MessagingServices/{MessagingServiceSid}/Domain",
        "FetchLinkshorteningMessagingServiceDomainAssociation",
        "Fetch which domain a messaging service shortens links with.",
        SERVICE_TAG,
        {200: "messaging.v1.linkshortening_messaging_service_domain_association"},
    )
)
def fetch_service_domain(messaging_service_sid: str) -> Response:
    sid, domain = _domain_of_service(messaging_service_sid)
    url = f"{base_url(router)}/v1/LinkShortening/MessagingServices/{sid}/Domain"
    return json_response(domain_config_render.association_resource(domain.sid, sid, url))
