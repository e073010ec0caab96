"""Account-owned senders on the 2010-04-01 API.

``IncomingPhoneNumbers.json`` is Twilio's resource (create registers a number the account owns);
``SMS/ShortCodes.json`` is Twilio's resource plus Brandlink's create and delete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import form, json_response, no_content, owned_account, query
from brandlink.config import settings
from brandlink.core import errors, senders
from brandlink.core.forms import Form
from brandlink.core.paging import PageRequest, PageResult, envelope_2010
from brandlink.core.services import Sender

router = Router()


@dataclass(frozen=True)
class OwnedCollection:
    """A 2010-04-01 collection of account-owned senders and the filters its list accepts."""

    path: str  # after /2010-04-01/Accounts/{AC}/
    sid_prefix: str
    list_key: str
    register: Callable[..., Sender]
    render: Callable[[Sender], dict[str, Any]]
    address_filter: str


OWNED_COLLECTIONS = (
    OwnedCollection(
        "IncomingPhoneNumbers",
        "PN",
        "incoming_phone_numbers",
        senders.register_phone_number,
        senders.incoming_phone_number_resource,
        "PhoneNumber",
    ),
    OwnedCollection(
        "SMS/ShortCodes", "SC", "short_codes", senders.register_short_code, senders.short_code_resource, "ShortCode"
    ),
)


def _filters(params: Form, address_param: str) -> tuple[dict[str, str], str | None, str | None]:
    """``(echoed query, address fragment, exact friendly name)``; spaces and dashes in numbers are ignored."""
    echoed: dict[str, str] = {}
    address = params.get(address_param)
    if address:
        echoed[address_param] = address
        address = "".join(ch for ch in address if ch not in " -()")
    name = params.get("FriendlyName")
    if name is not None:
        echoed["FriendlyName"] = name
    return echoed, address or None, name


def _register_routes(collection: OwnedCollection) -> None:
    base = f"/2010-04-01/Accounts/<account_sid>/{collection.path}"

    @router.post(f"{base}.json")
    def register(account_sid: str) -> Response:
        account = owned_account(router, account_sid)
        sender = collection.register(deps.senders(), account.sid, form(router), allow_private=settings().is_local)
        return json_response(collection.render(sender), 201)

    @router.get(f"{base}.json")
    def list_owned(account_sid: str) -> Response:
        account = owned_account(router, account_sid)
        params = query(router)
        request = PageRequest.from_form(params)
        echoed, address, name = _filters(params, collection.address_filter)
        page = deps.senders().page_owned(
            account.sid, collection.sid_prefix, request, address_contains=address, friendly_name=name
        )
        result = PageResult([collection.render(s) for s in page.items], page.next_cursor, page.previous_cursor, echoed)
        path = f"/2010-04-01/Accounts/{account.sid}/{collection.path}.json"
        return json_response(envelope_2010(path, collection.list_key, request, result))

    @router.get(f"{base}/<sid>.json")
    def fetch_owned(account_sid: str, sid: str) -> Response:
        account = owned_account(router, account_sid)
        return json_response(
            collection.render(senders.owned_sender(deps.senders(), account.sid, sid, collection.sid_prefix))
        )

    @router.post(f"{base}/<sid>.json")
    def update_owned(account_sid: str, sid: str) -> Response:
        account = owned_account(router, account_sid)
        sender = senders.owned_sender(deps.senders(), account.sid, sid, collection.sid_prefix)
        updated = senders.update_owned(deps.senders(), sender, form(router), allow_private=settings().is_local)
        return json_response(collection.render(updated))

    @router.delete(f"{base}/<sid>.json")
    def delete_owned(account_sid: str, sid: str) -> Response:
        account = owned_account(router, account_sid)
        sender = senders.owned_sender(deps.senders(), account.sid, sid, collection.sid_prefix)
        if not deps.senders().delete_owned(account.sid, sender.sid):
            raise errors.not_found(f"The sender {sid}")
        return no_content()


for _collection in OWNED_COLLECTIONS:
    _register_routes(_collection)
