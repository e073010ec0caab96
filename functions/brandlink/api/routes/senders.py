"""Account-owned senders on the 2010-04-01 API.

``IncomingPhoneNumbers.json`` is Twilio's resource (create registers a number the account owns);
``SMS/ShortCodes.json`` is Twilio's resource plus Brandlink's create and delete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import form, json_response, no_content, owned_account, page_signer, policy, query
from brandlink.api.spec import PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param, enum
from brandlink.core.common.forms import MAX_FRIENDLY_NAME
from brandlink.core.common.paging import envelope_2010
from brandlink.core.senders import actions as senders
from brandlink.core.senders.actions import MAX_VERIFICATION_CODE
from brandlink.core.senders.model import Sender
from brandlink.core.senders.render import incoming_phone_number_resource, short_code_resource

router = DocumentedRouter()

_METHOD = enum("GET", "POST")
_URL = {"type": "string", "maxLength": 2048}
_FRIENDLY_NAME = Param("FriendlyName", {"type": "string", "maxLength": MAX_FRIENDLY_NAME}, "A name for it.")
_SMS_WEBHOOKS = (
    Param("SmsUrl", _URL, "Where incoming messages are POSTed (empty clears it)."),
    Param("SmsMethod", _METHOD, "The method for SmsUrl."),
    Param("SmsFallbackUrl", _URL, "Called when SmsUrl fails (empty clears it)."),
    Param("SmsFallbackMethod", _METHOD, "The method for SmsFallbackUrl."),
)
_STATUS_CALLBACK = (
    Param("StatusCallback", _URL, "Where status changes of its messages are POSTed (empty clears it)."),
    Param("StatusCallbackMethod", _METHOD, "The method for StatusCallback."),
)
_ACCOUNT_SID = Param("AccountSid", STRING, "Accepted only when it is the caller's account (no transfers).")


@dataclass(frozen=True)
class OwnedCollection:
    """A 2010-04-01 collection of account-owned senders, the filters its list accepts and how it is named."""

    path: str  # after /2010-04-01/Accounts/{AC}/
    sid_prefix: str
    list_key: str
    register: Callable[..., Sender]
    render: Callable[[Sender], dict[str, Any]]
    address_filter: str
    tag: str
    schema: str  # the resource's schema; its list is "List<noun>Response"
    noun: str  # Twilio's operationId noun: IncomingPhoneNumber, ShortCode
    id_infix: str  # "" or what makes the operationId unique in Brandlink's one document
    address_field: Param  # what create takes besides the webhooks
    extra_fields: tuple[Param, ...]
    twilio_operations: tuple[str, ...]  # the verbs Twilio has for this resource


OWNED_COLLECTIONS = (
    OwnedCollection(
        "IncomingPhoneNumbers",
        "PN",
        "incoming_phone_numbers",
        senders.register_phone_number,
        incoming_phone_number_resource,
        "PhoneNumber",
        "Api20100401IncomingPhoneNumber",
        "api.v2010.account.incoming_phone_number",
        "IncomingPhoneNumber",
        "",
        Param("PhoneNumber", STRING, "The number, E.164 (+14155552671) or whatsapp:+14155552671.", required=True),
        _STATUS_CALLBACK,
        ("Create", "List", "Fetch", "Update", "Delete"),
    ),
    OwnedCollection(
        "SMS/ShortCodes",
        "SC",
        "short_codes",
        senders.register_short_code,
        short_code_resource,
        "ShortCode",
        "Api20100401ShortCode",
        "api.v2010.account.short_code",
        "ShortCode",
        "Sms",  # Messaging v1 has ListShortCode, FetchShortCode... for a service's pool
        Param("ShortCode", {"type": "string", "pattern": "^[0-9]{3,8}$"}, "3 to 8 digits.", required=True),
        (Param("CountryCode", STRING, "ISO 3166-1 alpha-2 country of the short code, e.g. US.", required=True),),
        ("List", "Fetch", "Update"),
    ),
)


def _operation(collection: OwnedCollection, verb: str, method: str, path: str, **kwargs: Any) -> Operation:
    """The collection's ``verb`` operation, with Twilio's id where Twilio has the verb."""
    noun = collection.noun
    twilio_id = f"{verb}{noun}" if verb in collection.twilio_operations else None
    operation_id = f"{verb}{collection.id_infix}{noun}"
    return Operation(
        method,
        path,
        operation_id,
        kwargs.pop("summary"),
        collection.tag,
        kwargs.pop("responses"),
        twilio_operation_id=twilio_id if twilio_id != operation_id else None,
        brandlink_addition=twilio_id is None,
        **kwargs,
    )


def _register_routes(collection: OwnedCollection) -> None:
    base = f"/2010-04-01/Accounts/{{AccountSid}}/{collection.path}"
    item = f"{base}/{{Sid}}.json"
    sid = (collection.sid_prefix,)
    webhooks = (*_SMS_WEBHOOKS, *(p for p in collection.extra_fields if p.name.startswith("Status")))
    create_fields = (collection.address_field, *collection.extra_fields, _FRIENDLY_NAME, *_SMS_WEBHOOKS, _ACCOUNT_SID)
    list_query = (
        Param(collection.address_filter, STRING, "Only senders whose address contains this (spaces, dashes ignored)."),
        Param("FriendlyName", STRING, "Only senders with exactly this friendly name."),
        *PAGE_PARAMS,
    )

    @router.operation(
        _operation(
            collection,
            "Create",
            "POST",
            f"{base}.json",
            summary=f"Register a {collection.noun} the account owns.",
            responses={201: collection.schema},
            form=create_fields,
        )
    )
    def register(account_sid: str) -> Response[str]:
        account = owned_account(router, account_sid)
        sender = collection.register(
            wiring.senders(),
            wiring.sender_ownership(),
            account.sid,
            form(router),
            allow_private=policy().allow_private_urls,
        )
        return json_response(collection.render(sender), 201)

    @router.operation(
        _operation(
            collection,
            "List",
            "GET",
            f"{base}.json",
            summary=f"List the account's {collection.noun} senders.",
            responses={200: f"List{collection.noun}Response"},
            query=list_query,
        )
    )
    def list_owned(account_sid: str) -> Response[str]:
        account = owned_account(router, account_sid)
        listing = senders.list_owned(
            wiring.senders(),
            account.sid,
            collection.sid_prefix,
            collection.address_filter,
            query(router),
            page_signer(router),
        )
        path = f"/2010-04-01/Accounts/{account.sid}/{collection.path}.json"
        return json_response(
            envelope_2010(path, collection.list_key, listing.request, listing.rendered(collection.render))
        )

    @router.operation(
        _operation(
            collection,
            "Fetch",
            "GET",
            item,
            summary=f"Fetch one of the account's {collection.noun} senders.",
            responses={200: collection.schema},
            sid=sid,
        )
    )
    def fetch_owned(account_sid: str, sid: str) -> Response[str]:
        account = owned_account(router, account_sid)
        return json_response(
            collection.render(senders.owned_sender(wiring.senders(), account.sid, sid, collection.sid_prefix))
        )

    @router.operation(
        _operation(
            collection,
            "Update",
            "POST",
            item,
            summary="Change its friendly name and SMS webhooks; the address never changes.",
            responses={200: collection.schema},
            sid=sid,
            form=(_FRIENDLY_NAME, *webhooks, _ACCOUNT_SID),
        )
    )
    def update_owned(account_sid: str, sid: str) -> Response[str]:
        account = owned_account(router, account_sid)
        updated = senders.update_owned_sender(
            wiring.senders(),
            account.sid,
            sid,
            collection.sid_prefix,
            form(router),
            allow_private=policy().allow_private_urls,
        )
        return json_response(collection.render(updated))

    @router.operation(
        _operation(
            collection,
            "Delete",
            "DELETE",
            item,
            summary="Delete it, and its entry in a messaging service's pool if it has one.",
            responses={204: None},
            sid=sid,
        )
    )
    def delete_owned(account_sid: str, sid: str) -> Response[str]:
        account = owned_account(router, account_sid)
        senders.delete_owned_sender(wiring.senders(), account.sid, sid, collection.sid_prefix)
        return no_content()


for _collection in OWNED_COLLECTIONS:
    _register_routes(_collection)


@router.operation(
    Operation(
        "POST",
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}/Verify.json",
        "CreateIncomingPhoneNumberVerification",
        "Prove the account holds a pending number with the code sent to it; without Code, send a new code.",
        "Api20100401IncomingPhoneNumber",
        {200: "api.v2010.account.incoming_phone_number"},
        ("PN",),
        form=(
            Param(
                "Code",
                {"type": "string", "maxLength": MAX_VERIFICATION_CODE},
                "The code the number received; leave it out to have a new one sent (at most one a minute).",
            ),
        ),
        brandlink_addition=True,
    )
)
def verify_phone_number(account_sid: str, sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    sender = senders.verify_phone_number(wiring.senders(), wiring.sender_ownership(), account.sid, sid, form(router))
    return json_response(incoming_phone_number_resource(sender))
