"""Host names of link-shortening domains: IDNA validation and the rules a certificate name follows."""

from __future__ import annotations

import ipaddress
import re

import idna

from brandlink.core.common.errors import TwilioError

MAX_NAME_LENGTH = 253
LOCAL_SUFFIX = ".localhost"
# Reserved by RFC 2606 / RFC 6761: nobody can own them on the public Internet.
_RESERVED_TLDS = frozenset({"localhost", "test", "invalid", "example", "local", "internal"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _bad(why: str) -> Exception:
    return TwilioError.invalid_parameter("DomainName", why)


def normalize_domain_name(raw: str | None, *, local_mode: bool) -> str:
    """The lower-case ASCII (A-label) form of a registrable host name, else 20001 with the reason.

    Unicode names are accepted and converted (``bücher.example.com`` → ``xn--bcher-kva.example.com``);
    a trailing dot is dropped. Outside local mode, names under reserved TLDs are refused.
    """
    if raw is None or not raw.strip():
        raise _bad("is required: send the host name of your short-link domain, such as links.example.com.")
    text = raw.strip()
    if len(text) > MAX_NAME_LENGTH + 1:
        raise _bad(f"must be at most {MAX_NAME_LENGTH} characters long.")
    if any(mark in text for mark in ("://", "/", "@", ":", "?", "#")):
        raise _bad(f"send only the host name (such as links.example.com), without scheme, port or path; got {raw!r}.")
    if "*" in text:
        raise _bad("a wildcard cannot be registered; register each short-link host name on its own.")
    text = text.rstrip(".")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        raise _bad(f"{text} is an IP address; register a host name such as links.example.com.")
    try:
        name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise _bad(f"{raw!r} is not a valid host name ({exc}).") from None
    labels = name.split(".")
    if len(labels) < 2:
        raise _bad(f"{name} has a single label; use a full host name such as links.example.com.")
    if len(name) > MAX_NAME_LENGTH:
        raise _bad(f"must be at most {MAX_NAME_LENGTH} characters long.")
    for label in labels:
        if not _LABEL.match(label):
            raise _bad(f"the label {label!r} may only hold letters, digits and inner hyphens (1-63 characters).")
    if labels[-1].isdigit():
        raise _bad(f"{name} ends in a numeric label; use a host name under a real top-level domain.")
    if local_mode and name.endswith(LOCAL_SUFFIX):
        return name
    if labels[-1] in _RESERVED_TLDS:
        raise _bad(f".{labels[-1]} is reserved and cannot be reached on the Internet; use a domain you own.")
    return name


def is_local_name(name: str) -> bool:
    """A ``*.localhost`` name: loopback by definition (RFC 6761), verified at once in local mode."""
    return name.endswith(LOCAL_SUFFIX)


def certificate_name_covers(pattern: str, host: str) -> bool:
    """Whether a certificate name (SAN DNS name or CN) covers ``host``.

    A wildcard stands for exactly one whole left-most label: ``*.example.com`` covers
    ``a.example.com`` but neither ``example.com`` nor ``a.b.example.com``.
    """
    pattern = pattern.strip().rstrip(".").lower()
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    suffix = pattern[2:]
    first, _, rest = host.partition(".")
    return bool(first) and "." in suffix and "*" not in suffix and rest == suffix
