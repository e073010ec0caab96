"""The management API: one Powertools resolver, one table of routers, Twilio error bodies.

Beyond the routes themselves, the app answers for every path generically:
* ``HEAD`` on a GET route: the GET's status and headers, no body (API Gateway passes HEAD to the
  function and Powertools has no HEAD routes);
* a method a known path does not have: 405 with code 20004 and an ``Allow`` header;
* an unknown path: 404 (20404), after authentication, so unknown paths do not bypass 20003.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.api.auth import basic_auth, parse_basic
from brandlink.api.context import json_response
from brandlink.api.routes import (
    accounts,
    domains,
    inbound,
    inbound_providers,
    insights,
    messages,
    openapi,
    outbox,
    receipts,
    senders,
    services,
)
from brandlink.api.spec import DocumentedRouter
from brandlink.core.accounts.actions import authenticate
from brandlink.core.common.errors import TwilioError
from brandlink.observability import logger

ROUTERS: tuple[DocumentedRouter, ...] = (
    accounts.router,
    services.router,
    senders.router,
    domains.router,
    messages.router,
    outbox.router,
    receipts.router,
    inbound.router,
    inbound_providers.router,
    insights.router,
    openapi.router,
)


@cache
def _path_methods() -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    """Each documented path as a regex (a placeholder is one path segment) and the methods it has."""
    methods: dict[str, set[str]] = {}
    for router in ROUTERS:
        for operation in router.operations:
            methods.setdefault(operation.path, set()).add(operation.method)
    return tuple(
        (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"), frozenset(allowed))
        for path, allowed in methods.items()
    )


def allowed_methods(path: str) -> frozenset[str]:
    """The methods routed for ``path`` (HEAD wherever GET is); empty for an unknown path."""
    for pattern, methods in _path_methods():
        if pattern.match(path):
            return methods | {"HEAD"} if "GET" in methods else methods
    return frozenset()


def _http(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return (event.get("requestContext") or {}).get("http") or {}


def _as_get(event: Mapping[str, Any]) -> dict[str, Any]:
    context = dict(event.get("requestContext") or {})
    context["http"] = {**_http(event), "method": "GET"}
    return {**event, "requestContext": context}


class ManagementResolver(APIGatewayHttpResolver):
    """``APIGatewayHttpResolver`` that serves ``HEAD`` as the matching ``GET`` without its body."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        if str(_http(event).get("method", "")).upper() != "HEAD":
            return super().resolve(event, context)
        response = super().resolve(_as_get(event), context)
        response["body"] = ""
        response["isBase64Encoded"] = False
        return response


def build_app() -> ManagementResolver:
    app = ManagementResolver(strip_prefixes=None)
    app.use(middlewares=[basic_auth])
    for router in ROUTERS:
        app.include_router(router)

    def twilio_error(exc: TwilioError) -> Response[str]:
        return json_response(exc.body(), exc.status)

    def unknown_route(_exc: Exception) -> Response[str]:
        # Authenticate before saying anything about the path, so unknown paths do not bypass 20003.
        try:
            headers = app.current_event.headers or {}
            authenticate(wiring.accounts(), *parse_basic(headers.get("authorization")))
        except TwilioError as exc:
            return json_response(exc.body(), exc.status)
        path, method = app.current_event.path, app.current_event.http_method.upper()
        allowed = allowed_methods(path)
        if allowed:
            error = TwilioError.method_not_allowed(method, path, sorted(allowed))
            response = json_response(error.body(), error.status)
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        error = TwilioError.not_found(f"The resource {path}")
        return json_response(error.body(), error.status)

    def unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        body = TwilioError.internal()
        return json_response(body.body(), 500)

    # Registered by call, not as decorators: Powertools' decorators are untyped and would hide these
    # functions' types from the type checker.
    app.exception_handler(TwilioError)(twilio_error)
    app.not_found(unknown_route)
    app.exception_handler(Exception)(unexpected)
    return app
