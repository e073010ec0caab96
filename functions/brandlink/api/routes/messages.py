"""``/2010-04-01/Accounts/{AC}/Messages``: send now or at ``SendAt``, fetch, list, cancel, redact, delete."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import form, json_response, no_content, owned_account, query
from brandlink.core import message_actions
from brandlink.core.dates import utcnow
from brandlink.core.messages import API_VERSION, message_resource
from brandlink.core.paging import PageResult, envelope_2010

router = Router()

MESSAGES = f"/{API_VERSION}/Accounts/<account_sid>/Messages.json"
MESSAGE = f"/{API_VERSION}/Accounts/<account_sid>/Messages/<message_sid>.json"


@router.post(MESSAGES)
def create_message(account_sid: str) -> Response:
    account = owned_account(router, account_sid)
    message = message_actions.create_message(
        deps.message_ports(), account, form(router), deps.message_limits(), utcnow()
    )
    return json_response(message_resource(message), 201)


@router.get(MESSAGES)
def list_messages(account_sid: str) -> Response:
    account = owned_account(router, account_sid)
    page, request, extra = message_actions.list_messages(deps.message_ports(), account.sid, query(router), utcnow())
    result = PageResult([message_resource(m) for m in page.items], page.next_cursor, page.previous_cursor, extra)
    path = f"/{API_VERSION}/Accounts/{account.sid}/Messages.json"
    return json_response(envelope_2010(path, "messages", request, result))


@router.get(MESSAGE)
def fetch_message(account_sid: str, message_sid: str) -> Response:
    account = owned_account(router, account_sid)
    return json_response(message_resource(message_actions.get_message(deps.message_ports(), account.sid, message_sid)))


@router.post(MESSAGE)
def update_message(account_sid: str, message_sid: str) -> Response:
    account = owned_account(router, account_sid)
    message = message_actions.update_message(deps.message_ports(), account.sid, message_sid, form(router), utcnow())
    return json_response(message_resource(message))


@router.delete(MESSAGE)
def delete_message(account_sid: str, message_sid: str) -> Response:
    account = owned_account(router, account_sid)
    message_actions.delete_message(deps.message_ports(), account.sid, message_sid)
    return no_content()
