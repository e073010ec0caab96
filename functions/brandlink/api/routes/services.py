"""``/v1/Services``: messaging services and their sender pools (PhoneNumbers, ShortCodes, AlphaSenders)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, current_account, form, json_response, no_content, page_signer, policy, query
from brandlink.api.spec import BOOLEAN, PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param, enum, sid_schema
from brandlink.core.common.forms import MAX_FRIENDLY_NAME
from brandlink.core.common.paging import envelope_v1
from brandlink.core.senders import actions as senders
from brandlink.core.senders.render import pool_resource
from brandlink.core.services import actions as services
from brandlink.core.services.model import MAX_VALIDITY_PERIOD, MIN_VALIDITY_PERIOD, USECASES
from brandlink.core.services.render import service_resource

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
            {"type": "string", "maxLength": MAX_FRIENDLY_NAME},
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
                "minimum": MIN_VALIDITY_PERIOD,
                "maximum": MAX_VALIDITY_PERIOD,
            },
            "Seconds a message may wait before it fails.",
        ),
        Param("SynchronousValidation", BOOLEAN, "Recorded."),
        Param("Usecase", enum(*USECASES), "The service's use case."),
        Param("UseInboundWebhookOnNumber", BOOLEAN, "Use the number's own webhooks for incoming messages."),
    )


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
def create_service() -> Response[str]:
    account = current_account(router)
    service = services.create_service(
        wiring.services(), account.sid, form(router), allow_private=policy().allow_private_urls
    )
    return json_response(service_resource(service, base_url(router)), 201)


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
def list_services() -> Response[str]:
    listing = services.list_services(wiring.services(), current_account(router).sid, query(router), page_signer(router))
    base = base_url(router)
    result = listing.rendered(partial(service_resource, base_url=base))
    return json_response(envelope_v1(base, SERVICES, "services", listing.request, result))


@router.operation(
    Operation("GET", SERVICE, "FetchService", "Fetch a messaging service.", TAG, {200: "messaging.v1.service"}, ("MG",))
)
def fetch_service(sid: str) -> Response[str]:
    service = services.owned_service(wiring.services(), current_account(router).sid, sid)
    return json_response(service_resource(service, base_url(router)))


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
def update_service(sid: str) -> Response[str]:
    updated = services.update_owned_service(
        wiring.services(), current_account(router).sid, sid, form(router), allow_private=policy().allow_private_urls
    )
    return json_response(service_resource(updated, base_url(router)))


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
def delete_service(sid: str) -> Response[str]:
    services.delete_service(wiring.services(), current_account(router).sid, sid, wiring.service_deletion_hooks())
    return no_content()


@dataclass(frozen=True)
class PoolCollection:
    """One kind of pool sub-resource: its path, SID prefix, list key and how it is named."""

    path: str
    sid_prefix: str  # also says which sender kind the pool action adds (senders.add_to_pool)
    list_key: str
    noun: str  # Twilio's operationId noun
    schema: str
    list_schema: str
    add_fields: tuple[Param, ...]


POOL_COLLECTIONS = (
    PoolCollection(
        "PhoneNumbers",
        "PN",
        "phone_numbers",
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
    def add_entry(service_sid: str) -> Response[str]:
        entry = senders.add_to_pool(
            wiring.services(),
            wiring.senders(),
            wiring.sender_ownership(),
            current_account(router).sid,
            service_sid,
            collection.sid_prefix,
            form(router),
        )
        return json_response(pool_resource(entry, base_url(router)), 201)

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
    def list_entries(service_sid: str) -> Response[str]:
        service, listing = senders.list_pool(
            wiring.services(),
            wiring.senders(),
            current_account(router).sid,
            service_sid,
            collection.sid_prefix,
            query(router),
            page_signer(router),
        )
        base = base_url(router)
        result = listing.rendered(partial(pool_resource, base_url=base))
        path = f"/v1/Services/{service.sid}/{collection.path}"
        return json_response(envelope_v1(base, path, collection.list_key, listing.request, result))

    @router.operation(
        Operation(
            "GET", item_path, f"Fetch{collection.noun}", "Fetch a pool entry.", tag, {200: collection.schema}, sid
        )
    )
    def fetch_entry(service_sid: str, sid: str) -> Response[str]:
        entry = senders.get_pool_entry(
            wiring.services(), wiring.senders(), current_account(router).sid, service_sid, sid, collection.sid_prefix
        )
        return json_response(pool_resource(entry, base_url(router)))

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
    def remove_entry(service_sid: str, sid: str) -> Response[str]:
        senders.remove_pool_entry(
            wiring.services(), wiring.senders(), current_account(router).sid, service_sid, sid, collection.sid_prefix
        )
        return no_content()


for _collection in POOL_COLLECTIONS:
    _register_pool_routes(_collection)
