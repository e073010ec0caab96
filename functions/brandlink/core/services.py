"""Messaging services and their senders: the domain model, repository interfaces and service logic.

Other parts of Brandlink build on this module:

* ``ServiceRepository.get(account_sid, sid)`` — a service with every setting, or ``None`` (also for a
  service of another account or one being deleted).
* ``SenderRepository.pool(service_sid)`` — the service's sender pool (phone numbers, WhatsApp numbers,
  short codes, alphanumeric IDs), each a ``Sender`` with address, kind, country and capabilities.
* ``SenderRepository.find_by_address(account_sid, address)`` — the account's senders with that address
  (``+14155552671``, ``whatsapp:+14155552671``, ``12345``, ``Brandlink``): empty means error 21606.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from brandlink.core.common import sids
from brandlink.core.common.dates import iso8601, utcnow
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import PageRequest
from brandlink.core.common.urls import validate_callback_url

SenderKind = Literal["phone_number", "whatsapp", "short_code", "alpha_sender"]

HTTP_METHODS = ("GET", "POST")
SCAN_MESSAGE_CONTENT = ("inherit", "enable", "disable")
USECASES = ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
MAX_FRIENDLY_NAME = 64
MIN_VALIDITY_PERIOD = 1
MAX_VALIDITY_PERIOD = 36_000


@dataclass(frozen=True)
class MessagingService:
    """A Messaging v1 Service with every setting Twilio exposes (defaults are Twilio's)."""

    account_sid: str
    sid: str
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    sticky_sender: bool = True
    mms_converter: bool = True
    smart_encoding: bool = True
    scan_message_content: str = "inherit"
    fallback_to_long_code: bool = True
    area_code_geomatch: bool = True
    synchronous_validation: bool = False
    validity_period: int = MAX_VALIDITY_PERIOD
    usecase: str = "undeclared"
    use_inbound_webhook_on_number: bool = False


@dataclass(frozen=True)
class Sender:
    """An address Brandlink can send from.

    Phone numbers (``PN``, kind ``phone_number`` or ``whatsapp``) and short codes (``SC``) are owned by
    the account and join at most one service's pool; alphanumeric sender IDs (``AI``) exist only in a
    pool. ``service_sid`` is the pool the sender is in (``None`` when in none); ``date_created`` of a
    pool entry is when it joined the pool.
    """

    sid: str
    account_sid: str
    kind: SenderKind
    address: str
    country_code: str | None
    capabilities: tuple[str, ...]
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    service_sid: str | None = None
    number_type: str | None = None
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_fallback_url: str | None = None
    sms_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"

    @property
    def e164(self) -> str | None:
        """The E.164 number of a phone or WhatsApp sender (``whatsapp:`` prefix removed)."""
        if self.kind == "phone_number":
            return self.address
        if self.kind == "whatsapp":
            return self.address.removeprefix("whatsapp:")
        return None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of domain objects with the DynamoDB keys that bound it (for PA/PB tokens)."""

    items: list[T]
    next_cursor: dict[str, Any] | None = None
    previous_cursor: dict[str, Any] | None = None


class AlreadyInPool(Exception):
    """The sender is already in a pool (``service_sid``), or the service already has an alpha sender."""

    def __init__(self, service_sid: str | None) -> None:
        super().__init__(service_sid)
        self.service_sid = service_sid


class AddressTaken(Exception):
    """The account already registered this address (``sender_sid``)."""

    def __init__(self, sender_sid: str | None) -> None:
        super().__init__(sender_sid)
        self.sender_sid = sender_sid


class ServiceGone(Exception):
    """The service was deleted (or is being deleted) while the request ran."""


class ServiceRepository(Protocol):
    def add(self, service: MessagingService) -> None: ...

    def get(self, account_sid: str, sid: str) -> MessagingService | None: ...

    def save(self, service: MessagingService) -> None:
        """Store changed settings; raises ``ServiceGone`` when the service no longer exists."""
        ...

    def page(self, account_sid: str, request: PageRequest) -> Page[MessagingService]: ...

    def begin_delete(self, account_sid: str, sid: str) -> bool:
        """Mark the service as being deleted (hidden, closed to new pool entries); False if absent."""
        ...

    def finish_delete(self, account_sid: str, sid: str) -> None:
        """Remove the pool, the sticky-sender mappings and then the service itself."""
        ...


class SenderRepository(Protocol):
    # Account-owned senders (PN, SC).
    def register(self, sender: Sender) -> None:
        """Store a new account-owned sender; raises ``AddressTaken`` for a second one with its address."""
        ...

    def get_owned(self, account_sid: str, sid: str) -> Sender | None: ...

    def save_owned(self, sender: Sender) -> bool:
        """Store the editable fields (name, SMS webhooks); False when the sender no longer exists."""
        ...

    def page_owned(
        self,
        account_sid: str,
        sid_prefix: str,
        request: PageRequest,
        *,
        address_contains: str | None = None,
        friendly_name: str | None = None,
    ) -> Page[Sender]: ...

    def delete_owned(self, account_sid: str, sid: str) -> bool:
        """Delete the sender and its pool entry, if any; False if it did not exist."""
        ...

    # Pools.
    def add_to_pool(self, service: MessagingService, sender: Sender) -> Sender:
        """Put an account-owned sender into the service's pool; raises ``AlreadyInPool``/``ServiceGone``."""
        ...

    def add_alpha_sender(self, service: MessagingService, sender: Sender) -> None:
        """Put an alphanumeric ID into the pool (one per service); raises ``AlreadyInPool``/``ServiceGone``."""
        ...

    def pool_entry(self, service_sid: str, sid: str) -> Sender | None: ...

    def pool(self, service_sid: str) -> list[Sender]: ...

    def page_pool(self, service_sid: str, sid_prefix: str, request: PageRequest) -> Page[Sender]: ...

    def remove_from_pool(self, service_sid: str, sid: str) -> bool: ...

    # Look-up at send time.
    def find_by_address(self, account_sid: str, address: str) -> list[Sender]: ...


ServiceDeletionHook = Callable[[str, str], None]
"""Called with ``(account_sid, service_sid)`` while a service is deleted, after it is closed to changes."""


def _friendly_name(value: str | None, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise TwilioError.invalid_parameter("FriendlyName", "is required; give the service a name.")
        return None
    name = value.strip()
    if not name:
        raise TwilioError.invalid_parameter("FriendlyName", "must not be empty.")
    if len(name) > MAX_FRIENDLY_NAME:
        raise TwilioError.invalid_parameter("FriendlyName", f"must be at most {MAX_FRIENDLY_NAME} characters.")
    return name


def _url(form: Form, name: str, *, allow_private: bool, code: ErrorCode = ErrorCode.INVALID_PARAMETER) -> str | None:
    """``None`` when absent; an empty value clears the URL (stored as ``None``)."""
    value = form.get(name)
    if value is None or value.strip() == "":
        return None
    return validate_callback_url(value, allow_private=allow_private, code=code, parameter=name)


def _choice(form: Form, name: str, allowed: Iterable[str], *, upper: bool) -> str | None:
    value = form.get(name)
    if value is None or value.strip() == "":
        return None
    normalized = value.strip().upper() if upper else value.strip().lower()
    options = tuple(allowed)
    if normalized not in options:
        raise TwilioError.invalid_parameter(name, f"must be one of {', '.join(options)}, got {value!r}.")
    return normalized


_BOOLEAN_SETTINGS = {
    "StickySender": "sticky_sender",
    "MmsConverter": "mms_converter",
    "SmartEncoding": "smart_encoding",
    "FallbackToLongCode": "fallback_to_long_code",
    "AreaCodeGeomatch": "area_code_geomatch",
    "SynchronousValidation": "synchronous_validation",
    "UseInboundWebhookOnNumber": "use_inbound_webhook_on_number",
}
_URL_SETTINGS = {"InboundRequestUrl": "inbound_request_url", "FallbackUrl": "fallback_url"}
_METHOD_SETTINGS = {"InboundMethod": "inbound_method", "FallbackMethod": "fallback_method"}


def settings_from_form(form: Form, *, allow_private: bool) -> dict[str, Any]:
    """The settings present in ``form``, validated, as ``MessagingService`` field values.

    Every parameter is checked before anything is returned, so a bad one never half-applies.
    """
    changes: dict[str, Any] = {}
    for param, field_name in _BOOLEAN_SETTINGS.items():
        value = form.get_bool(param)
        if value is not None:
            changes[field_name] = value
    for param, field_name in _URL_SETTINGS.items():
        if param in form:
            changes[field_name] = _url(form, param, allow_private=allow_private)
    if "StatusCallback" in form:
        changes["status_callback"] = _url(
            form, "StatusCallback", allow_private=allow_private, code=ErrorCode.INVALID_STATUS_CALLBACK
        )
    for param, field_name in _METHOD_SETTINGS.items():
        method = _choice(form, param, HTTP_METHODS, upper=True)
        if method is not None:
            changes[field_name] = method
    scan = _choice(form, "ScanMessageContent", SCAN_MESSAGE_CONTENT, upper=False)
    if scan is not None:
        changes["scan_message_content"] = scan
    usecase = _choice(form, "Usecase", USECASES, upper=False)
    if usecase is not None:
        changes["usecase"] = usecase
    validity = form.get_int("ValidityPeriod", minimum=MIN_VALIDITY_PERIOD, maximum=MAX_VALIDITY_PERIOD)
    if validity is not None:
        changes["validity_period"] = validity
    name = _friendly_name(form.get("FriendlyName"), required=False)
    if name is not None:
        changes["friendly_name"] = name
    return changes


def create_service(repo: ServiceRepository, account_sid: str, form: Form, *, allow_private: bool) -> MessagingService:
    name = _friendly_name(form.get("FriendlyName"), required=True)
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


def canonical_service_sid(sid: str) -> str | None:
    """``MG`` + lower-case hex for a well-formed service SID (either hex case), else ``None``."""
    return "MG" + sid[2:].lower() if sids.is_sid(sid, "MG", case_insensitive=True) else None


def owned_service(repo: ServiceRepository, account_sid: str, sid: str) -> MessagingService:
    """The account's service ``sid``; a malformed SID, another account's or a missing one is 20404."""
    canonical = canonical_service_sid(sid)
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
    canonical = canonical_service_sid(sid)
    if canonical is None or not repo.begin_delete(account_sid, canonical):
        raise TwilioError.not_found(f"Messaging Service {sid}")
    for hook in hooks:
        hook(account_sid, canonical)
    repo.finish_delete(account_sid, canonical)


def service_links(base_url: str, sid: str) -> dict[str, str]:
    url = f"{base_url}/v1/Services/{sid}"
    return {
        "phone_numbers": f"{url}/PhoneNumbers",
        "short_codes": f"{url}/ShortCodes",
        "alpha_senders": f"{url}/AlphaSenders",
        "messages": f"{url}/Messages",
        "us_app_to_person": f"{url}/Compliance/Usa2p",
        "us_app_to_person_usecases": f"{url}/Compliance/Usa2p/Usecases",
        "channel_senders": f"{url}/ChannelSenders",
    }


def service_resource(service: MessagingService, base_url: str) -> dict[str, Any]:
    """The Messaging v1 Service shape, field for field."""
    return {
        "account_sid": service.account_sid,
        "sid": service.sid,
        "friendly_name": service.friendly_name,
        "date_created": iso8601(service.date_created),
        "date_updated": iso8601(service.date_updated),
        "inbound_request_url": service.inbound_request_url,
        "inbound_method": service.inbound_method,
        "fallback_url": service.fallback_url,
        "fallback_method": service.fallback_method,
        "status_callback": service.status_callback,
        "sticky_sender": service.sticky_sender,
        "mms_converter": service.mms_converter,
        "smart_encoding": service.smart_encoding,
        "scan_message_content": service.scan_message_content,
        "fallback_to_long_code": service.fallback_to_long_code,
        "area_code_geomatch": service.area_code_geomatch,
        "synchronous_validation": service.synchronous_validation,
        "validity_period": service.validity_period,
        "url": f"{base_url}/v1/Services/{service.sid}",
        "links": service_links(base_url, service.sid),
        "usecase": service.usecase,
        "us_app_to_person_registered": False,
        "use_inbound_webhook_on_number": service.use_inbound_webhook_on_number,
    }
