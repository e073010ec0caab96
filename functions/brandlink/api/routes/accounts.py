"""``/2010-04-01/Accounts``: the caller's own account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink.api import deps
from brandlink.api.context import current_account, form, json_response, owned_account, query
from brandlink.core import accounts, errors
from brandlink.core.paging import PageRequest, PageResult, envelope_2010

router = Router()


@router.get("/2010-04-01/Accounts.json")
def list_accounts() -> Response:
    account = current_account(router)
    request = PageRequest.from_form(query(router))
    items = [accounts.account_resource(account)] if request.page == 0 else []
    return json_response(envelope_2010("/2010-04-01/Accounts.json", "accounts", request, PageResult(items)))


@router.get("/2010-04-01/Accounts/<account_sid>.json")
def fetch_account(account_sid: str) -> Response:
    return json_response(accounts.account_resource(owned_account(router, account_sid)))


@router.post("/2010-04-01/Accounts/<account_sid>.json")
def update_account(account_sid: str) -> Response:
    account = owned_account(router, account_sid)
    body = form(router)
    if "Status" in body and body.get("Status") != account.status:
        raise errors.TwilioError(
            20001, "An account cannot change its own Status over the API; an operator does it with brandlink.admin."
        )
    updated = accounts.update_account(account, body.get("FriendlyName"), None)
    deps.accounts().save(updated)
    return json_response(accounts.account_resource(updated))
