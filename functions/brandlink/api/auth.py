"""HTTP Basic authentication middleware for every management route."""

from __future__ import annotations

import base64
import binascii

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from brandlink import wiring
from brandlink.api.routes.inbound_providers import PUBLIC_PATHS
from brandlink.core.accounts import actions as accounts


def parse_basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or header[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)


def basic_auth(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    if app.current_event.path in PUBLIC_PATHS:  # provider webhooks: checked by their own signature
        return next_middleware(app)
    headers = app.current_event.headers or {}
    sid, token = parse_basic(headers.get("authorization"))
    account = accounts.authenticate(wiring.accounts(), sid, token)
    app.context["account"] = account  # what Router.append_context does
    return next_middleware(app)
