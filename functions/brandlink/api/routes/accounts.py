"""``/2010-04-01/Accounts``: the caller's own account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink.api import deps
from brandlink.api.context import current_account, form, json_response, owned_account, page_request, query
from brandlink.api.spec import PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param, enum
from brandlink.core.accounts import actions as accounts_actions
from brandlink.core.accounts import model as accounts
from brandlink.core.accounts import render as accounts_render
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.paging import PageResult, envelope_2010

router = DocumentedRouter()

TAG = "Api20100401Account"
ACCOUNTS = "/2010-04-01/Accounts.json"
ACCOUNT = "/2010-04-01/Accounts/{Sid}.json"


@router.operation(
    Operation(
        "GET",
        ACCOUNTS,
        "ListAccount",
        "List the accounts the credentials can see: the caller's own.",
        TAG,
        {200: "ListAccountResponse"},
        query=(
            Param("FriendlyName", STRING, "Only accounts with exactly this name."),
            Param("Status", enum(*accounts.ACCOUNT_STATUSES), "Only accounts with this status."),
            *PAGE_PARAMS,
        ),
    )
)
def list_accounts() -> Response:
    account = current_account(router)
    params = query(router)
    request = page_request(router, params)
    name, status = params.get("FriendlyName"), params.get("Status")
    if status is not None and status not in accounts.ACCOUNT_STATUSES:
        raise TwilioError.invalid_parameter("Status", f"must be one of {', '.join(accounts.ACCOUNT_STATUSES)}.")
    matches = request.page == 0 and name in (None, account.friendly_name) and status in (None, account.status)
    items = [accounts_render.account_resource(account)] if matches else []
    extra = {key: value for key, value in (("FriendlyName", name), ("Status", status)) if value is not None}
    return json_response(envelope_2010(ACCOUNTS, "accounts", request, PageResult(items, extra_query=extra)))


@router.operation(
    Operation("GET", ACCOUNT, "FetchAccount", "Fetch the caller's account.", TAG, {200: "api.v2010.account"}, ("AC",))
)
def fetch_account(sid: str) -> Response:
    return json_response(accounts_render.account_resource(owned_account(router, sid)))


@router.operation(
    Operation(
        "POST",
        ACCOUNT,
        "UpdateAccount",
        "Rename the caller's account; its Status is changed by an operator, not over the API.",
        TAG,
        {200: "api.v2010.account"},
        ("AC",),
        form=(
            Param("FriendlyName", {"type": "string", "maxLength": 64}, "A new name for the account."),
            Param("Status", enum("active", "suspended", "closed"), "Only the current status is accepted."),
        ),
    )
)
def update_account(sid: str) -> Response:
    account = owned_account(router, sid)
    body = form(router)
    if "Status" in body and body.get("Status") != account.status:
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER,
            "An account cannot change its own Status over the API; an operator does it with `brandlink set-status`.",
        )
    updated = accounts_actions.update_account(account, body.get("FriendlyName"), None)
    deps.accounts().save(updated)
    return json_response(accounts_render.account_resource(updated))
