"""Outgoing HTTP for status callbacks and HTTP providers (standard library only).

* Redirects are not followed: a 3xx is an answer like any other (a callback must not be bounced to
  an address that was never validated).
* Outside local mode every address the host name resolves to must be public (``is_public_address``),
  checked right before connecting, so a public name pointing at a private address is refused.
* Failures are told apart for retry decisions: ``NotSent`` (nothing reached the server: DNS,
  refused connection, blocked address) is always safe to retry; ``NoAnswer`` (the request went out,
  no response came) may have been acted upon.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from brandlink.core.common.urls import is_public_address

DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 64 * 1024


class NotSent(OSError):
    """The request never reached the server."""


class NoAnswer(OSError):
    """The request was sent but no complete response arrived."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: Mapping[str, str]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def check_public_host(url: str) -> None:
    """Raise ``NotSent`` unless every address of the URL's host is public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise NotSent(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public_address(address):
            raise NotSent(f"{host} resolves to {address}, which is not a public address")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    allow_private: bool = False,
) -> HttpResponse:
    """Send one request; any HTTP status is returned, transport failures raise ``NotSent``/``NoAnswer``."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise NotSent(f"only http and https URLs are called, not {url!r}")
    if not allow_private:
        check_public_host(url)
    prepared = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with _OPENER.open(prepared, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(MAX_RESPONSE_BYTES), dict(response.headers))
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpResponse(exc.code, exc.read(MAX_RESPONSE_BYTES), dict(exc.headers or {}))
    except urllib.error.URLError as exc:
        # urllib wraps failures of connecting and sending; waiting for the answer fails unwrapped.
        raise NotSent(str(exc.reason)) from exc
    except OSError as exc:
        raise NoAnswer(str(exc)) from exc


class UrllibFormPoster:
    """``FormPoster`` for status callbacks."""

    def __init__(self, *, allow_private: bool, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self._allow_private = allow_private
        self._timeout = timeout

    def post_form(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> int:
        body = urlencode(sorted(params.items())).encode("utf-8")
        response = request(
            "POST",
            url,
            body=body,
            headers={**headers, "User-Agent": "Brandlink/1.0"},
            timeout=self._timeout,
            allow_private=self._allow_private,
        )
        return response.status
