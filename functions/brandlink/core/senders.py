"""Senders: account-owned phone numbers and short codes, alphanumeric IDs, and a service's pool.

Brandlink sells no numbers: an account registers a number it already owns (``PN``), a short code
(``SC``) or a ``whatsapp:+E164`` sender (``PN``, kind ``whatsapp``), then puts it in one service's
pool. Alphanumeric sender IDs (``AI``) are created directly in a pool, one per service.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import phonenumbers

from brandlink.core.common import sids
from brandlink.core.common.dates import iso8601, rfc2822, utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.urls import validate_callback_url
from brandlink.core.services import (
    HTTP_METHODS,
    AddressTaken,
    AlreadyInPool,
    MessagingService,
    Sender,
    SenderKind,
    SenderRepository,
    ServiceGone,
)

WHATSAPP_PREFIX = "whatsapp:"
MMS_REGIONS = ("US", "CA")
MAX_FRIENDLY_NAME = 64
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_NUMBER_PUNCTUATION = frozenset(" -().")
_SHORT_CODE = re.compile(r"^[0-9]{3,8}$")
_ALPHA_SENDER = re.compile(r"^[A-Za-z0-9 ]{1,11}$")
_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll-free",
}


# ---- validation ---------------------------------------------------------------------------------


def _parse_e164(value: str, param: str) -> phonenumbers.PhoneNumber:
    bad = TwilioError.invalid_parameter(
        param,
        f"{value!r} is not a valid phone number; use E.164, such as +14155552671.",
        ErrorCode.INVALID_PHONE_NUMBER,
    )
    digits = "".join(ch for ch in value if ch not in _NUMBER_PUNCTUATION)
    if not _E164.match(digits):
        raise bad
    try:
        number = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException:
        raise bad from None
    if not phonenumbers.is_valid_number(number):
        raise bad
    return number


def parse_phone_sender(
    value: str | None, param: str = "PhoneNumber"
) -> tuple[SenderKind, str, phonenumbers.PhoneNumber]:
    """``(kind, address, parsed)`` for ``+E164`` or ``whatsapp:+E164``; anything else is 21421."""
    if value is None or not value.strip():
        raise TwilioError.invalid_parameter(
            param, "is required, in E.164 form such as +14155552671.", ErrorCode.INVALID_PHONE_NUMBER
        )
    text = value.strip()
    is_whatsapp = text.lower().startswith(WHATSAPP_PREFIX)
    number = _parse_e164(text[len(WHATSAPP_PREFIX) :].strip() if is_whatsapp else text, param)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if is_whatsapp:
        return "whatsapp", WHATSAPP_PREFIX + e164, number
    return "phone_number", e164, number


def parse_short_code(value: str | None, param: str = "ShortCode") -> str:
    if value is None or not _SHORT_CODE.match(value.strip()):
        raise TwilioError.invalid_parameter(param, f"must be 3 to 8 digits, such as 12345; got {value!r}.")
    return value.strip()


def parse_country_code(value: str | None, param: str = "CountryCode") -> str:
    region = (value or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise TwilioError.invalid_parameter(
            param, f"must be an ISO 3166-1 alpha-2 country code such as US; got {value!r}."
        )
    return region


def parse_alpha_sender(value: str | None) -> str:
    text = (value or "").strip()
    if not _ALPHA_SENDER.match(text) or not any(ch.isalpha() for ch in text):
        raise TwilioError.invalid_parameter(
            "AlphaSender",
            f"{value!r} is not a valid alphanumeric sender ID: use 1 to 11 letters, digits or spaces, "
            "with at least one letter.",
            ErrorCode.INVALID_ALPHA_SENDER,
        )
    return text


def _friendly_name(form: Form) -> str | None:
    value = form.get("FriendlyName")
    if value is None:
        return None
    name = value.strip()
    if len(name) > MAX_FRIENDLY_NAME:
        raise TwilioError.invalid_parameter("FriendlyName", f"must be at most {MAX_FRIENDLY_NAME} characters.")
    return name or None


def _webhook_changes(form: Form, *, allow_private: bool, with_status_callback: bool) -> dict[str, Any]:
    """The SMS webhook settings present in ``form``; an empty URL clears it."""
    changes: dict[str, Any] = {}
    urls = {"SmsUrl": "sms_url", "SmsFallbackUrl": "sms_fallback_url"}
    methods = {"SmsMethod": "sms_method", "SmsFallbackMethod": "sms_fallback_method"}
    if with_status_callback:
        urls["StatusCallback"] = "status_callback"
        methods["StatusCallbackMethod"] = "status_callback_method"
    for param, field_name in urls.items():
        if param not in form:
            continue
        value = (form.get(param) or "").strip()
        code = ErrorCode.INVALID_STATUS_CALLBACK if param == "StatusCallback" else 20001
        changes[field_name] = (
            validate_callback_url(value, allow_private=allow_private, code=code, parameter=param) if value else None
        )
    for param, field_name in methods.items():
        value = (form.get(param) or "").strip().upper()
        if not value:
            continue
        if value not in HTTP_METHODS:
            raise TwilioError.invalid_parameter(param, f"must be GET or POST, got {form.get(param)!r}.")
        changes[field_name] = value
    return changes


def _refuse_transfer(form: Form, account_sid: str) -> None:
    target = form.get("AccountSid")
    if target and target != account_sid:
        raise TwilioError.invalid_parameter(
            "AccountSid", "senders cannot move to another account; delete and re-register."
        )


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
        number_type=_NUMBER_TYPES.get(phonenumbers.number_type(number), "local"),
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
    _refuse_transfer(form, account_sid)
    name = _friendly_name(form)
    sender = replace(sender, **_webhook_changes(form, allow_private=allow_private, with_status_callback=True))
    return _register(repo, replace(sender, friendly_name=name or sender.friendly_name))


def register_short_code(repo: SenderRepository, account_sid: str, form: Form, *, allow_private: bool) -> Sender:
    short_code = parse_short_code(form.get("ShortCode"))
    sender = _short_code_sender(account_sid, short_code, parse_country_code(form.get("CountryCode")))
    _refuse_transfer(form, account_sid)
    name = _friendly_name(form)
    sender = replace(sender, **_webhook_changes(form, allow_private=allow_private, with_status_callback=False))
    return _register(repo, replace(sender, friendly_name=name or sender.friendly_name))


def update_owned(repo: SenderRepository, sender: Sender, form: Form, *, allow_private: bool) -> Sender:
    """Update friendly name and SMS webhooks; the address, kind and capabilities never change."""
    _refuse_transfer(form, sender.account_sid)
    changes = _webhook_changes(form, allow_private=allow_private, with_status_callback=sender.sid.startswith("PN"))
    name = _friendly_name(form)
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


# ---- resources ----------------------------------------------------------------------------------


def _capability_flags(sender: Sender) -> dict[str, bool]:
    return {
        "voice": False,
        "sms": "sms" in sender.capabilities,
        "mms": "mms" in sender.capabilities,
        "fax": False,
    }


def incoming_phone_number_resource(sender: Sender) -> dict[str, Any]:
    """The 2010-04-01 IncomingPhoneNumber shape; Brandlink is messaging-only, so voice fields are inert."""
    uri = f"/2010-04-01/Accounts/{sender.account_sid}/IncomingPhoneNumbers/{sender.sid}.json"
    return {
        "account_sid": sender.account_sid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "bundle_sid": None,
        "capabilities": _capability_flags(sender),
        "date_created": rfc2822(sender.date_created),
        "date_updated": rfc2822(sender.date_updated),
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": sender.friendly_name,
        "identity_sid": None,
        "origin": "hosted",
        "phone_number": sender.address,
        "sid": sender.sid,
        "sms_application_sid": None,
        "sms_fallback_method": sender.sms_fallback_method,
        "sms_fallback_url": sender.sms_fallback_url,
        "sms_method": sender.sms_method,
        "sms_url": sender.sms_url,
        "status": "in-use",
        "status_callback": sender.status_callback,
        "status_callback_method": sender.status_callback_method,
        "subresource_uris": {
            "assigned_add_ons": uri.removesuffix(".json") + "/AssignedAddOns.json",
        },
        "trunk_sid": None,
        "type": sender.number_type,
        "uri": uri,
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": None,
    }


def short_code_resource(sender: Sender) -> dict[str, Any]:
    """The 2010-04-01 ShortCode shape."""
    return {
        "account_sid": sender.account_sid,
        "api_version": "2010-04-01",
        "date_created": rfc2822(sender.date_created),
        "date_updated": rfc2822(sender.date_updated),
        "friendly_name": sender.friendly_name,
        "short_code": sender.address,
        "sid": sender.sid,
        "sms_fallback_method": sender.sms_fallback_method,
        "sms_fallback_url": sender.sms_fallback_url,
        "sms_method": sender.sms_method,
        "sms_url": sender.sms_url,
        "uri": f"/2010-04-01/Accounts/{sender.account_sid}/SMS/ShortCodes/{sender.sid}.json",
    }


POOL_PATHS = {"phone_number": "PhoneNumbers", "whatsapp": "PhoneNumbers", "short_code": "ShortCodes"}


def pool_resource(entry: Sender, base_url: str) -> dict[str, Any]:
    """A v1 pool entry: ``PhoneNumbers``, ``ShortCodes`` or ``AlphaSenders`` shape by kind."""
    collection = POOL_PATHS.get(entry.kind, "AlphaSenders")
    resource: dict[str, Any] = {
        "sid": entry.sid,
        "account_sid": entry.account_sid,
        "service_sid": entry.service_sid,
        "date_created": iso8601(entry.date_created),
        "date_updated": iso8601(entry.date_updated),
    }
    if entry.kind == "alpha_sender":
        resource["alpha_sender"] = entry.address
    else:
        resource["short_code" if entry.kind == "short_code" else "phone_number"] = entry.address
        resource["country_code"] = entry.country_code
    resource["capabilities"] = [capability.upper() for capability in entry.capabilities]
    resource["url"] = f"{base_url}/v1/Services/{entry.service_sid}/{collection}/{entry.sid}"
    return resource
