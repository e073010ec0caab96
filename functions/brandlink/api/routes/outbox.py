"""``GET /v1/Outbox``: what the ``outbox`` provider delivered for the caller's account, newest first.

Filters ``To`` and ``MessageSid``; v1 envelope with the records under ``messages``.
"""

from __future__ import annotations

from functools import partial

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, current_account, json_response, page_signer, query
from brandlink.api.spec import PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param
from brandlink.core.common.paging import envelope_v1
from brandlink.core.messaging import outbox

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
def list_outbox() -> Response[str]:
    listing = outbox.list_outbox(wiring.outbox(), current_account(router).sid, query(router), page_signer(router))
    base = base_url(router)
    result = listing.rendered(partial(outbox.outbox_resource, base_url=base))
    return json_response(envelope_v1(base, "/v1/Outbox", "messages", listing.request, result))
