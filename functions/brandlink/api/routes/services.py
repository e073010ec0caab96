"""``/v1/Services``: messaging services and their sender pools (PhoneNumbers, ShortCodes, AlphaSenders)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import Response

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, form, json_response, no_content, page_request
from brandlink.api.spec import BOOLEAN, PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param, enum, sid_schema
from brandlink.config import settings
from brandlink.core.common import forms as services_forms
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import PageResult, checked_page, envelope_v1
from brandlink.core.senders import actions as senders
from brandlink.core.senders import render as senders_render
from brandlink.core.senders.model import Sender
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.services import actions as services
from brandlink.core.services import model as services_model
from brandlink.core.services import render as services_render
from brandlink.core.services.model import MessagingService

router = DocumentedRouter()

TAG = "MessagingV1Service"
SERVICES = "/v1/Services"
SERVICE = "/v1/Services/{Sid}"
_URL = {"type": "string", "maxLength": 2048}
_METHOD = enum("GET", "POST")


def _settings(*, name_required: bool) -> tuple[Param, ...]:
    """The service settings create and update take (Twilio's names; unknown ones are ignored)."""
    return (
        Param(
            "FriendlyName",
            {"type": "string", "maxLength": services_forms.MAX_FRIENDLY_NAME},
            "A name for the service.",
            required=name_required,
        ),
        Param("InboundRequestUrl", _URL, "Where incoming messages are POSTed (empty clears it)."),
        Param("InboundMethod", _METHOD, "The method for InboundRequestUrl."),
        Param("FallbackUrl", _URL, "Called when InboundRequestUrl fails (empty clears it)."),
        Param("FallbackMethod", _METHOD, "The method for FallbackUrl."),
        Param("StatusCallback", _URL, "Where status changes of the service's messages are POSTed."),
        Param("StickySender", BOOLEAN, "Keep sending to a recipient from the same sender."),
        Param("MmsConverter", BOOLEAN, "Recorded (Twilio: convert MMS to SMS with a link)."),
        Param("SmartEncoding", BOOLEAN, "Replace Unicode look-alikes with GSM-7 characters."),
        Param("ScanMessageContent", enum("inherit", "enable", "disable"), "Recorded."),
        Param("FallbackToLongCode", BOOLEAN, "Recorded."),
        Param("AreaCodeGeomatch", BOOLEAN, "Prefer a sender with the recipient's area code."),
        Param(
            "ValidityPeriod",
            {
                "type": "integer",
                "minimum": services_model.MIN_VALIDITY_PERIOD,
                "maximum": services_model.MAX_VALIDITY_PERIOD,
            },
            "Seconds a message may wait before it fails.",
        ),
        Param("SynchronousValidation", BOOLEAN, "Recorded."),
        Param("Usecase", enum(*services_model.USECASES), "The service's use case."),
        Param("UseInboundWebhookOnNumber", BOOLEAN, "Use the number's own webhooks for incoming messages."),
    )


def _service(sid: str) -> MessagingService:
    return services.owned_service(deps.services(), current_account(router).sid, sid)


@router.operation(
    Operation(
        "POST",
        SERVICES,
        "CreateService",
        "Create a messaging service.",
        TAG,
        {201: "messaging.v1.service"},
        form=_settings(name_required=True),
    )
)
def create_service() -> Response:
    account = current_account(router)
    service = services.create_service(deps.services(), account.sid, form(router), allow_private=settings().is_local)
    return json_response(services_render.service_resource(service, base_url(router)), 201)


@router.operation(
    Operation(
        "GET",
        SERVICES,
        "ListService",
        "List the account's messaging services.",
        TAG,
        {200: "ListServiceResponse"},
        query=PAGE_PARAMS,
    )
)
def list_services() -> Response:
    account = current_account(router)
    request = page_request(router)
    page = checked_page(lambda: deps.services().page(account.sid, request))
    base = base_url(router)
    result = PageResult(
        [services_render.service_resource(s, base) for s in page.items], page.next_cursor, page.previous_cursor
    )
    return json_response(envelope_v1(base, "/v1/Services", "services", request, result))


@router.operation(
    Operation("GET", SERVICE, "FetchService", "Fetch a messaging service.", TAG, {200: "messaging.v1.service"}, ("MG",))
)
def fetch_service(sid: str) -> Response:
    return json_response(services_render.service_resource(_service(sid), base_url(router)))


@router.operation(
    Operation(
        "POST",
        SERVICE,
        "UpdateService",
        "Change a messaging service's settings.",
        TAG,
        {200: "messaging.v1.service"},
        ("MG",),
        form=_settings(name_required=False),
    )
)
def update_service(sid: str) -> Response:
    service = _service(sid)
    updated = services.update_service(deps.services(), service, form(router), allow_private=settings().is_local)
    return json_response(services_render.service_resource(updated, base_url(router)))


@router.operation(
    Operation(
        "DELETE",
        SERVICE,
        "DeleteService",
        "Delete a messaging service, its pool and its sticky senders; its numbers stay the account's.",
        TAG,
        {204: None},
        ("MG",),
    )
)
def delete_service(sid: str) -> Response:
    account = current_account(router)
    services.delete_service(deps.services(), account.sid, sid, deps.service_deletion_hooks())
    return no_content()


@dataclass(frozen=True)
class PoolCollection:
    """One kind of pool sub-resource: its path, SID prefix, list key, how an entry is added and named."""

    path: str
    sid_prefix: str
    list_key: str
    add: Callable[[SenderRepository, MessagingService, Form], Sender]
    noun: str  # Twilio's operationId noun
    schema: str
    list_schema: str
    add_fields: tuple[Param, ...]


POOL_COLLECTIONS = (
    PoolCollection(
        "PhoneNumbers",
        "PN",
        "phone_numbers",
        senders.add_phone_number,
        "PhoneNumber",
        "messaging.v1.service.phone_number",
        "ListPhoneNumberResponse",
        (
            Param("PhoneNumberSid", sid_schema("PN"), "One of the account's numbers (IncomingPhoneNumbers)."),
            Param("PhoneNumber", STRING, "Brandlink's addition: an E.164 number, registered when new."),
        ),
    ),
    PoolCollection(
        "ShortCodes",
        "SC",
        "short_codes",
        senders.add_short_code,
        "ShortCode",
        "messaging.v1.service.short_code",
        "ListServiceShortCodeResponse",
        (
            Param("ShortCodeSid", sid_schema("SC"), "One of the account's short codes (SMS/ShortCodes)."),
            Param("ShortCode", STRING, "Brandlink's addition: 3 to 8 digits, registered when new."),
            Param("CountryCode", STRING, "With ShortCode: its ISO 3166-1 alpha-2 country, e.g. US."),
        ),
    ),
    PoolCollection(
        "AlphaSenders",
        "AI",
        "alpha_senders",
        senders.add_alpha_sender,
        "AlphaSender",
        "messaging.v1.service.alpha_sender",
        "ListAlphaSenderResponse",
        (Param("AlphaSender", {"type": "string", "maxLength": 11}, "1 to 11 letters, digits or spaces.", True),),
    ),
)


def _register_pool_routes(collection: PoolCollection) -> None:
    collection_path = f"/v1/Services/{{ServiceSid}}/{collection.path}"
    item_path = f"{collection_path}/{{Sid}}"
    tag = f"MessagingV1{collection.noun}"
    sid = (collection.sid_prefix,)

    @router.operation(
        Operation(
            "POST",
            collection_path,
            f"Create{collection.noun}",
            f"Add a {collection.noun} to the service's sender pool.",
            tag,
            {201: collection.schema},
            form=collection.add_fields,
        )
    )
    def add_entry(service_sid: str) -> Response:
        service = _service(service_sid)
        entry = collection.add(deps.senders(), service, form(router))
        return json_response(senders_render.pool_resource(entry, base_url(router)), 201)

    @router.operation(
        Operation(
            "GET",
            collection_path,
            f"List{collection.noun}",
            f"List the service's {collection.noun} senders.",
            tag,
            {200: collection.list_schema},
            query=PAGE_PARAMS,
        )
    )
    def list_entries(service_sid: str) -> Response:
        service = _service(service_sid)
        request = page_request(router)
        page = checked_page(lambda: deps.senders().page_pool(service.sid, collection.sid_prefix, request))
        base = base_url(router)
        result = PageResult(
            [senders_render.pool_resource(entry, base) for entry in page.items], page.next_cursor, page.previous_cursor
        )
        path = f"/v1/Services/{service.sid}/{collection.path}"
        return json_response(envelope_v1(base, path, collection.list_key, request, result))

    @router.operation(
        Operation(
            "GET", item_path, f"Fetch{collection.noun}", "Fetch a pool entry.", tag, {200: collection.schema}, sid
        )
    )
    def fetch_entry(service_sid: str, sid: str) -> Response:
        service = _service(service_sid)
        entry = senders.pool_entry(deps.senders(), service, sid, collection.sid_prefix)
        return json_response(senders_render.pool_resource(entry, base_url(router)))

    @router.operation(
        Operation(
            "DELETE",
            item_path,
            f"Delete{collection.noun}",
            "Take the sender out of the service's pool.",
            tag,
            {204: None},
            sid,
        )
    )
    def remove_entry(service_sid: str, sid: str) -> Response:
        service = _service(service_sid)
        entry = senders.pool_entry(deps.senders(), service, sid, collection.sid_prefix)
        if not deps.senders().remove_from_pool(service.sid, entry.sid):
            raise TwilioError.not_found(f"The sender {sid} in Messaging Service {service.sid}")
        return no_content()


for _collection in POOL_COLLECTIONS:
    _register_pool_routes(_collection)
