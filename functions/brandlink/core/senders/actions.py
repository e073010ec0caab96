"""What can be done with senders: register the account's numbers and short codes, change and delete
them, and put senders into (and take them out of) a messaging service's pool."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import phonenumbers

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, PageRequest, PageSigner, checked_page, list_page
from brandlink.core.senders.model import Sender, SenderKind
from brandlink.core.senders.numbers import (
    MMS_REGIONS,
    NUMBER_TYPES,
    parse_alpha_sender,
    parse_country_code,
    parse_phone_sender,
    parse_short_code,
)
from brandlink.core.senders.params import owned_filters, refuse_transfer, webhook_changes
from brandlink.core.senders.repository import AddressTaken, AlreadyInPool, SenderRepository
from brandlink.core.services.actions import owned_service
from brandlink.core.services.model import MessagingService
from brandlink.core.services.repository import ServiceGone, ServiceRepository

# ---- account-owned senders ----------------------------------------------------------------------


def _phone_sender(account_sid: str, kind: SenderKind, address: str, number: phonenumbers.PhoneNumber) -> Sender:
    region = phonenumbers.region_code_for_number(number)
    capabilities = ("whatsapp", "mms") if kind == "whatsapp" else ("sms", "mms") if region in MMS_REGIONS else ("sms",)
    now = utcnow()
    return Sender(
        sid=sids.new_sid("PN"),
        account_sid=account_sid,
        kind=kind,
        address=address,
        country_code=region,
        capabilities=capabilities,
        friendly_name=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        date_created=now,
        date_updated=now,
        number_type=NUMBER_TYPES.get(phonenumbers.number_type(number), "local"),
    )


def _short_code_sender(account_sid: str, short_code: str, region: str) -> Sender:
    now = utcnow()
    return Sender(
        sid=sids.new_sid("SC"),
        account_sid=account_sid,
        kind="short_code",
        address=short_code,
        country_code=region,
        capabilities=("sms", "mms") if region in MMS_REGIONS else ("sms",),
        friendly_name=short_code,
        date_created=now,
        date_updated=now,
    )


def _register(repo: SenderRepository, sender: Sender) -> Sender:
    try:
        repo.register(sender)
    except AddressTaken as taken:
        raise TwilioError(
            ErrorCode.ADDRESS_ALREADY_REGISTERED,
            f"{sender.address} is already registered to this account as {taken.sender_sid}; "
            "update that one or delete it first.",
        ) from None
    return sender


def register_phone_number(repo: SenderRepository, account_sid: str, form: Form, *, allow_private: bool) -> Sender:
    kind, address, number = parse_phone_sender(form.get_address("PhoneNumber"))
    sender = _phone_sender(account_sid, kind, address, number)
    refuse_transfer(form, account_sid)
    name = form.get_friendly_name(blank_ok=True)
    sender = replace(sender, **webhook_changes(form, allow_private=allow_private, with_status_callback=True))
    return _register(repo, replace(sender, friendly_name=name or sender.friendly_name))


def register_short_code(repo: SenderRepository, account_sid: str, form: Form, *, allow_private: bool) -> Sender:
    short_code = parse_short_code(form.get("ShortCode"))
    sender = _short_code_sender(account_sid, short_code, parse_country_code(form.get("CountryCode")))
    refuse_transfer(form, account_sid)
    name = form.get_friendly_name(blank_ok=True)
    sender = replace(sender, **webhook_changes(form, allow_private=allow_private, with_status_callback=False))
    return _register(repo, replace(sender, friendly_name=name or sender.friendly_name))


def update_owned(repo: SenderRepository, sender: Sender, form: Form, *, allow_private: bool) -> Sender:
    """Update friendly name and SMS webhooks; the address, kind and capabilities never change."""
    refuse_transfer(form, sender.account_sid)
    changes = webhook_changes(form, allow_private=allow_private, with_status_callback=sender.sid.startswith("PN"))
    name = form.get_friendly_name(blank_ok=True)
    if name is not None:
        changes["friendly_name"] = name
    updated = replace(sender, date_updated=utcnow(), **changes)
    if not repo.save_owned(updated):
        raise TwilioError.not_found(f"The sender {sender.sid}")
    return updated


def owned_sender(repo: SenderRepository, account_sid: str, sid: str, prefix: str) -> Sender:
    """The account's ``PN``/``SC`` sender ``sid``; malformed, missing or another account's is 20404."""
    sender = repo.get_owned(account_sid, sid) if sids.is_sid(sid, prefix) else None
    if sender is None:
        raise TwilioError.not_found(f"The sender {sid}")
    return sender


def list_owned(
    repo: SenderRepository, account_sid: str, sid_prefix: str, address_param: str, params: Form, signer: PageSigner
) -> Listing[Sender]:
    """The account's ``PN`` or ``SC`` senders, filtered by address fragment and exact friendly name."""
    request = PageRequest.from_form(params, signer)
    echoed, address, name = owned_filters(params, address_param)
    page = checked_page(
        lambda: repo.page_owned(account_sid, sid_prefix, request, address_contains=address, friendly_name=name)
    )
    return Listing(page, request, echoed)


