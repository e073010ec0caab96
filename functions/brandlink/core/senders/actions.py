"""What can be done with senders: register the account's numbers and short codes (in use when the
account holds the address, else pending until it proves it), verify a pending number, change and
delete them, and put senders into (and take them out of) a messaging service's pool.

Which account may send from an address is decided in ``core.senders.claims`` (security finding 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import phonenumbers

from brandlink.core.common import sids
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, PageRequest, PageSigner, checked_page, list_page
from brandlink.core.senders import verification
from brandlink.core.senders.claims import ClaimHeld, SenderClaim, SenderClaims, claim_address
from brandlink.core.senders.model import IN_USE, PENDING, PendingCode, Sender, SenderKind
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

logger = logging.getLogger(__name__)

MAX_VERIFICATION_CODE = 16
"""The longest ``Code`` a verification accepts (codes sent are shorter; anything longer is a typo)."""


@dataclass(frozen=True)
class SenderOwnership:
    """What deciding "may this account send from this address?" needs: the deployment-wide claims,
    and the sender of verification codes (None: this deployment verifies no numbers by code, only
    its operator assigns them)."""

    claims: SenderClaims
    code_sender: Callable[[], verification.CodeSender] | None = None


def _holds(ownership: SenderOwnership, account_sid: str, sender: Sender) -> bool:
    claim = ownership.claims.get(claim_address(sender.kind, sender.address, sender.country_code))
    return claim is not None and claim.account_sid == account_sid


def _not_assigned(sender: Sender, *, can_verify: bool) -> TwilioError:
    what = f"{sender.address} ({sender.country_code})" if sender.kind == "short_code" else sender.address
    how = "register it to get a verification code sent to it, or ask" if can_verify else "ask"
    return TwilioError(
        ErrorCode.ADDRESS_UNAVAILABLE,
        f"{what} is not assigned to this account: {how} your Brandlink operator to assign it "
        "(brandlink assign-sender), then register it.",
    )


def _issue_code(ownership: SenderOwnership, sender: Sender, now: datetime) -> tuple[str, PendingCode] | None:
    """A fresh code for the number, if one may be sent now: nobody holds the number and no code went
    to it in the last minute (deployment-wide). Otherwise None, and the registration gets no valid
    code at all: a code exists only once it was sent, so guessing one that no handset received
    (for a number someone else holds, or by asking again and again) is never possible."""
    if ownership.code_sender is None:
        return None
    address = claim_address(sender.kind, sender.address, sender.country_code)
    if not ownership.claims.reserve_code(address, now, verification.RESEND_INTERVAL_SECONDS):
        return None
    code = verification.new_code()
    return code, verification.pending_code(code, now)


def _deliver_code(ownership: SenderOwnership, sender: Sender, code: str) -> None:
    """Hand the code to the provider. Whether it was sent is not told to the caller (it would say
    whether another account holds the number); a failure is logged without the code, and the
    account may ask for a new one a minute later."""
    assert ownership.code_sender is not None
    try:
        ownership.code_sender().send_code(sender.address, verification.code_text(sender.address, code))
    except Exception:
        logger.exception("could not send the verification code for sender %s", sender.sid)


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
            ErrorCode.ADDRESS_UNAVAILABLE,
            f"{sender.address} is already registered to this account as {taken.sender_sid}; "
            "update that one or delete it first.",
        ) from None
    return sender


def register_phone_number(
    repo: SenderRepository, ownership: SenderOwnership, account_sid: str, form: Form, *, allow_private: bool
) -> Sender:
    """``POST IncomingPhoneNumbers.json``: in use at once when the account holds the number, else
    ``pending`` with a verification code (when this deployment verifies numbers), else 21422."""
    kind, address, number = parse_phone_sender(form.get_address("PhoneNumber"))
    sender = _phone_sender(account_sid, kind, address, number)
    refuse_transfer(form, account_sid)
    name = form.get_friendly_name(blank_ok=True)
    sender = replace(sender, **webhook_changes(form, allow_private=allow_private, with_status_callback=True))
    sender = replace(sender, friendly_name=name or sender.friendly_name)
    if _holds(ownership, account_sid, sender):
        return _register(repo, sender)
    if ownership.code_sender is None:
        raise _not_assigned(sender, can_verify=False)
    issued = _issue_code(ownership, sender, utcnow())
    pending = _register(repo, replace(sender, status=PENDING, verification=issued[1] if issued else None))
    if issued:
        _deliver_code(ownership, pending, issued[0])
    return pending


def register_short_code(
    repo: SenderRepository, ownership: SenderOwnership, account_sid: str, form: Form, *, allow_private: bool
) -> Sender:
    """``POST SMS/ShortCodes.json``: only a short code the operator assigned to the account (a short
    code cannot receive a verification code the account could read)."""
    short_code = parse_short_code(form.get("ShortCode"))
    sender = _short_code_sender(account_sid, short_code, parse_country_code(form.get("CountryCode")))
    refuse_transfer(form, account_sid)
    name = form.get_friendly_name(blank_ok=True)
    sender = replace(sender, **webhook_changes(form, allow_private=allow_private, with_status_callback=False))
    if not _holds(ownership, account_sid, sender):
        raise _not_assigned(sender, can_verify=False)
    return _register(repo, replace(sender, friendly_name=name or sender.friendly_name))


def verify_phone_number(
    repo: SenderRepository, ownership: SenderOwnership, account_sid: str, sid: str, form: Form
) -> Sender:
    """``POST IncomingPhoneNumbers/{PN}/Verify.json`` (Brandlink's addition).

    With ``Code``: the code sent to the number; right (and in time) and the number is claimed for the
    account and in use. Without it: a new code is sent (at most one a minute per number). A number
    the operator has assigned to the account meanwhile is put in use without a code. Every failure
    is the same 20001, whether the code was wrong, expired, tried too often, or another account holds
    the number.
    """
    raw_code = form.get("Code") or ""
    if len(raw_code) > MAX_VERIFICATION_CODE:  # the OpenAPI document's bound, whatever the number's state
        raise TwilioError.invalid_parameter("Code", f"must be at most {MAX_VERIFICATION_CODE} characters.")
    sender = owned_sender(repo, account_sid, sid, "PN")
    if sender.status == IN_USE:
        return sender
    now = utcnow()
    claim = SenderClaim(claim_address(sender.kind, sender.address), account_sid, "phone_number", "verification", now)
    code = raw_code.strip()
    if _holds(ownership, account_sid, sender):
        code_ok = True
    elif not code:
        if ownership.code_sender is None:
            raise _not_assigned(sender, can_verify=False)
        issued = _issue_code(ownership, sender, now)
        if issued is None:
            return sender  # nothing changes: the code sent before (if any) still counts
        if not repo.replace_code(account_sid, sender.sid, issued[1]):
            raise TwilioError.not_found(f"The sender {sid}")
        _deliver_code(ownership, sender, issued[0])
        return replace(sender, verification=issued[1])
    else:
        code_ok = verification.code_matches(sender.verification, code, now)
    if code_ok:
        try:
            activated = repo.activate(sender, claim)
        except ClaimHeld:
            activated = None
        if activated is not None:
            return activated
    repo.record_failed_attempt(account_sid, sender.sid)
    raise TwilioError.invalid_parameter(
        "Code",
        "is not the code sent to this number, or it has expired or been tried too often: check the last "
        "text the number received, or POST without Code to get a new one.",
    )


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
    if sender.status == PENDING:
        raise TwilioError(
            ErrorCode.ADDRESS_UNAVAILABLE,
            f"{sender.address} ({sender.sid}) is not verified yet, so it cannot send: POST the code sent to it "
            f"to /2010-04-01/Accounts/{sender.account_sid}/IncomingPhoneNumbers/{sender.sid}/Verify.json first.",
        )
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


def _register_or_reuse(repo: SenderRepository, ownership: SenderOwnership, candidate: Sender) -> tuple[Sender, bool]:
    """The account's sender with the candidate's address, registering it if new (only an address the
    account holds: a pool is no place to start a verification); True when new."""
    existing = [s for s in repo.find_by_address(candidate.account_sid, candidate.address) if s.kind == candidate.kind]
    if existing:
        return existing[0], False
    if not _holds(ownership, candidate.account_sid, candidate):
        raise _not_assigned(candidate, can_verify=ownership.code_sender is not None and candidate.kind != "short_code")
    try:
        repo.register(candidate)
    except AddressTaken as taken:
        sender = repo.get_owned(candidate.account_sid, taken.sender_sid or "")
        if sender is None:
            raise
        return sender, False
    return candidate, True


def _join_pool_by_address(
    repo: SenderRepository, ownership: SenderOwnership, service: MessagingService, candidate: Sender
) -> Sender:
    sender, is_new = _register_or_reuse(repo, ownership, candidate)
    try:
        return _join_pool(repo, service, sender)
    except TwilioError:
        if is_new:  # nothing half-done: the registration made for this request goes too
            repo.delete_owned(sender.account_sid, sender.sid)
        raise


def add_phone_number(
    repo: SenderRepository, ownership: SenderOwnership, service: MessagingService, form: Form
) -> Sender:
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
        return _join_pool_by_address(
            repo, ownership, service, _phone_sender(service.account_sid, kind, address, number)
        )
    raise TwilioError.invalid_parameter("PhoneNumberSid", "is required: the PN SID of one of this account's numbers.")


def add_short_code(repo: SenderRepository, ownership: SenderOwnership, service: MessagingService, form: Form) -> Sender:
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
        return _join_pool_by_address(repo, ownership, service, candidate)
    raise TwilioError.invalid_parameter("ShortCodeSid", "is required: the SC SID of one of this account's short codes.")


def add_alpha_sender(
    repo: SenderRepository, ownership: SenderOwnership, service: MessagingService, form: Form
) -> Sender:
    """Only an alphanumeric ID on the account's allow-list (``brandlink allow-alpha``): a sender ID is
    a brand's name, and nothing else shows the account may use it."""
    text = parse_alpha_sender(form.get("AlphaSender"))
    if not ownership.claims.alpha_allowed(service.account_sid, text):
        raise TwilioError.invalid_parameter(
            "AlphaSender",
            f"{text!r} is not an alphanumeric sender ID this account may use: ask your Brandlink operator to "
            "allow it (brandlink allow-alpha).",
            ErrorCode.INVALID_ALPHA_SENDER,
        )
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


_POOL_ADDERS: dict[str, Callable[[SenderRepository, SenderOwnership, MessagingService, Form], Sender]] = {
    "PN": add_phone_number,
    "SC": add_short_code,
    "AI": add_alpha_sender,
}


def add_to_pool(
    services: ServiceRepository,
    repo: SenderRepository,
    ownership: SenderOwnership,
    account_sid: str,
    service_sid: str,
    sid_prefix: str,
    form: Form,
) -> Sender:
    """``POST /v1/Services/{MG}/PhoneNumbers|ShortCodes|AlphaSenders`` (by the pool's SID prefix)."""
    service = owned_service(services, account_sid, service_sid)
    return _POOL_ADDERS[sid_prefix](repo, ownership, service, form)


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
