"""What a tap on a short link gets: the redirect's decisions, as pure logic (no AWS, no I/O).

The handler (``brandlink.handlers.redirect``) turns an API Gateway event into a ``Tap``, makes one
call, ``answer(tap, links, fallbacks, now)``, and returns the ``Response`` as it is. ``answer`` reads
through two ports: the link (``LinkTargets``: one key read of ``records.REDIRECT_ATTRIBUTES``) and the
domain's fallback URL (``Fallbacks``: read only when a tap needs it, kept per container by
``FallbackCache``).

| request | answer |
|---|---|
| ``GET``/``HEAD /{slug}``, the link is live and belongs to the ``Host``'s domain | 302 to the link |
| the same, but expired, unknown, or a slug of another domain | 302 to the domain's fallback URL |
| ... and the domain has no fallback URL | the 404 page |
| ``GET``/``HEAD /`` | 302 to the fallback URL, else the 404 page |
| a path that cannot be a slug (``/favicon.ico``, ``/abc``, ``/x/y``) | the 404 page, with no read at all |
| any other method | 405, ``Allow: GET, HEAD`` |

A tap of a slug that ends on the fallback URL is reported as 30104 (``LinkFallback`` metric), one that
ends on the 404 page as 30105 (``LinkNotFound``); ``/``, malformed paths and plain redirects are not.

Expiry is decided here, with ``expires_at`` and the clock, whatever DynamoDB's TTL has or has not
deleted yet (it deletes up to days late). The ``Host`` decides the domain (letter case, a port and a
trailing dot ignored): a slug opened on another short domain is treated as unknown there, so one
customer's links never open under another customer's name.

Every answer carries ``Cache-Control: no-store`` (each tap must reach the function to be counted,
and an unknown slug may be issued later) and the security headers of ``BASE_HEADERS``;
``Referrer-Policy: no-referrer`` because a slug belongs to one recipient: the page a tap lands on
learns nothing about where it came from.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from brandlink.core.common.errors import ErrorCode
from brandlink.core.links.records import RedirectTarget
from brandlink.core.links.slug_format import is_slug

if TYPE_CHECKING:
    from brandlink.core.clicks.capture import TapCapture

METHODS = ("GET", "HEAD")
FALLBACK_TTL_SECONDS = 60.0
"""How long a container keeps a domain's fallback URL (or its absence): a changed ``FallbackUrl``
reaches every warm container within this time."""
FALLBACK_CACHE_ENTRIES = 1024


class LinkTargets(Protocol):
    """The link a slug stands for (``records.REDIRECT_ATTRIBUTES`` only), or ``None`` when there is none."""

    def target(self, slug: str) -> RedirectTarget | None: ...


class Fallbacks(Protocol):
    """The fallback URL of the (verified) short domain ``domain_name``, or ``None``."""

    def fallback_url(self, domain_name: str) -> str | None: ...


class RedirectPorts:
    """What ``answer`` reads through, as ``brandlink.wiring.redirect_ports`` builds it, and ``capture``,
    which sends each tap to the clicks queue meanwhile (``core.clicks.capture``; None: taps are not
    reported, as in tests of the redirect's answers alone)."""

    __slots__ = ("capture", "fallbacks", "links")

    def __init__(self, links: LinkTargets, fallbacks: Fallbacks, capture: TapCapture | None = None) -> None:
        self.links = links
        self.fallbacks = fallbacks
        self.capture = capture


class Outcome(StrEnum):
    LINK = "link"
    FALLBACK = "fallback"
    NOT_FOUND = "not_found"
    ROOT_FALLBACK = "root_fallback"
    ROOT_NOT_FOUND = "root_not_found"
    MALFORMED = "malformed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAVAILABLE = "unavailable"


# Tap and Response are plain classes, not dataclasses: the redirect imports this module at every cold
# start, and generating a dataclass's methods costs about 0.3 ms each (bench.cold_start).


class Tap:
    """One request on a short domain: what the answer depends on.

    ``method`` in upper case; ``host`` the short domain as ``host_of`` reads the ``Host`` header
    (``None`` when there is none); ``https`` whether the request came over TLS (HSTS is sent then).
    """

    __slots__ = ("host", "https", "method", "path")

    def __init__(self, method: str, path: str, host: str | None, https: bool = True) -> None:
        self.method = method
        self.path = path
        self.host = host
        self.https = https

    def __repr__(self) -> str:
        return f"Tap({self.method} {self.host}{self.path}, https={self.https})"


class Response:
    """The HTTP answer, and what it means: ``outcome``, and ``code`` (30104 or 30105) when the tap is
    reported under a Twilio code (a metric)."""

    __slots__ = ("body", "code", "headers", "outcome", "status")

    def __init__(
        self, status: int, headers: dict[str, str], body: str, outcome: Outcome, code: ErrorCode | None = None
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.outcome = outcome
        self.code = code

    def __repr__(self) -> str:
        return f"Response({self.status} {self.outcome}, code={self.code}, location={self.headers.get('Location')!r})"


def host_of(raw: str | None) -> str | None:
    """The domain a ``Host`` header names: lower case, without port or trailing dot."""
    if not raw:
        return None
    host = raw.strip().lower()
    # An IPv6 literal keeps its brackets ([::1]:8081); any other host ends at the port.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    return host.rstrip(".") or None


# ---- the page and the headers ---------------------------------------------------------------------

_STYLE = (
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
    "background:#f6f6f6}main{max-width:32rem;margin:18vh auto;padding:0 1.5rem}"
    "h1{font-size:1.5rem;margin:0 0 .5rem}p{margin:0;color:#555}"
)


def _page(title: str, sentence: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{title}</title><style>{_STYLE}</style></head>'
        f"<body><main><h1>{title}</h1><p>{sentence}</p></main></body></html>"
    )


NOT_FOUND_PAGE = _page("Link not found", "This link does not exist or has expired.")
UNAVAILABLE_PAGE = _page("Try again", "This link cannot be opened right now. Please try again in a moment.")
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""Nothing but the page's own inline style may load or run, and no site may frame it."""

BASE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex",
}
HSTS = "max-age=31536000"
_HEADERS = {False: BASE_HEADERS, True: {**BASE_HEADERS, "Strict-Transport-Security": HSTS}}


def _redirect(tap: Tap, location: str, outcome: Outcome, code: ErrorCode | None = None) -> Response:
    return Response(302, {**_HEADERS[tap.https], "Location": location}, "", outcome, code)


def _page_response(tap: Tap, status: int, page: str, outcome: Outcome, code: ErrorCode | None = None) -> Response:
    return Response(status, dict(_HEADERS[tap.https]), "" if tap.method == "HEAD" else page, outcome, code)


def unavailable(tap: Tap) -> Response:
    """What a tap gets when a read failed (a DynamoDB outage): 503, try again in a second."""
    response = _page_response(tap, 503, UNAVAILABLE_PAGE, Outcome.UNAVAILABLE)
    response.headers["Retry-After"] = "1"
    return response


# ---- the decision ---------------------------------------------------------------------------------


def answer(tap: Tap, links: LinkTargets, fallbacks: Fallbacks, now: float) -> Response:
    """The response to ``tap`` at ``now`` (epoch seconds). Reads the link only for a well-formed slug
    on a known ``Host``, and the fallback only when the link cannot be followed."""
    if tap.method not in METHODS:
        response = _page_response(tap, 405, "", Outcome.METHOD_NOT_ALLOWED)
        response.headers["Allow"] = ", ".join(METHODS)
        return response
    if tap.path == "/":
        fallback = fallbacks.fallback_url(tap.host) if tap.host else None
        if fallback:
            return _redirect(tap, fallback, Outcome.ROOT_FALLBACK)
        return _page_response(tap, 404, NOT_FOUND_PAGE, Outcome.ROOT_NOT_FOUND)
    slug = tap.path[1:]
    if not (tap.path.startswith("/") and is_slug(slug)):
        return _page_response(tap, 404, NOT_FOUND_PAGE, Outcome.MALFORMED)
    if tap.host is None:  # no domain can own the slug, and none has a fallback
        return _page_response(tap, 404, NOT_FOUND_PAGE, Outcome.NOT_FOUND, ErrorCode.LINK_NOT_FOUND)
    target = links.target(slug)
    if target is not None and target.domain_name.lower() == tap.host and target.is_live(now):
        return _redirect(tap, location_for(target.link), Outcome.LINK)
    fallback = fallbacks.fallback_url(tap.host)
    if fallback:
        return _redirect(tap, fallback, Outcome.FALLBACK, ErrorCode.LINK_FALLBACK)
    return _page_response(tap, 404, NOT_FOUND_PAGE, Outcome.NOT_FOUND, ErrorCode.LINK_NOT_FOUND)


def location_for(link: str) -> str:
    """The ``Location`` that opens ``link``: the link itself, byte for byte, when it is ASCII (almost
    every link); otherwise its URI form, as a browser would request it: the host in IDNA (A-labels),
    every other non-ASCII character percent-encoded as UTF-8. HTTP header values are ASCII, and a
    UTF-8 header is read differently by different clients."""
    if link.isascii():
        return link
    scheme, separator, rest = link.partition("://")
    end = min((index for index in map(rest.find, "/?#") if index >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, host_port = authority.rpartition("@")
    host, colon, port = (host_port, "", "") if host_port.startswith("[") else host_port.partition(":")
    if not host.isascii():
        import idna  # only links with a non-ASCII host pay for it

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            host = _percent_encode(host)
    return scheme + separator + _percent_encode(userinfo) + at + host + colon + port + _percent_encode(tail)


def _percent_encode(text: str) -> str:
    """``text`` with each non-ASCII character replaced by its UTF-8 bytes, percent-encoded."""
    if text.isascii():
        return text
    return "".join(char if char.isascii() else "".join(f"%{byte:02X}" for byte in char.encode()) for char in text)


class FallbackCache:
    """A ``Fallbacks`` port that keeps each domain's answer (an absent fallback too) for ``ttl_seconds``.

    Per container: the first tap that needs a domain's fallback reads it, the next ones within the
    TTL do not. A scan of random host names cannot grow it past ``max_entries`` (it starts afresh).
    """

    def __init__(
        self,
        source: Fallbacks,
        ttl_seconds: float = FALLBACK_TTL_SECONDS,
        *,
        max_entries: int = FALLBACK_CACHE_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[str, tuple[str | None, float]] = {}

    def fallback_url(self, domain_name: str) -> str | None:
        now = self._monotonic()
        entry = self._entries.get(domain_name)
        if entry is not None and now < entry[1]:
            return entry[0]
        url = self._source.fallback_url(domain_name)
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[domain_name] = (url, now + self._ttl)
        return url
