"""Per-request helpers for route functions: the caller's account, the form and query, the policy, URLs.

The body and the query string are decoded when a core action first reads them (``Form.parse(...,
lazy=True)``), after the look-ups that may answer 404, so a route can hand them to core unread.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from brandlink import wiring
from brandlink.core.accounts.model import Account
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import PageSigner
from brandlink.core.policy import ApiPolicy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


def current_account(router: Router) -> Account:
    account: Account | None = router.context.get("account")
    if account is None:  # the auth middleware always sets it; this guards misuse
        raise TwilioError.authentication_failed()
    return account


def owned_account(router: Router, path_account_sid: str) -> Account:
    """The caller's account when the path names it; another account's path is a 404."""
    account = current_account(router)
    if path_account_sid != account.sid:
        raise TwilioError.not_found(f"Account {path_account_sid}")
    return account


def policy() -> ApiPolicy:
    """What the deployment's settings decide for this request (``brandlink.wiring.api_policy``)."""
    return wiring.api_policy()


def form(router: Router) -> Form:
    cached = router.context.get("form")
    if cached is None:
        event = router.current_event
        cached = Form.parse(event.body, is_base64=bool(event.is_base64_encoded), lazy=True)
        router.context["form"] = cached
    return cached


def query(router: Router) -> Form:
    cached = router.context.get("query")
    if cached is None:
        raw = router.current_event.raw_event.get("rawQueryString") or ""
        cached = Form.parse(raw, source="query string", lazy=True)
        router.context["query"] = cached
    return cached


def page_signer(router: Router) -> PageSigner:
    """The caller's page-token signer, keyed by a secret the deployment holds for the account.

    The auth-token hash is stored in the accounts table and never leaves it; deriving from it needs
    no extra secret or network call, gives each account its own key, and a token rotation retires
    the account's outstanding page tokens with the old credentials.
    """
    account = current_account(router)
    return PageSigner.derive(f"{account.token_salt}:{account.token_hash}", account.sid)


def base_url(router: Router) -> str:
    """Absolute base of this API (no trailing slash), for v1 ``url`` fields."""
    configured = policy().public_api_url
    if configured:
        return configured.rstrip("/")
    headers = router.current_event.headers or {}
    host = headers.get("host") or cast("APIGatewayProxyEventV2", router.current_event).request_context.domain_name
    proto = headers.get("x-forwarded-proto", "https")
    return f"{proto}://{host}"


def json_response(body: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":")),
    )


def no_content() -> Response[str]:
    return Response(status_code=204, content_type="application/json", body="")
