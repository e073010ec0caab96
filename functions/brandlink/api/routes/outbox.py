"""``GET /v1/Outbox``: what the ``outbox`` provider delivered for the caller's account, newest first.

Filters ``To`` and ``MessageSid``; v1 envelope with the records under ``messages``.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, json_response, page_request, query
from brandlink.api.spec import PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param
from brandlink.core.common.paging import PageResult, checked_page, envelope_v1
from brandlink.core.messaging.outbox import outbox_resource

router = DocumentedRouter()


@router.operation(
    Operation(
        "GET",
        "/v1/Outbox",
        "ListOutboxMessage",
        "What the outbox provider delivered for the account, newest first (the local default provider).",
        "BrandlinkOutbox",
        {200: "ListOutboxMessageResponse"},
        query=(
            Param("To", STRING, "Only messages delivered to this address."),
            Param("MessageSid", STRING, "Only the delivery of this message."),
            *PAGE_PARAMS,
        ),
        brandlink_addition=True,
    )
)
def list_outbox() -> Response:
    account = current_account(router)
    params = query(router)
    request = page_request(router, params)
    to = (params.get("To") or "").strip() or None
    message_sid = (params.get("MessageSid") or "").strip() or None
    page = checked_page(lambda: deps.outbox().page(account.sid, request, to=to, message_sid=message_sid))
    extra = {name: value for name, value in (("To", to), ("MessageSid", message_sid)) if value}
    base = base_url(router)
    result = PageResult([outbox_resource(e, base) for e in page.items], page.next_cursor, page.previous_cursor, extra)
    return json_response(envelope_v1(base, "/v1/Outbox", "messages", request, result))
