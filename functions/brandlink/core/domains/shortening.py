"""Whether a messaging service can shorten links now: the check at create time and at send time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from brandlink.core.common.dates import iso8601, utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.domains.model import DOMAIN_PATH
from brandlink.core.domains.repository import DomainRepository


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
