"""Validation of customer-supplied webhook URLs (status callbacks, inbound, fallback, click callbacks).

Outside local mode a URL must not name a private, loopback, link-local or otherwise non-public
address (SSRF). This check covers literal addresses, in every spelling ``getaddrinfo`` accepts
(``127.1``, ``0x7f.0.0.1``, ``2130706433``, ``[::ffff:127.0.0.1]``), and names that are local by
definition (``localhost``, ``*.localhost``, ``*.internal``, ...). A public name can still resolve to
a private address: whoever connects must check the resolved address too, with ``is_public_address``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from brandlink.core.common.errors import ErrorCode, TwilioError

MAX_URL_LENGTH = 2048
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


# IPv6 ranges refused although ``ipaddress`` calls (parts of) them global: every one of them can
# carry an IPv4 address (NAT64 translates it, the others embed it) or is not unicast on the Internet.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")  # IANA's global unicast space; the rest is special
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
# Inside 2000::/3 but not routed, and newer than this Python's ``ipaddress`` table: documentation (RFC 9637).
_NOT_ROUTED_V6 = (ipaddress.IPv6Network("3fff::/20"),)
# The deprecated 6to4 relay anycast prefix (RFC 7526): ``is_global`` but never a web server.
_SIX_TO_FOUR_RELAY = ipaddress.IPv4Network("192.88.99.0/24")


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a globally routable unicast address that leads to no private one.

    ``ipaddress.is_global`` alone is not enough: it passes NAT64 (``64:ff9b::7f00:1`` reaches
    127.0.0.1 through a DNS64/NAT64 gateway), IPv4-compatible (``::127.0.0.1``) and site-local
    (``fec0::1``) addresses. So an IPv6 address must also lie in the global unicast space
    ``2000::/3`` (which leaves out ``::/8``, NAT64, ULA, link- and site-local and multicast), must
    not be Teredo, and a 6to4 address (``2002::/16``) is judged by the IPv4 address it embeds, as is
    an IPv4-mapped one (``::ffff:a.b.c.d``).
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if any(address in network for network in _NAT64) or address not in _GLOBAL_UNICAST:
            return False
        if address in _TEREDO or any(address in network for network in _NOT_ROUTED_V6):
            return False
        if address in _SIX_TO_FOUR:
            embedded = address.sixtofour
            return embedded is not None and is_public_address(embedded)
        return address.is_global and not (address.is_reserved or address.is_site_local or address.is_multicast)
    return (
        address.is_global
        and not (address.is_multicast or address.is_reserved or address.is_link_local)
        and address not in _SIX_TO_FOUR_RELAY
    )


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_valid_hostname(host: str) -> bool:
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def validate_callback_url(
    value: str, *, allow_private: bool, code: ErrorCode = ErrorCode.INVALID_PARAMETER, parameter: str = "Url"
) -> str:
    """Return ``value`` stripped when it is an http(s) URL Brandlink may call, else raise ``code``.

    ``allow_private`` is local mode: loopback and private addresses are then accepted.
    """

    def bad(why: str) -> Exception:
        return TwilioError.invalid_parameter(parameter, why, code)

    url = value.strip()
    if len(url) > MAX_URL_LENGTH:
        raise bad(f"must be at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise bad("must not contain spaces or control characters; percent-encode them.")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise bad(f"{url!r} is not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise bad(f"must be an http:// or https:// URL, got {url!r}.")
    if not host:
        raise bad(f"{url!r} has no host name.")
    address = _literal_address(host)
    if address is None and not _is_valid_hostname(host):
        raise bad(f"{host!r} is not a valid host name.")
    if allow_private:
        return url
    if address is not None and not is_public_address(address):
        raise bad(f"{host} is a private, loopback or reserved address; use a public host.")
    if address is None and (host.rstrip(".") in _LOCAL_NAMES or host.rstrip(".").endswith(_LOCAL_SUFFIXES)):
        raise bad(f"{host} is a local host name; use a public host.")
    return url
