"""What can be done with messaging services: create, fetch, change, list and delete them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, PageSigner, list_page
from brandlink.core.services.model import MessagingService
from brandlink.core.services.params import settings_from_form
from brandlink.core.services.repository import ServiceDeletionHook, ServiceGone, ServiceRepository


def create_service(repo: ServiceRepository, account_sid: str, form: Form, *, allow_private: bool) -> MessagingService:
    if form.get("FriendlyName") is None:
        raise TwilioError.invalid_parameter("FriendlyName", "is required; give the service a name.")
    name = form.get_friendly_name(blank_ok=False)
    changes = settings_from_form(form, allow_private=allow_private)
    now = utcnow()
    changes.update(friendly_name=name)
    service = MessagingService(
        account_sid=account_sid, sid=sids.new_sid("MG"), date_created=now, date_updated=now, **changes
    )
    repo.add(service)
    return service


def update_service(
    repo: ServiceRepository, service: MessagingService, form: Form, *, allow_private: bool
) -> MessagingService:
    changes = settings_from_form(form, allow_private=allow_private)
    updated = replace(service, date_updated=utcnow(), **changes)
    try:
        repo.save(updated)
    except ServiceGone:
        raise TwilioError.not_found(f"Messaging Service {service.sid}") from None
    return updated


def owned_service(repo: ServiceRepository, account_sid: str, sid: str) -> MessagingService:
    """The account's service ``sid``; a malformed SID, another account's or a missing one is 20404."""
    canonical = sids.canonical(sid, "MG")
    service = repo.get(account_sid, canonical) if canonical else None
    if service is None:
        raise TwilioError.not_found(f"Messaging Service {sid}")
    return service


def delete_service(
    repo: ServiceRepository, account_sid: str, sid: str, hooks: Iterable[ServiceDeletionHook] = ()
) -> None:
    """Delete a service, its pool and sticky-sender mappings; the hooks detach it from elsewhere first.

    A retry after a crash resumes: a half-deleted service is hidden but ``begin_delete`` finds it again.
    """
    canonical = sids.canonical(sid, "MG")
    if canonical is None or not repo.begin_delete(account_sid, canonical):
        raise TwilioError.not_found(f"Messaging Service {sid}")
    for hook in hooks:
        hook(account_sid, canonical)
    repo.finish_delete(account_sid, canonical)


def list_services(
    repo: ServiceRepository, account_sid: str, params: Form, signer: PageSigner
) -> Listing[MessagingService]:
    return list_page(lambda request: repo.page(account_sid, request), params, signer)


def update_owned_service(
    repo: ServiceRepository, account_sid: str, sid: str, form: Form, *, allow_private: bool
) -> MessagingService:
    """``POST /v1/Services/{MG}``: the account's service (else 20404) with the settings in ``form``."""
    return update_service(repo, owned_service(repo, account_sid, sid), form, allow_private=allow_private)
