"""Outgoing HTTP for status callbacks and HTTP providers (standard library only).

* The host name is resolved **once**; outside local mode every address it resolves to must be
  public (``is_public_address``), and the connection goes to one of exactly those addresses. The
  request still names the host (``Host`` header) and TLS still checks the certificate against the
  host name (SNI and hostname verification), so pinning changes where the packets go, never whom
  they are for. Resolving again to connect (what ``urllib`` does) would let a DNS server answer a
  public address to the check and a private one to the connection (DNS rebinding).
* Redirects are not followed: a 3xx is an answer like any other (a callback must not be bounced to
  an address that was never validated).
* No proxy: the environment's ``HTTP(S)_PROXY`` is not used (a proxy would resolve the name again).
* Failures are told apart for retry decisions: ``NotSent`` (nothing reached the server: DNS,
  refused connection, blocked address) is always safe to retry; ``NoAnswer`` (the request went out,
  no response came) may have been acted upon.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlencode, urlsplit

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


@dataclass(frozen=True)
class ResolvedAddress:
    """One address the host resolved to, as ``socket.connect`` takes it."""

    family: int
    sockaddr: tuple[str, int] | tuple[str, int, int, int]

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(str(self.sockaddr[0]).split("%", 1)[0])


def resolve(host: str, port: int, *, allow_private: bool) -> list[ResolvedAddress]:
    """Every address of ``host`` (one DNS look-up); ``NotSent`` if one is not public (unless allowed).

    Refusing the whole name when any answer is private (rather than skipping that answer) keeps a
    name that mixes public and private addresses from being used to reach the private ones.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise NotSent(f"cannot resolve {host}: {exc}") from exc
    addresses = [
        ResolvedAddress(int(family), (str(sockaddr[0]), *sockaddr[1:]))
        for family, _type, _proto, _name, sockaddr in infos
        if family in (socket.AF_INET, socket.AF_INET6)
    ]
    if not addresses:
        raise NotSent(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address.ip):
                raise NotSent(f"{host} resolves to {address.ip}, which is not a public address")
    return addresses


def _connect(addresses: list[ResolvedAddress], timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that accepts one."""
    failure: OSError | None = None
    for address in addresses:
        sock = socket.socket(address.family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.settimeout(timeout)
            sock.connect(address.sockaddr)
        except OSError as exc:
            sock.close()
            failure = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    assert failure is not None
    raise failure


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The default client context: certificate and host name verification on."""
    return ssl.create_default_context()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses resolved and checked before, never to a new look-up of the host."""

    def __init__(self, host: str, port: int, addresses: list[ResolvedAddress], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.timeout or DEFAULT_TIMEOUT_SECONDS)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As ``_PinnedHTTPConnection``, with TLS for the host name: SNI and certificate check use it."""

    def __init__(self, host: str, port: int, addresses: list[ResolvedAddress], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.timeout or DEFAULT_TIMEOUT_SECONDS)
        try:
            self.sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    allow_private: bool = False,
) -> HttpResponse:
    """Send one request; any HTTP status is returned, transport failures raise ``NotSent``/``NoAnswer``.

    ``allow_private`` is local mode: the resolved addresses are not checked (the connection is still
    made to them, so both modes run the same code).
    """
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname or "", parts.port
    except ValueError as exc:
        raise NotSent(f"{url!r} is not a valid URL") from exc
    if scheme not in ("http", "https"):
        raise NotSent(f"only http and https URLs are called, not {url!r}")
    if not host:
        raise NotSent(f"{url!r} has no host name")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port, allow_private=allow_private)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, addresses, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Connection": "close", **dict(headers or {})}
    if parts.username is not None:  # https://user:pass@host/: HTTP Basic, as Twilio sends such a callback
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        all_headers.setdefault("Authorization", "Basic " + base64.b64encode(credentials).decode("ascii"))
    try:
        try:
            connection.request(method, target, body=body, headers=all_headers)
        except (OSError, http.client.HTTPException) as exc:
            # Connecting (TCP, TLS) or writing the request failed: nothing reached the server's application.
            raise NotSent(str(exc) or type(exc).__name__) from exc
        try:
            response = connection.getresponse()
            content = response.read(MAX_RESPONSE_BYTES)
        except (OSError, http.client.HTTPException) as exc:
            raise NoAnswer(str(exc) or type(exc).__name__) from exc
        return HttpResponse(response.status, content, dict(response.headers))
    finally:
        connection.close()


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
