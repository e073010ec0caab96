"""The official ``twilio`` client wired to Brandlink's API handler in-process (no HTTP server).

``twilio_client(sid, token)`` returns a ``twilio.rest.Client`` whose every request becomes an API
Gateway event for ``brandlink.handlers.api.handler``, whatever host the library aims at
(``api.twilio.com``, ``messaging.twilio.com``, or the ``next_page_url`` Brandlink returned).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from local.events import http_event
from tests.integration.conftest import basic, lambda_context

API_HOST = "api.test"


def _pairs(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in (values or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    return pairs


class InProcessHttpClient(TwilioHttpClient):
    """A ``TwilioHttpClient`` that calls the Lambda handler directly and records what it sent."""

    def __init__(self) -> None:
        super().__init__(pool_connections=False)
        self.sent: list[tuple[str, str]] = []

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        from brandlink.handlers.api import handler

        parts = urlsplit(url)
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True) + _pairs(params))
        event_headers = {key.lower(): value for key, value in (headers or {}).items()}
        event_headers.update({"host": API_HOST, "x-forwarded-proto": "http"})
        if auth:
            event_headers["authorization"] = basic(*auth)
        body = None
        if method.upper() in ("POST", "PUT") and data is not None:
            event_headers["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(_pairs(data))
        self.sent.append((method.upper(), f"{parts.path}?{query}" if query else parts.path))
        result = handler(
            http_event(method, parts.path, headers=event_headers, body=body, raw_query=query), lambda_context()
        )
        self._test_only_last_response = Response(
            int(result["statusCode"]), result.get("body") or "", result.get("headers") or {}
        )
        return self._test_only_last_response


def twilio_client(account_sid: str, auth_token: str) -> Client:
    return Client(account_sid, auth_token, http_client=InProcessHttpClient())
