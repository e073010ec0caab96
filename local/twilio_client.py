"""Point the official ``twilio`` helper library at a Brandlink API (local or deployed).

client = make_client("http://127.0.0.1:8080", "AC...", "token")
client.api.accounts("AC...").fetch()
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client


def rewrite_url(url: str, api_url: str) -> str:
    """``url`` with its scheme and host replaced by Brandlink's (a path prefix of ``api_url`` is kept).

    URLs that already point at Brandlink (absolute ``next_page_url`` values it returned) pass unchanged.
    """
    base = api_url.rstrip("/")
    if url == base or url.startswith(base + "/"):
        return url
    target = urlsplit(base)
    original = urlsplit(url)
    return urlunsplit((target.scheme, target.netloc, target.path + original.path, original.query, ""))


class BrandlinkHttpClient(TwilioHttpClient):
    """The helper library's HTTP client, sending every request to ``api_url`` instead of twilio.com."""

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_url = api_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, rewrite_url(url, self.api_url), *args, **kwargs)


def make_client(api_url: str, account_sid: str, auth_token: str) -> Client:
    return Client(account_sid, auth_token, http_client=BrandlinkHttpClient(api_url))
