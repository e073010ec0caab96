"""``/2010-04-01/Accounts``: the caller's own account."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import current_account, form, json_response, owned_account, page_signer, query
from brandlink.api.spec import PAGE_PARAMS, STRING, DocumentedRouter, Operation, Param, enum
from brandlink.core.accounts import actions
from brandlink.core.accounts.model import ACCOUNT_STATUSES
from brandlink.core.accounts.render import account_resource
from brandlink.core.common.forms import MAX_FRIENDLY_NAME
from brandlink.core.common.paging import envelope_2010

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
            Param("Status", enum(*ACCOUNT_STATUSES), "Only accounts with this status."),
            *PAGE_PARAMS,
        ),
    )
)
def list_accounts() -> Response[str]:
    listing = actions.list_accounts(current_account(router), query(router), page_signer(router))
    return json_response(envelope_2010(ACCOUNTS, "accounts", listing.request, listing.rendered(account_resource)))


@router.operation(
    Operation("GET", ACCOUNT, "FetchAccount", "Fetch the caller's account.", TAG, {200: "api.v2010.account"}, ("AC",))
)
def fetch_account(sid: str) -> Response[str]:
    return json_response(account_resource(owned_account(router, sid)))


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
            Param("FriendlyName", {"type": "string", "maxLength": MAX_FRIENDLY_NAME}, "A new name for the account."),
            Param("Status", enum(*ACCOUNT_STATUSES), "Only the current status is accepted."),
        ),
    )
)
def update_account(sid: str) -> Response[str]:
    account = actions.rename_account(wiring.accounts(), owned_account(router, sid), form(router))
    return json_response(account_resource(account))
