"""The management API: one Powertools resolver, one table of routers, Twilio error bodies."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from brandlink.api import deps
from brandlink.api.auth import basic_auth, parse_basic
from brandlink.api.context import json_response
from brandlink.api.routes import accounts, link_shortening, messages, outbox, phone_numbers, services
from brandlink.core.accounts import authenticate
from brandlink.core.errors import TwilioError, not_found
from brandlink.observability import logger

ROUTERS = (
    accounts.router,
    services.router,
    phone_numbers.router,
    link_shortening.router,
    messages.router,
    outbox.router,
)


def build_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(strip_prefixes=None)
    app.use(middlewares=[basic_auth])
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(TwilioError)
    def twilio_error(exc: TwilioError) -> Response:
        return json_response(exc.body(), exc.status)

    @app.not_found
    def unknown_route(_exc: Exception) -> Response:
        # Authenticate before saying "not found", so unknown paths do not bypass 20003.
        try:
            headers = app.current_event.headers or {}
            authenticate(deps.accounts(), *parse_basic(headers.get("authorization")))
        except TwilioError as exc:
            return json_response(exc.body(), exc.status)
        error = not_found(f"The resource {app.current_event.path}")
        return json_response(error.body(), error.status)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        body = TwilioError(20500, "An internal error occurred; the request was not applied. Try again.", 500)
        return json_response(body.body(), 500)

    return app