def update_owned_sender(
    repo: SenderRepository, account_sid: str, sid: str, prefix: str, form: Form, *, allow_private: bool
) -> Sender:
    return update_owned(repo, owned_sender(repo, account_sid, sid, prefix), form, allow_private=allow_private)


def delete_owned_sender(repo: SenderRepository, account_sid: str, sid: str, prefix: str) -> None:
    """Delete the sender and its pool entry, if it has one; 20404 when it is not the account's."""
    sender = owned_sender(repo, account_sid, sid, prefix)
    if not repo.delete_owned(account_sid, sender.sid):
        raise TwilioError.not_found(f"The sender {sid}")


# ---- pools --------------------------------------------------------------------------------------


def _join_pool(repo: SenderRepository, service: MessagingService, sender: Sender) -> Sender:
    try:
        return repo.add_to_pool(service, replace(sender, date_created=utcnow(), date_updated=utcnow()))
    except ServiceGone:
        raise TwilioError.not_found(f"Messaging Service {service.sid}") from None
    except AlreadyInPool as conflict:
        where = "this" if conflict.service_sid == service.sid else f"another ({conflict.service_sid})"
        raise TwilioError(
            ErrorCode.ALREADY_IN_A_SERVICE,
            f"{sender.address} ({sender.sid}) is already in the sender pool of {where} Messaging Service; "
            "a sender belongs to one service at a time: remove it there first.",
        ) from None


def _register_or_reuse(repo: SenderRepository, candidate: Sender) -> tuple[Sender, bool]:
    """The account's sender with the candidate's address, registering it if new; True when new."""
    existing = [s for s in repo.find_by_address(candidate.account_sid, candidate.address) if s.kind == candidate.kind]
    if existing:
        return existing[0], False
    try:
        repo.register(candidate)
    except AddressTaken as taken:
        sender = repo.get_owned(candidate.account_sid, taken.sender_sid or "")
        if sender is None:
            raise
        return sender, False
    return candidate, True


def _join_pool_by_address(repo: SenderRepository, service: MessagingService, candidate: Sender) -> Sender:
    sender, is_new = _register_or_reuse(repo, candidate)
    try:
        return _join_pool(repo, service, sender)
    except TwilioError:
        if is_new:  # nothing half-done: the registration made for this request goes too
            repo.delete_owned(sender.account_sid, sender.sid)
        raise


def add_phone_number(repo: SenderRepository, service: MessagingService, form: Form) -> Sender:
    """By ``PhoneNumberSid`` (Twilio), or by ``PhoneNumber`` (Brandlink: registers it when new)."""
    sid = form.get("PhoneNumberSid")
    if sid:
        if not sids.is_sid(sid, "PN"):
            raise TwilioError.invalid_parameter(
                "PhoneNumberSid", f"{sid!r} is not a phone number SID (PN followed by 32 hex)."
            )
        return _join_pool(repo, service, owned_sender(repo, service.account_sid, sid, "PN"))
    if form.get_address("PhoneNumber"):
        kind, address, number = parse_phone_sender(form.get_address("PhoneNumber"))
        return _join_pool_by_address(repo, service, _phone_sender(service.account_sid, kind, address, number))
    raise TwilioError.invalid_parameter("PhoneNumberSid", "is required: the PN SID of one of this account's numbers.")


