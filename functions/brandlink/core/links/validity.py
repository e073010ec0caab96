"""Whether a found link can be shortened: the checks behind Twilio error 30139.

A short link redirects with the original link as the ``Location`` header, byte for byte, so the
original must be a URL a browser can follow. Checked here: the characters decode (no lone surrogate
and no U+FFFD, the marks of text that was not valid UTF-8), every ``%`` starts a ``%XX`` escape,
the port is a number in 1-65535, and the host is a DNS name (ASCII labels, or an IDN that encodes
under IDNA 2008 / UTS 46), a dotted IPv4 address or a bracketed IPv6 address.

Deliberately accepted: ``localhost`` and private addresses (the recipient's browser follows the
redirect, the service never fetches it, so there is no SSRF), userinfo (``https://user@host``: it
would be in the message unshortened too), ``_`` in host labels (browsers accept it), and legacy
percent-escapes of non-UTF-8 bytes such as ``%E9`` (valid URL syntax that old servers still use).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_NOT_UTF8 = re.compile(r"[\ud800-\udfff\ufffd]")


def _host_problem(host: str) -> str | None:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"has {host!r}, which is not an IPv6 address"
        return None
    name = host[:-1] if host.endswith(".") else host
    if not name:
        return "has no host name"
    if not name.isascii():
        import idna  # lazy: only links with non-ASCII hosts need it

        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return f"has the host name {host!r}, which is not a valid internationalised domain name"
    if len(name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return f"has the host name {host!r}, which is not a valid host name"
    return None


def _authority_host(netloc: str) -> str:
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.partition(":")[0]


@lru_cache(maxsize=4096)
def link_problem(url: str) -> str | None:
    """``None`` when ``url`` can be shortened, else what is wrong, as a phrase that follows "it".

    Cached per URL (a pure function): a campaign sends the same links to every recipient."""
    if _NOT_UTF8.search(url):
        return "contains characters that were not valid UTF-8"
    if bad := _BAD_ESCAPE.search(url):
        escape = url[bad.start() : bad.start() + 3]
        return f"has the invalid percent-escape {escape!r} (write a literal % as %25)"
    try:
        parts = urlsplit(url)
    except ValueError as error:  # urlsplit checks brackets: "Invalid IPv6 URL"
        return f"is not a valid URL ({error})"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "has an invalid port; use a number from 1 to 65535"
    return _host_problem(_authority_host(parts.netloc))
