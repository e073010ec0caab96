"""Domain config (ZK): fallback and callback URLs, flags, and the messaging services using the domain.

A messaging service belongs to at most one domain config (30130). The repository enforces that with
a conditional write on ``service_domains`` in the same transaction as the config change, so a
request either applies completely or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.urls import validate_callback_url
from brandlink.core.domains.model import Domain, DomainConfig
from brandlink.core.domains.repository import DomainGone, DomainRepository, ServiceInOtherDomain, ServiceUnavailable

# A full replace deletes one service_domains row per old service and, per new service, checks it
# exists and writes its row, plus the domain update: 3 * 33 + 1 = DynamoDB's 100 actions per transaction.
MAX_SERVICES_PER_DOMAIN = 33

ServicesAction = Literal["add", "delete", "replace"]
ServiceExists = Callable[[str, str], bool]
"""``(account_sid, service_sid) -> bool``: whether the account owns that messaging service."""


@dataclass(frozen=True)
class ConfigChange:
    fallback_url: str | None = None
    callback_url: str | None = None
    clear_callback: bool = False
    continue_on_failure: bool | None = None
    disable_https: bool | None = None
    services_action: ServicesAction | None = None
    service_sids: tuple[str, ...] = ()


def parse_service_sid(raw: str) -> str:
    """``MG`` + lower-case hex, else 30124 (empty) / 30127 (malformed)."""
    value = raw.strip()
    canonical = sids.canonical(value, "MG")
    if not value:
        raise TwilioError(
            ErrorCode.SERVICE_SID_EMPTY, "A messaging service SID is empty; send MG followed by 32 hex characters."
        )
    if canonical is None:
        raise TwilioError(
            ErrorCode.SERVICE_SID_INVALID,
            f"{value!r} is not a messaging service SID; send MG followed by 32 hex characters.",
        )
    return canonical


def _services(
    form: Form, account_sid: str, service_exists: ServiceExists
) -> tuple[ServicesAction | None, tuple[str, ...]]:
    raw_action = form.get("MessagingServiceSidsAction")
    given = "MessagingServiceSids" in form
    if raw_action is None or not raw_action.strip():
        if given:
            raise TwilioError(
                ErrorCode.INVALID_SERVICES_ACTION,
                "MessagingServiceSidsAction is required with MessagingServiceSids: send add, delete or replace.",
            )
        return None, ()
    action = raw_action.strip().lower()
    if action not in ("add", "delete", "replace"):
        raise TwilioError(
            ErrorCode.INVALID_SERVICES_ACTION,
            f"MessagingServiceSidsAction {raw_action!r} is invalid: send add, delete or replace.",
        )
    if not given:
        raise TwilioError(
            ErrorCode.SERVICE_SID_EMPTY, f"MessagingServiceSids is required with MessagingServiceSidsAction={action}."
        )
    wanted: list[str] = []
    for raw in form.get_list("MessagingServiceSids"):
        sid = parse_service_sid(raw)
        if sid not in wanted:
            wanted.append(sid)
    if action != "delete":
        for sid in wanted:
            if not service_exists(account_sid, sid):
                raise TwilioError(ErrorCode.SERVICE_SID_INVALID, f"{sid} is not a messaging service of this account.")
    return action, tuple(wanted)  # type: ignore[return-value]


def parse_change(form: Form, account_sid: str, service_exists: ServiceExists, *, allow_private: bool) -> ConfigChange:
    """Validate every parameter before anything is applied."""
    fallback: str | None = None
    if "FallbackUrl" in form:
        raw = form.get("FallbackUrl") or ""
        if not raw.strip():
            raise TwilioError(
                ErrorCode.FALLBACK_URL_MISSING,
                "FallbackUrl is empty: send the http(s) URL that unknown or expired links go to "
                "(a fallback can be replaced, not removed).",
            )
        fallback = validate_callback_url(
            raw, allow_private=allow_private, code=ErrorCode.INVALID_FALLBACK_URL, parameter="FallbackUrl"
        )
    callback: str | None = None
    clear_callback = False
    if "CallbackUrl" in form:
        raw = form.get("CallbackUrl") or ""
        if raw.strip():
            callback = validate_callback_url(
                raw, allow_private=allow_private, code=ErrorCode.INVALID_CALLBACK_URL, parameter="CallbackUrl"
            )
        else:
            clear_callback = True
    action, service_sids = _services(form, account_sid, service_exists)
    return ConfigChange(
        fallback_url=fallback,
        callback_url=callback,
        clear_callback=clear_callback,
        continue_on_failure=form.get_bool("ContinueOnFailure"),
        disable_https=form.get_bool("DisableHttps"),
        services_action=action,
        service_sids=service_sids,
    )


def _new_service_list(current: tuple[str, ...], change: ConfigChange) -> tuple[str, ...]:
    if change.services_action == "add":
        return current + tuple(sid for sid in change.service_sids if sid not in current)
    if change.services_action == "delete":
        return tuple(sid for sid in current if sid not in change.service_sids)
    if change.services_action == "replace":
        return change.service_sids
    return current


def apply_change(domain: Domain, change: ConfigChange) -> Domain:
    """The domain with the change applied (defaults on first creation); 20001 over the service cap."""
    now = utcnow()
    config = domain.config or DomainConfig(
        sid=sids.new_sid("ZK"),
        fallback_url=None,
        callback_url=None,
        continue_on_failure=True,
        disable_https=False,
        messaging_service_sids=(),
        date_created=now,
        date_updated=now,
    )
    services = _new_service_list(config.messaging_service_sids, change)
    if len(services) > MAX_SERVICES_PER_DOMAIN:
        raise TwilioError.invalid_parameter(
            "MessagingServiceSids", f"a domain can serve at most {MAX_SERVICES_PER_DOMAIN} messaging services."
        )
    updated = replace(
        config,
        fallback_url=change.fallback_url or config.fallback_url,
        callback_url=None if change.clear_callback else (change.callback_url or config.callback_url),
        continue_on_failure=config.continue_on_failure
        if change.continue_on_failure is None
        else change.continue_on_failure,
        disable_https=config.disable_https if change.disable_https is None else change.disable_https,
        messaging_service_sids=services,
        date_updated=now,
    )
    return replace(domain, config=updated, date_updated=now)


def save_change(repo: DomainRepository, domain: Domain, change: ConfigChange) -> tuple[Domain, bool]:
    """Apply and store the change; returns the domain and whether the config was created (201)."""
    created = domain.config is None
    try:
        stored = repo.update_config(domain.sid, lambda current: apply_change(current, change))
    except ServiceInOtherDomain as taken:
        raise TwilioError(
            ErrorCode.SERVICE_IN_OTHER_DOMAIN,
            f"Messaging service {taken.service_sid} already belongs to another domain config; "
            "remove it there first (MessagingServiceSidsAction=delete).",
        ) from None
    except ServiceUnavailable as gone:
        raise TwilioError(
            ErrorCode.SERVICE_SID_INVALID, f"{gone.service_sid} is not a messaging service of this account."
        ) from None
    except DomainGone:
        raise TwilioError.not_found(f"Domain {domain.sid}") from None
    return stored, created


def attach_service(repo: DomainRepository, domain: Domain, service_sid: str) -> Domain:
    return save_change(repo, domain, ConfigChange(services_action="add", service_sids=(service_sid,)))[0]


def detach_service(repo: DomainRepository, domain: Domain, service_sid: str) -> None:
    """Remove the service from this domain's config; 20404 when it is not attached here."""
    if domain.config is None or service_sid not in domain.config.messaging_service_sids:
        raise TwilioError.not_found(f"Messaging service {service_sid} in the config of domain {domain.sid}")
    save_change(repo, domain, ConfigChange(services_action="delete", service_sids=(service_sid,)))


def service_deletion_hook(repo: DomainRepository) -> Callable[[str, str], None]:
    """A ``ServiceDeletionHook``: a deleted messaging service leaves its domain config too."""

    def detach_deleted_service(account_sid: str, service_sid: str) -> None:
        owner = repo.domain_sid_of_service(service_sid)
        if owner is None or owner[0] != account_sid:
            return
        removal = ConfigChange(services_action="delete", service_sids=(service_sid,))
        try:
            repo.update_config(owner[1], lambda current: apply_change(current, removal))
        except DomainGone:
            return

    return detach_deleted_service
