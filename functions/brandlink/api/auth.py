"""HTTP Basic authentication middleware for every management route."""

from __future__ import annotations

import base64
import binascii

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from brandlink import wiring
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


SIGNED_PATH_PREFIXES = ("/v1/Receipts/", "/v1/Inbound/")
"""Receipt and inbound-message endpoints: posted by a provider, not an account; each checks the
provider's signature instead (api/routes/receipts.py, api/routes/inbound_providers.py). Their
operations are declared ``public``."""


def basic_auth(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[str]:
    if app.current_event.path.startswith(SIGNED_PATH_PREFIXES):
        return next_middleware(app)
    headers = app.current_event.headers or {}
    sid, token = parse_basic(headers.get("authorization"))
    account = accounts.authenticate(wiring.accounts(), sid, token)
    app.context["account"] = account  # what Router.append_context does
    return next_middleware(app)
