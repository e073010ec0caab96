"""The redirect's decisions (core.links.redirect): one table of taps, the Host rules, headers, the page,
the Location of non-ASCII links and the fallback cache. The reads are fakes that count their calls."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

import pytest

from brandlink.core.common.errors import ErrorCode
from brandlink.core.links.records import RedirectTarget
from brandlink.core.links.redirect import (
    BASE_HEADERS,
    NOT_FOUND_PAGE,
    FallbackCache,
    Outcome,
    Response,
    Tap,
    answer,
    host_of,
    location_for,
    unavailable,
)

NOW = 1_800_000_000.0
LIVE_UNTIL = int(NOW) + 90 * 86400
HOST = "go.acme.com"
OTHER = "links.other.com"
BARE = "bare.example.com"  # a domain without a fallback URL
LINK = "https://shop.example.com/orders/12345?utm_source=sms&x=%20y#top"
SLUG = "AbCdEf1234"
EXPIRED = "Expired123"
FOREIGN = "OtherDom12"
BARE_SLUG = "BareSlug01"
LONG_LINK = "https://example.com/" + "a1/" * 120 + "?q=" + "z" * 17
FALLBACKS = {HOST: "https://acme.com/", OTHER: "https://other.com/home"}


@dataclass
class FakeLinks:
    targets: dict[str, RedirectTarget] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def target(self, slug: str) -> RedirectTarget | None:
        self.reads.append(slug)
        return self.targets.get(slug)


@dataclass
class FakeFallbacks:
    urls: dict[str, str] = field(default_factory=lambda: dict(FALLBACKS))
    reads: list[str] = field(default_factory=list)

    def fallback_url(self, domain_name: str) -> str | None:
        self.reads.append(domain_name)
        return self.urls.get(domain_name)


@pytest.fixture
def links() -> FakeLinks:
    return FakeLinks(
        {
            SLUG: RedirectTarget(LINK, HOST, LIVE_UNTIL),
            EXPIRED: RedirectTarget("https://old.example.com/", HOST, int(NOW) - 1),
            FOREIGN: RedirectTarget("https://other.example.com/", OTHER, LIVE_UNTIL),
            BARE_SLUG: RedirectTarget("https://bare.example.com/page", BARE, LIVE_UNTIL),
        }
    )


@pytest.fixture
def fallbacks() -> FakeFallbacks:
    return FakeFallbacks()


def tap(path: str, host: str | None = HOST, method: str = "GET", https: bool = True) -> Tap:
    return Tap(method, path, host, https)


# (method, path, host) -> (status, Location, outcome, code)
DECISIONS = [
    pytest.param("GET", f"/{SLUG}", HOST, 302, LINK, Outcome.LINK, None, id="live link"),
    pytest.param("HEAD", f"/{SLUG}", HOST, 302, LINK, Outcome.LINK, None, id="live link, HEAD"),
    pytest.param(
        "GET", f"/{BARE_SLUG}", BARE, 302, "https://bare.example.com/page", Outcome.LINK, None, id="no fallback needed"
    ),
    pytest.param("GET", f"/{EXPIRED}", HOST, 302, FALLBACKS[HOST], Outcome.FALLBACK, 30104, id="expired -> fallback"),
    pytest.param("GET", "/Unknown123", HOST, 302, FALLBACKS[HOST], Outcome.FALLBACK, 30104, id="unknown -> fallback"),
    pytest.param(
        "GET",
        f"/{FOREIGN}",
        HOST,
        302,
        FALLBACKS[HOST],
        Outcome.FALLBACK,
        30104,
        id="other domain's slug -> this domain's fallback",
    ),
    pytest.param(
        "GET", f"/{SLUG}", OTHER, 302, FALLBACKS[OTHER], Outcome.FALLBACK, 30104, id="slug opened on another domain"
    ),
    pytest.param("GET", f"/{SLUG}", BARE, 404, None, Outcome.NOT_FOUND, 30105, id="other domain, no fallback -> 404"),
    pytest.param("GET", "/Unknown123", BARE, 404, None, Outcome.NOT_FOUND, 30105, id="unknown, no fallback -> 404"),
    pytest.param("HEAD", "/Unknown123", BARE, 404, None, Outcome.NOT_FOUND, 30105, id="unknown, no fallback, HEAD"),
    pytest.param(
        "GET", f"/{SLUG}", "unknown.example.net", 404, None, Outcome.NOT_FOUND, 30105, id="a host that is no domain"
    ),
    pytest.param("GET", "/", HOST, 302, FALLBACKS[HOST], Outcome.ROOT_FALLBACK, None, id="root -> fallback"),
    pytest.param("HEAD", "/", HOST, 302, FALLBACKS[HOST], Outcome.ROOT_FALLBACK, None, id="root, HEAD"),
    pytest.param("GET", "/", BARE, 404, None, Outcome.ROOT_NOT_FOUND, None, id="root, no fallback -> 404"),
]


@pytest.mark.parametrize(("method", "path", "host", "status", "location", "outcome", "code"), DECISIONS)
def test_the_decision_table(
    links: FakeLinks,
    fallbacks: FakeFallbacks,
    method: str,
    path: str,
    host: str,
    status: int,
    location: str | None,
    outcome: Outcome,
    code: int | None,
) -> None:
    response = answer(tap(path, host, method), links, fallbacks, NOW)

    assert (response.status, response.headers.get("Location"), response.outcome) == (status, location, outcome)
    assert response.code == code
    if code is not None:
        assert ErrorCode(code).status == status  # the one list says how each code is answered
    assert response.body == (NOT_FOUND_PAGE if status == 404 and method == "GET" else "")
    assert len(links.reads) == (0 if path == "/" else 1)
    followed = outcome is Outcome.LINK
    assert fallbacks.reads == ([] if followed else [host])


def test_a_link_is_live_until_its_expiry_second(links: FakeLinks, fallbacks: FakeFallbacks) -> None:
    just_before = answer(tap(f"/{SLUG}"), links, fallbacks, LIVE_UNTIL - 0.001)
    at_expiry = answer(tap(f"/{SLUG}"), links, fallbacks, LIVE_UNTIL)

    assert just_before.outcome is Outcome.LINK
    assert (at_expiry.outcome, at_expiry.headers["Location"]) == (Outcome.FALLBACK, FALLBACKS[HOST])


@pytest.mark.parametrize(
    "path",
    [
        "/favicon.ico",
        "/robots.txt",
        "/AbCdEf123",  # 9 characters
        "/AbCdEf12345",  # 11
        "/AbCdEf123-",
        "/AbCdEf123_",
        f"/{SLUG}/",
        f"/{SLUG}/x",
        f"//{SLUG}",
        "/ÄbCdEf1234",
        "/AbCdEf\uff11\uff12\uff134",  # full-width digits are not [0-9]
        "/%41bCdEf123",
        "/wp-login.php",
        "",
        SLUG,  # no leading slash
        "/" + "A" * 4000,
    ],
)
def test_a_path_that_cannot_be_a_slug_is_a_404_without_any_read(
    links: FakeLinks, fallbacks: FakeFallbacks, path: str
) -> None:
    response = answer(tap(path), links, fallbacks, NOW)

    assert (response.status, response.outcome, response.code) == (404, Outcome.MALFORMED, None)
    assert response.body == NOT_FOUND_PAGE
    assert links.reads == [] and fallbacks.reads == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_without_any_read(links: FakeLinks, fallbacks: FakeFallbacks, method: str) -> None:
    response = answer(tap(f"/{SLUG}", method=method), links, fallbacks, NOW)

    assert (response.status, response.outcome, response.headers["Allow"]) == (
        405,
        Outcome.METHOD_NOT_ALLOWED,
        "GET, HEAD",
    )
    assert links.reads == [] and fallbacks.reads == []


def test_without_a_host_no_domain_can_own_the_slug_and_nothing_is_read(
    links: FakeLinks, fallbacks: FakeFallbacks
) -> None:
    slug = answer(tap(f"/{SLUG}", host=None), links, fallbacks, NOW)
    root = answer(tap("/", host=None), links, fallbacks, NOW)

    assert (slug.status, slug.code) == (404, ErrorCode.LINK_NOT_FOUND)
    assert (root.status, root.outcome) == (404, Outcome.ROOT_NOT_FOUND)
    assert links.reads == [] and fallbacks.reads == []


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("go.acme.com", "go.acme.com"),
        ("Go.ACME.com", "go.acme.com"),
        ("go.acme.com:8081", "go.acme.com"),
        ("go.acme.com.", "go.acme.com"),
        ("GO.acme.com.:443", "go.acme.com"),
        ("  go.acme.com  ", "go.acme.com"),
        ("links.localhost:8081", "links.localhost"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("[::1]:8081", "[::1]"),
        ("[::1]", "[::1]"),
        ("", None),
        (None, None),
        (":8081", None),
        (".", None),
    ],
)
def test_the_host_header_names_the_domain_in_any_case_without_port_or_trailing_dot(
    raw: str | None, host: str | None
) -> None:
    assert host_of(raw) == host


@pytest.mark.parametrize("raw_host", ["GO.ACME.COM", "go.acme.com:443", "Go.Acme.Com.:8081"])
def test_a_differently_written_host_opens_the_same_link(
    links: FakeLinks, fallbacks: FakeFallbacks, raw_host: str
) -> None:
    response = answer(tap(f"/{SLUG}", host_of(raw_host)), links, fallbacks, NOW)

    assert response.headers["Location"] == LINK


def test_the_stored_domain_name_is_compared_in_lower_case(fallbacks: FakeFallbacks) -> None:
    links = FakeLinks({SLUG: RedirectTarget(LINK, "Go.Acme.Com", LIVE_UNTIL)})

    assert answer(tap(f"/{SLUG}"), links, fallbacks, NOW).headers["Location"] == LINK


def _every_response(links: FakeLinks, fallbacks: FakeFallbacks, https: bool) -> list[Response]:
    taps = [
        tap(path, host, method, https)
        for _, path, host, *_ in (p.values for p in DECISIONS)
        for method in ("GET", "HEAD")
    ]
    taps += [tap("/favicon.ico", https=https), tap(f"/{SLUG}", method="POST", https=https)]
    return [answer(t, links, fallbacks, NOW) for t in taps] + [unavailable(tap(f"/{SLUG}", https=https))]


@pytest.mark.parametrize("https", [True, False])
def test_every_answer_is_uncached_and_carries_the_security_headers(
    links: FakeLinks, fallbacks: FakeFallbacks, https: bool
) -> None:
    for response in _every_response(links, fallbacks, https):
        headers = response.headers
        assert headers["Cache-Control"] == "no-store", response
        assert headers["Referrer-Policy"] == "no-referrer", response
        assert headers["X-Content-Type-Options"] == "nosniff", response
        assert headers["X-Frame-Options"] == "DENY", response
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], response
        assert headers["Content-Type"] == "text/html; charset=utf-8", response
        assert ("Strict-Transport-Security" in headers) == https, response
        assert {name: headers[name] for name in BASE_HEADERS} == BASE_HEADERS


def test_answers_do_not_share_their_header_dictionaries(links: FakeLinks, fallbacks: FakeFallbacks) -> None:
    first = answer(tap(f"/{SLUG}"), links, fallbacks, NOW)
    first.headers["X-Test"] = "changed"

    assert "X-Test" not in answer(tap(f"/{SLUG}"), links, fallbacks, NOW).headers
    assert "X-Test" not in answer(tap("/favicon.ico"), links, fallbacks, NOW).headers


def test_the_404_page_is_small_self_contained_and_allowed_only_its_own_style() -> None:
    assert len(NOT_FOUND_PAGE.encode()) < 1024
    assert NOT_FOUND_PAGE.startswith("<!doctype html>")
    assert "<title>Link not found</title>" in NOT_FOUND_PAGE
    # Nothing to fetch: no scripts, images, links or URLs of any kind.
    assert not re.search(r"<script|<img|<link|src=|href=|https?:|url\(", NOT_FOUND_PAGE, re.I)
    [style] = re.findall(r"<style>(.*?)</style>", NOT_FOUND_PAGE, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = BASE_HEADERS["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy
    assert policy.startswith("default-src 'none';")


def test_a_failed_read_is_a_503_to_retry_never_a_500() -> None:
    response = unavailable(tap(f"/{SLUG}"))
    head = unavailable(tap(f"/{SLUG}", method="HEAD"))

    assert (response.status, response.headers["Retry-After"], response.outcome) == (503, "1", Outcome.UNAVAILABLE)
    assert "<title>Try again</title>" in response.body and head.body == ""


@pytest.mark.parametrize(
    "link",
    [
        "https://shop.example.com/orders/12345?utm_source=sms&utm_medium=text#details",
        "http://user:p%40ss@example.com:8443/a%20b/%E6%9D%B1?q=%2F&r=a+b#frag/ment",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "http://[::1]:8080/path?x=1",
        "https://xn--bcher-kva.de/x",
        "HTTPS://EXAMPLE.COM/CASE/Kept",
        LONG_LINK,
        "https://example.com/%e9t%E9",  # legacy escapes, lower- and upper-case hex, kept as they are
    ],
)
def test_an_ascii_link_is_the_location_byte_for_byte(link: str) -> None:
    assert location_for(link) is link


def test_the_long_link_case_really_has_400_characters() -> None:
    assert len(LONG_LINK) == 400


@pytest.mark.parametrize(
    ("link", "location"),
    [
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
        ("https://ja.wikipedia.org/wiki/東京", "https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC"),
        ("https://bücher.de:8443/ö?q=ü#ä", "https://xn--bcher-kva.de:8443/%C3%B6?q=%C3%BC#%C3%A4"),
        ("https://exämple.com?x=1", "https://xn--exmple-cua.com?x=1"),
        ("https://exämple.com#top", "https://xn--exmple-cua.com#top"),
        ("https://jürgen@example.com/a%20b/ü", "https://j%C3%BCrgen@example.com/a%20b/%C3%BC"),
        ("https://example.com/😀", "https://example.com/%F0%9F%98%80"),
    ],
)
def test_a_link_with_non_ascii_characters_gets_the_uri_a_browser_would_request(link: str, location: str) -> None:
    result = location_for(link)

    assert result == location and result.isascii()


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_fallback_cache_reads_a_domain_once_per_ttl_absent_ones_too() -> None:
    source, clock = FakeFallbacks(), Clock()
    cache = FallbackCache(source, ttl_seconds=60, monotonic=clock)

    assert [cache.fallback_url(HOST), cache.fallback_url(HOST), cache.fallback_url(BARE), cache.fallback_url(BARE)] == [
        FALLBACKS[HOST],
        FALLBACKS[HOST],
        None,
        None,
    ]
    assert source.reads == [HOST, BARE]

    source.urls[HOST] = "https://acme.com/new"
    clock.now += 59.9
    assert cache.fallback_url(HOST) == FALLBACKS[HOST]  # stale for up to the TTL: documented
    clock.now += 0.1
    assert cache.fallback_url(HOST) == "https://acme.com/new"
    assert source.reads == [HOST, BARE, HOST]


def test_the_fallback_cache_cannot_grow_without_bound() -> None:
    source = FakeFallbacks()
    cache = FallbackCache(source, max_entries=3, monotonic=Clock())

    for number in range(10):
        cache.fallback_url(f"scan{number}.example.com")
    cache.fallback_url("scan9.example.com")

    assert len(cache._entries) <= 3
    assert source.reads.count("scan9.example.com") == 1


def test_a_read_failure_propagates_so_the_handler_can_answer_503(fallbacks: FakeFallbacks) -> None:
    class Failing:
        def target(self, slug: str) -> RedirectTarget | None:
            raise TimeoutError("DynamoDB did not answer")

    with pytest.raises(TimeoutError):
        answer(tap(f"/{SLUG}"), Failing(), fallbacks, NOW)