def add_short_code(repo: SenderRepository, service: MessagingService, form: Form) -> Sender:
    """By ``ShortCodeSid`` (Twilio), or by ``ShortCode`` + ``CountryCode`` (Brandlink: registers it when new)."""
    sid = form.get("ShortCodeSid")
    if sid:
        if not sids.is_sid(sid, "SC"):
            raise TwilioError.invalid_parameter(
                "ShortCodeSid", f"{sid!r} is not a short code SID (SC followed by 32 hex)."
            )
        return _join_pool(repo, service, owned_sender(repo, service.account_sid, sid, "SC"))
    if form.get("ShortCode"):
        short_code = parse_short_code(form.get("ShortCode"))
        candidate = _short_code_sender(service.account_sid, short_code, parse_country_code(form.get("CountryCode")))
        return _join_pool_by_address(repo, service, candidate)
    raise TwilioError.invalid_parameter("ShortCodeSid", "is required: the SC SID of one of this account's short codes.")


def add_alpha_sender(repo: SenderRepository, service: MessagingService, form: Form) -> Sender:
    text = parse_alpha_sender(form.get("AlphaSender"))
    now = utcnow()
    sender = Sender(
        sid=sids.new_sid("AI"),
        account_sid=service.account_sid,
        kind="alpha_sender",
        address=text,
        country_code=None,
        capabilities=("sms",),
        friendly_name=text,
        date_created=now,
        date_updated=now,
        service_sid=service.sid,
    )
    try:
        repo.add_alpha_sender(service, sender)
    except ServiceGone:
        raise TwilioError.not_found(f"Messaging Service {service.sid}") from None
    except AlreadyInPool:
        raise TwilioError(
            ErrorCode.ALREADY_IN_A_SERVICE,
            "This Messaging Service already has an alphanumeric sender ID; a service has at most one: delete it first.",
        ) from None
    return sender


def pool_entry(repo: SenderRepository, service: MessagingService, sid: str, prefix: str) -> Sender:
    entry = repo.pool_entry(service.sid, sid) if sids.is_sid(sid, prefix) else None
    if entry is None:
        raise TwilioError.not_found(f"The sender {sid} in Messaging Service {service.sid}")
    return entry


_POOL_ADDERS: dict[str, Callable[[SenderRepository, MessagingService, Form], Sender]] = {
    "PN": add_phone_number,
    "SC": add_short_code,
    "AI": add_alpha_sender,
}


def add_to_pool(
    services: ServiceRepository, repo: SenderRepository, account_sid: str, service_sid: str, sid_prefix: str, form: Form
) -> Sender:
    """``POST /v1/Services/{MG}/PhoneNumbers|ShortCodes|AlphaSenders`` (by the pool's SID prefix)."""
    service = owned_service(services, account_sid, service_sid)
    return _POOL_ADDERS[sid_prefix](repo, service, form)


def list_pool(
    services: ServiceRepository,
    repo: SenderRepository,
    account_sid: str,
    service_sid: str,
    sid_prefix: str,
    params: Form,
    signer: PageSigner,
) -> tuple[MessagingService, Listing[Sender]]:
    service = owned_service(services, account_sid, service_sid)
    return service, list_page(lambda request: repo.page_pool(service.sid, sid_prefix, request), params, signer)


def get_pool_entry(
    services: ServiceRepository, repo: SenderRepository, account_sid: str, service_sid: str, sid: str, prefix: str
) -> Sender:
    return pool_entry(repo, owned_service(services, account_sid, service_sid), sid, prefix)


def remove_pool_entry(
    services: ServiceRepository, repo: SenderRepository, account_sid: str, service_sid: str, sid: str, prefix: str
) -> None:
    """Take the sender out of the pool; it stays the account's (an alphanumeric ID is gone)."""
    service = owned_service(services, account_sid, service_sid)
    entry = pool_entry(repo, service, sid, prefix)
    if not repo.remove_from_pool(service.sid, entry.sid):
        raise TwilioError.not_found(f"The sender {sid} in Messaging Service {service.sid}")
