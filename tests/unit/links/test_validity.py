"""Which found links may be shortened (else Twilio 30139), and the sentence that says why not."""

from __future__ import annotations

import pytest

from brandlink.core.links.validity import link_problem

VALID = [
    "https://x.com",
    "http://x.com/a?b=c&d=e#f",
    "https://x.com/a%20b%E2%9C%93",
    "https://x.com/caf%E9",  # a legacy (Latin-1) escape is valid URL syntax
    "https://x.com:8443/",
    "https://x.com:65535/",
    "https://user:pw@x.com/a",
    "https://b\u00fccher.de/x",
    "https://B\u00dcCHER.de/x",
    "https://xn--bcher-kva.de",
    "https://\u6771\u4eac.jp/",
    "http://localhost:8080/p",
    "http://192.0.2.7/x",
    "http://[::1]:8080/",
    "http://[2001:db8::1]",
    "https://x.com./trailing-dot",
    "https://my_host.example.com/",
    "https://de.wikipedia.org/wiki/Stra\u00dfe",
    "https://example.com/" + "a" * 380,
]

INVALID = [
    ("https://x.com/%zz", "invalid percent-escape '%zz'"),
    ("https://x.com/100%", "invalid percent-escape '%'"),
    ("https://x.com/a%2", "invalid percent-escape '%2'"),
    ("https://x.com/\udcff", "not valid UTF-8"),
    ("https://x.com/\ufffd", "not valid UTF-8"),
    ("https://x.com:99999/", "invalid port"),
    ("https://x.com:0/", "invalid port"),
    ("https://x.com:8o/", "invalid port"),
    ("http://[::1", "not a valid URL"),
    ("http://[not-ipv6]/", "not a valid URL"),
    ("https://:80/x", "no host name"),
    ("https://user@/x", "no host name"),
    ("https://-bad.com/", "not a valid host name"),
    ("https://bad-.com/", "not a valid host name"),
    ("https://a..b.com/", "not a valid host name"),
    ("https://" + "a" * 64 + ".com/", "not a valid host name"),
    ("https://ex%61mple.com/", "not a valid host name"),
    ("https://x.com!/", "not a valid host name"),
    ("https://a\u200d.com/", "not a valid internationalised domain name"),
    ("https://\u2764.ws/", "internationalised"),
]


@pytest.mark.parametrize("url", VALID)
def test_valid_links(url: str) -> None:
    assert link_problem(url) is None


@pytest.mark.parametrize(("url", "says"), INVALID, ids=[url[:40] for url, _ in INVALID])
def test_invalid_links_say_what_is_wrong(url: str, says: str) -> None:
    problem = link_problem(url)
    assert problem is not None
    assert says in problem
