"""The link-shortening resources: domain, DNS validation, certificate, config, service association."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.dates import iso8601
from brandlink.core.common.errors import TwilioError
from brandlink.core.domains.certificate_install import no_certificate
from brandlink.core.domains.dns_check import RoutingCheck
from brandlink.core.domains.model import DOMAIN_PATH, Domain, dns_target


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
        "date_expires": iso8601(domain.expires_at),
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


def config_resource(domain: Domain, base_url: str) -> dict[str, Any]:
    config = domain.config
    if config is None:
        raise TwilioError.not_found(f"The config of domain {domain.sid} (create it with POST)")
    return {
        "domain_sid": domain.sid,
        "config_sid": config.sid,
        "fallback_url": config.fallback_url,
        "callback_url": config.callback_url,
        "continue_on_failure": config.continue_on_failure,
        "disable_https": config.disable_https,
        "messaging_service_sids": list(config.messaging_service_sids),
        "date_created": iso8601(config.date_created),
        "date_updated": iso8601(config.date_updated),
        "url": f"{domain_url(base_url, domain.sid)}/Config",
    }


def service_config_resource(domain: Domain, service_sid: str, base_url: str) -> dict[str, Any]:
    """``GET /MessagingService/{MG}/DomainConfig``: the config plus the service, without disable_https."""
    body = config_resource(domain, base_url)
    body.pop("disable_https")
    body["messaging_service_sid"] = service_sid
    body["url"] = f"{base_url}/v1/LinkShortening/MessagingService/{service_sid}/DomainConfig"
    return body


def association_resource(domain_sid: str, service_sid: str, url: str) -> dict[str, Any]:
    return {"domain_sid": domain_sid, "messaging_service_sid": service_sid, "url": url}


def certificate_resource(domain: Domain, base_url: str) -> dict[str, Any]:
    record = domain.certificate
    if record is None:
        raise no_certificate(domain)
    upload = record.upload
    in_validation: dict[str, Any] | None = None
    if upload is not None:
        in_validation = {"status": upload.status, "date_expires": iso8601(upload.not_after)}
        if upload.status == "failed":
            in_validation["error_code"] = upload.error_code
            in_validation["error_message"] = upload.error_message
    return {
        "certificate_sid": record.sid,
        "domain_sid": domain.sid,
        "domain_name": f"https://{domain.domain_name}",
        "date_created": iso8601(record.date_created),
        "date_updated": iso8601(record.date_updated),
        "date_expires": iso8601(record.installed.not_after) if record.installed else None,
        "url": f"{base_url}{DOMAIN_PATH}/{domain.sid}/Certificate",
        "cert_in_validation": in_validation,
    }


def dns_validation_resource(domain: Domain, check: RoutingCheck, base_url: str) -> dict[str, Any]:
    return {
        "domain_sid": domain.sid,
        "is_valid": check.is_valid,
        "reason": check.reason,
        "url": f"{domain_url(base_url, domain.sid)}/ValidateDns",
    }
