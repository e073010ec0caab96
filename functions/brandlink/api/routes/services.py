"""``/v1/Services``: messaging services and their sender pools (PhoneNumbers, ShortCodes, AlphaSenders)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, form, json_response, no_content, query
from brandlink.config import settings
from brandlink.core import errors, senders, services
from brandlink.core.forms import Form
from brandlink.core.paging import PageRequest, PageResult, envelope_v1
from brandlink.core.services import MessagingService, Sender, SenderRepository

router = Router()


def _service(sid: str) -> MessagingService:
    return services.owned_service(deps.services(), current_account(router).sid, sid)


@router.post("/v1/Services")
def create_service() -> Response:
    account = current_account(router)
    service = services.create_service(deps.services(), account.sid, form(router), allow_private=settings().is_local)
    return json_response(services.service_resource(service, base_url(router)), 201)


@router.get("/v1/Services")
def list_services() -> Response:
    account = current_account(router)
    request = PageRequest.from_form(query(router))
    page = deps.services().page(account.sid, request)
    base = base_url(router)
    result = PageResult(
        [services.service_resource(s, base) for s in page.items], page.next_cursor, page.previous_cursor
    )
    return json_response(envelope_v1(base, "/v1/Services", "services", request, result))


@router.get("/v1/Services/<service_sid>")
def fetch_service(service_sid: str) -> Response:
    return json_response(services.service_resource(_service(service_sid), base_url(router)))


@router.post("/v1/Services/<service_sid>")
def update_service(service_sid: str) -> Response:
    service = _service(service_sid)
    updated = services.update_service(deps.services(), service, form(router), allow_private=settings().is_local)
    return json_response(services.service_resource(updated, base_url(router)))


@router.delete("/v1/Services/<service_sid>")
def delete_service(service_sid: str) -> Response:
    account = current_account(router)
    services.delete_service(deps.services(), account.sid, service_sid, deps.service_deletion_hooks())
    return no_content()


@dataclass(frozen=True)
class PoolCollection:
    """One kind of pool sub-resource: its path, SID prefix, list key and how an entry is added."""

    path: str
    sid_prefix: str
    list_key: str
    add: Callable[[SenderRepository, MessagingService, Form], Sender]


POOL_COLLECTIONS = (
    PoolCollection("PhoneNumbers", "PN", "phone_numbers", senders.add_phone_number),
    PoolCollection("ShortCodes", "SC", "short_codes", senders.add_short_code),
    PoolCollection("AlphaSenders", "AI", "alpha_senders", senders.add_alpha_sender),
)


def _register_pool_routes(collection: PoolCollection) -> None:
    collection_path = f"/v1/Services/<service_sid>/{collection.path}"

    @router.post(collection_path)
    def add_entry(service_sid: str) -> Response:
        service = _service(service_sid)
        entry = collection.add(deps.senders(), service, form(router))
        return json_response(senders.pool_resource(entry, base_url(router)), 201)

    @router.get(collection_path)
    def list_entries(service_sid: str) -> Response:
        service = _service(service_sid)
        request = PageRequest.from_form(query(router))
        page = deps.senders().page_pool(service.sid, collection.sid_prefix, request)
        base = base_url(router)
        result = PageResult(
            [senders.pool_resource(entry, base) for entry in page.items], page.next_cursor, page.previous_cursor
        )
        path = f"/v1/Services/{service.sid}/{collection.path}"
        return json_response(envelope_v1(base, path, collection.list_key, request, result))

    @router.get(f"{collection_path}/<sid>")
    def fetch_entry(service_sid: str, sid: str) -> Response:
        service = _service(service_sid)
        entry = senders.pool_entry(deps.senders(), service, sid, collection.sid_prefix)
        return json_response(senders.pool_resource(entry, base_url(router)))

    @router.delete(f"{collection_path}/<sid>")
    def remove_entry(service_sid: str, sid: str) -> Response:
        service = _service(service_sid)
        entry = senders.pool_entry(deps.senders(), service, sid, collection.sid_prefix)
        if not deps.senders().remove_from_pool(service.sid, entry.sid):
            raise errors.not_found(f"The sender {sid} in Messaging Service {service.sid}")
        return no_content()


for _collection in POOL_COLLECTIONS:
    _register_pool_routes(_collection)
