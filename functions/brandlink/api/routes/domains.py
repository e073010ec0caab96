"""``/v1/LinkShortening``: domains (Brandlink's addition), certificates, domain config, services."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import (
    base_url,
    current_account,
    form,
    json_response,
    no_content,
    page_signer,
    policy,
    query,
)
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
from brandlink.core.common.paging import envelope_v1
from brandlink.core.common.urls import MAX_URL_LENGTH
from brandlink.core.domains import actions
from brandlink.core.domains.model import DOMAIN_PATH, Domain
from brandlink.core.domains.names import MAX_NAME_LENGTH
from brandlink.core.domains.render import (
    association_resource,
    certificate_resource,
    config_resource,
    dns_validation_resource,
    domain_resource,
    domain_url,
    service_config_resource,
)

router = DocumentedRouter()

DOMAINS = DOMAIN_PATH
DOMAIN = DOMAINS + "/{DomainSid}"
DOMAIN_TAG = "BrandlinkDomain"
CERT_TAG = "MessagingV1DomainCertV4"
CONFIG_TAG = "MessagingV1DomainConfig"
SERVICE_TAG = "MessagingV1LinkshorteningMessagingService"
CONFIG = "messaging.v1.domain_config"
CERTIFICATE = "messaging.v1.domain_cert_v4"
ASSOCIATION = "messaging.v1.linkshortening_messaging_service"


def _account_sid() -> str:
    return current_account(router).sid


def _domain_json(domain: Domain) -> dict[str, object]:
    return domain_resource(domain, base_url(router), policy().redirect_target)


def _association_url(domain_sid: str, service_sid: str) -> str:
    return f"{domain_url(base_url(router), domain_sid)}/MessagingServices/{service_sid}"


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
def create_domain() -> Response[str]:
    domain = actions.register_domain(
        wiring.domains(),
        _account_sid(),
        form(router).get("DomainName"),
        local_mode=policy().local_mode,
        verification_days=policy().domain_verification_days,
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
def list_domains() -> Response[str]:
    listing = actions.list_domains(wiring.domains(), _account_sid(), query(router), page_signer(router))
    result = listing.rendered(_domain_json)
    return json_response(envelope_v1(base_url(router), DOMAINS, "domains", listing.request, result))


@router.operation(
    Operation(
        "GET", DOMAIN, "FetchDomain", "Fetch a domain.", DOMAIN_TAG, {200: "brandlink.domain"}, brandlink_addition=True
    )
)
def fetch_domain(domain_sid: str) -> Response[str]:
    return json_response(_domain_json(actions.owned_domain(wiring.domains(), _account_sid(), domain_sid)))


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
def delete_domain(domain_sid: str) -> Response[str]:
    actions.delete_domain(wiring.domain_ports(), _account_sid(), domain_sid)
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
def verify_domain(domain_sid: str) -> Response[str]:
    return json_response(_domain_json(actions.verify_owned_domain(wiring.domain_ports(), _account_sid(), domain_sid)))


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
def validate_dns(domain_sid: str) -> Response[str]:
    current = policy()
    domain, check = actions.validate_dns(
        wiring.domain_ports(),
        _account_sid(),
        domain_sid,
        local_mode=current.local_mode,
        default_target=current.redirect_target,
    )
    return json_response(dns_validation_resource(domain, check, base_url(router)))


# --- certificate -------------------------------------------------------------------------------


@router.operation(
    Operation(
        "GET", DOMAIN + "/Certificate", "FetchDomainCertV4", "Fetch the certificate.", CERT_TAG, {200: CERTIFICATE}
    )
)
def fetch_certificate(domain_sid: str) -> Response[str]:
    domain = actions.owned_domain(wiring.domains(), _account_sid(), domain_sid)
    return json_response(certificate_resource(domain, base_url(router)))


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
def upload_certificate(domain_sid: str) -> Response[str]:
    stored, first = actions.upload_domain_certificate(
        wiring.domain_ports(),
        _account_sid(),
        domain_sid,
        form(router),
        allow_self_signed=policy().allow_self_signed_certificates,
    )
    return json_response(certificate_resource(stored, base_url(router)), 201 if first else 200)


@router.operation(
    Operation("DELETE", DOMAIN + "/Certificate", "DeleteDomainCertV4", "Remove the certificate.", CERT_TAG, {204: None})
)
def delete_certificate(domain_sid: str) -> Response[str]:
    actions.delete_domain_certificate(wiring.domain_ports(), _account_sid(), domain_sid)
    return no_content()


# --- config and messaging services -------------------------------------------------------------


@router.operation(
    Operation("GET", DOMAIN + "/Config", "FetchDomainConfig", "Fetch the domain's config.", CONFIG_TAG, {200: CONFIG})
)
def fetch_config(domain_sid: str) -> Response[str]:
    domain = actions.owned_domain(wiring.domains(), _account_sid(), domain_sid)
    return json_response(config_resource(domain, base_url(router)))


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
def update_config(domain_sid: str) -> Response[str]:
    stored, created = actions.update_domain_config(
        wiring.domain_ports(), _account_sid(), domain_sid, form(router), allow_private=policy().allow_private_urls
    )
    return json_response(config_resource(stored, base_url(router)), 201 if created else 200)


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
def attach_service(domain_sid: str, messaging_service_sid: str) -> Response[str]:
    domain, sid = actions.attach_domain_service(
        wiring.domain_ports(), _account_sid(), domain_sid, messaging_service_sid
    )
    return json_response(association_resource(domain.sid, sid, _association_url(domain.sid, sid)), 201)


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
def detach_service(domain_sid: str, messaging_service_sid: str) -> Response[str]:
    actions.detach_domain_service(wiring.domain_ports(), _account_sid(), domain_sid, messaging_service_sid)
    return no_content()


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
def fetch_service_domain_config(messaging_service_sid: str) -> Response[str]:
    sid, domain = actions.domain_of_service(wiring.domains(), _account_sid(), messaging_service_sid)
    return json_response(service_config_resource(domain, sid, base_url(router)))


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
def fetch_service_domain(messaging_service_sid: str) -> Response[str]:
    sid, domain = actions.domain_of_service(wiring.domains(), _account_sid(), messaging_service_sid)
    url = f"{base_url(router)}/v1/LinkShortening/MessagingServices/{sid}/Domain"
    return json_response(association_resource(domain.sid, sid, url))
