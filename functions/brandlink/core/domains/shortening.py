"""Whether a messaging service can shorten links now: the check at create time and at send time.

A failed precondition raises ``ShorteningUnavailable``, a ``TwilioError`` that also says what the
domain config's ``ContinueOnFailure`` decides: true (the default, and what applies when the service
has no domain config at all) sends the message with its links as written and a 30103 warning;
false fails it with the precondition's code (docs/links.md, "Sending").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from brandlink.core.common.dates import iso8601, utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.domains.model import DOMAIN_PATH
from brandlink.core.domains.repository import DomainRepository
from brandlink.core.links.shortening import short_url

DEFAULT_CONTINUE_ON_FAILURE = True
"""Twilio's default for ``ContinueOnFailure``; also what applies to a service no domain config lists."""


class ShorteningUnavailable(TwilioError):
    """A precondition of shortening failed (30106, 30101, 30107, 30102).

    ``continue_on_failure`` is the domain config's setting (the default when there is no config):
    whether the message goes out with its links unshortened, or fails.
    """

    def __init__(self, code: ErrorCode, message: str, *, continue_on_failure: bool) -> None:
        super().__init__(code, message)
        self.continue_on_failure = continue_on_failure


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
        return self.short_link_prefix()

    def short_link_prefix(self, local_port: int | None = None) -> str:
        """What a slug is appended to. ``local_port`` (local mode only) is the local links gateway's
        port: it speaks plain HTTP, so the link is ``http://{domain}:{port}/`` (``{domain}:{port}/``
        with ``DisableHttps``); without it, ``https://{domain}/`` (``{domain}/``)."""
        return short_url(self.domain_name, "", https=not self.disable_https, local_port=local_port)


def shortening_domain_status(
    repo: DomainRepository, account_sid: str, service_sid: str, now: datetime | None = None
) -> ShorteningDomain:
    """The domain that shortens links for ``service_sid``, or ``ShorteningUnavailable`` with the code
    the precondition fails with: 30106 no domain config for the service (in this account), 30101
    domain unverified, 30107 no certificate installed, 30102 certificate expired."""
    owner = repo.domain_sid_of_service(service_sid)
    domain = repo.get(owner[1]) if owner is not None and owner[0] == account_sid else None
    if domain is None or domain.account_sid != account_sid or domain.config is None:
        raise ShorteningUnavailable(
            ErrorCode.DOMAIN_NOT_SET_UP,
            f"Messaging service {service_sid} has no link-shortening domain: attach it with "
            "POST /v1/LinkShortening/Domains/{DN}/MessagingServices/{MG}.",
            continue_on_failure=DEFAULT_CONTINUE_ON_FAILURE,
        )
    config = domain.config
    keep_going = config.continue_on_failure
    if not domain.verified:
        raise ShorteningUnavailable(
            ErrorCode.DOMAIN_UNVERIFIED,
            f"Domain {domain.domain_name} is not verified: publish TXT {domain.verification_record_name} "
            f"and call POST {DOMAIN_PATH}/{domain.sid}/Verify.",
            continue_on_failure=keep_going,
        )
    installed = domain.certificate.installed if domain.certificate else None
    if installed is None:
        raise ShorteningUnavailable(
            ErrorCode.NO_CERTIFICATE,
            f"Domain {domain.domain_name} has no installed certificate: "
            f"upload one to {DOMAIN_PATH}/{domain.sid}/Certificate.",
            continue_on_failure=keep_going,
        )
    if installed.expired or installed.not_after <= (now or utcnow()):
        raise ShorteningUnavailable(
            ErrorCode.CERTIFICATE_EXPIRED,
            f"The certificate of {domain.domain_name} expired on {iso8601(installed.not_after)}: upload a renewed one.",
            continue_on_failure=keep_going,
        )
    return ShorteningDomain(
        domain_sid=domain.sid,
        domain_name=domain.domain_name,
        config_sid=config.sid,
        fallback_url=config.fallback_url,
        callback_url=config.callback_url,
        continue_on_failure=config.continue_on_failure,
        disable_https=config.disable_https,
    )
