"""``GET /v1/Outbox``: what the ``outbox`` provider delivered for the caller's account, newest first.

Filters ``To`` and ``MessageSid``; v1 envelope with the records under ``messages``.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import base_url, current_account, json_response, query
from brandlink.core.outbox import outbox_resource
from brandlink.core.paging import PageRequest, PageResult, envelope_v1

router = Router()


@router.get("/v1/Outbox")
def list_outbox() -> Response:
    account = current_account(router)
    params = query(router)
    request = PageRequest.from_form(params)
    to = (params.get("To") or "").strip() or None
    message_sid = (params.get("MessageSid") or "").strip() or None
    page = deps.outbox().page(account.sid, request, to=to, message_sid=message_sid)
    extra = {name: value for name, value in (("To", to), ("MessageSid", message_sid)) if value}
    base = base_url(router)
    result = PageResult([outbox_resource(e, base) for e in page.items], page.next_cursor, page.previous_cursor, extra)
    return json_response(envelope_v1(base, "/v1/Outbox", "messages", request, result))
