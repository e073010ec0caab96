"""Shortening one body: every link gets its own slug, invalid links fail (or stay), own links stay."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence

import pytest

from brandlink.core.links import shortening
from brandlink.core.links.counters import InMemoryCounterBlocks
from brandlink.core.links.errors import InvalidLinkError
from brandlink.core.links.shortening import short_url, shorten_body
from brandlink.core.links.slugs import SlugCipher, SlugMinter, is_slug

DOMAIN = "go.brand.example"


class CountingSlugs:
    """Slugs 0000000001, 0000000002, ... and a record of how many were asked for."""

    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self.asked: list[int] = []

    def __call__(self, count: int) -> Sequence[str]:
        self.asked.append(count)
        return [f"{next(self._numbers):010d}" for _ in range(count)]


def test_each_link_becomes_a_short_link() -> None:
    mint = CountingSlugs()
    result = shorten_body(
        "Order https://shop.example/o/1?x=1. Track: https://t.example/p (thanks)", domain=DOMAIN, mint=mint
    )
    assert result.body == (
        "Order https://go.brand.example/0000000001. Track: https://go.brand.example/0000000002 (thanks)"
    )
    assert [(link.slug, link.url) for link in result.links] == [
        ("0000000001", "https://shop.example/o/1?x=1"),
        ("0000000002", "https://t.example/p"),
    ]
    assert mint.asked == [2]  # one call for the whole body


def test_the_same_link_twice_gets_two_slugs() -> None:
    result = shorten_body("https://x.com/a or https://x.com/a", domain=DOMAIN, mint=CountingSlugs())
    assert [link.slug for link in result.links] == ["0000000001", "0000000002"]
    assert result.body == "https://go.brand.example/0000000001 or https://go.brand.example/0000000002"


def test_disable_https_leaves_out_the_scheme() -> None:
    result = shorten_body("See https://x.com/a", domain=DOMAIN, mint=CountingSlugs(), https=False)
    assert result.body == "See go.brand.example/0000000001"
    assert short_url(DOMAIN, "abcdefghij", https=False) == "go.brand.example/abcdefghij"


def test_a_body_without_links_is_returned_unchanged_and_mints_nothing() -> None:
    mint = CountingSlugs()
    result = shorten_body("No links here, www.example.com is not one.", domain=DOMAIN, mint=mint)
    assert result.body == "No links here, www.example.com is not one."
    assert result.links == ()
    assert mint.asked == []


@pytest.mark.parametrize(
    "own", ["https://go.brand.example/AbCdEfGhIj", "http://GO.BRAND.EXAMPLE/AbCdEfGhIj", "https://go.brand.example./x"]
)
def test_links_on_the_shortening_domain_are_left_alone(own: str) -> None:
    mint = CountingSlugs()
    result = shorten_body(f"Again: {own} and https://x.com/b", domain=DOMAIN, mint=mint)
    assert result.body == f"Again: {own} and https://go.brand.example/0000000001"
    assert [span.url for span in result.skipped] == [own]
    assert mint.asked == [1]


def test_an_invalid_link_fails_the_body_with_30139_before_any_slug_is_minted() -> None:
    mint = CountingSlugs()
    with pytest.raises(InvalidLinkError) as caught:
        shorten_body("Good https://x.com/a, bad https://x.com/%zz", domain=DOMAIN, mint=mint)
    assert caught.value.code == 30139
    assert caught.value.url == "https://x.com/%zz"
    assert "percent-escape '%zz'" in str(caught.value)
    assert "Correct it in the message body" in str(caught.value)
    assert mint.asked == []


def test_keep_invalid_shortens_the_valid_links_and_leaves_the_invalid_ones() -> None:
    result = shorten_body(
        "Good https://x.com/a, bad https://x.com:99999/b", domain=DOMAIN, mint=CountingSlugs(), keep_invalid=True
    )
    assert result.body == "Good https://go.brand.example/0000000001, bad https://x.com:99999/b"
    assert [span.url for span in result.skipped] == ["https://x.com:99999/b"]


def test_a_long_invalid_link_is_abbreviated_in_the_message() -> None:
    url = "https://x.com/" + "a" * 300 + "%zz"
    with pytest.raises(InvalidLinkError) as caught:
        shorten_body(url, domain=DOMAIN, mint=CountingSlugs())
    assert caught.value.url == url
    assert url not in str(caught.value)
    assert "..." in str(caught.value)


def test_with_a_real_minter_slugs_are_fresh_across_messages() -> None:
    minter = SlugMinter(SlugCipher(b"k" * 32), InMemoryCounterBlocks(), block_size=3)
    seen: set[str] = set()
    for n in range(20):
        result = shorten_body(f"A https://a.com/{n} B https://b.com/{n}", domain=DOMAIN, mint=minter.mint_many)
        for link in result.links:
            assert is_slug(link.slug)
            assert link.short_url == f"https://{DOMAIN}/{link.slug}"
            assert link.slug not in seen
            seen.add(link.slug)
    assert len(seen) == 40


# --- the plan cache: one scan per body, never shared slugs


def test_a_campaigns_body_is_scanned_once_and_each_message_gets_its_own_slugs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scans: list[str] = []
    real_find_links = shortening.find_links
    monkeypatch.setattr(shortening, "find_links", lambda body: scans.append(body) or real_find_links(body))
    body = f"Spring sale {secrets.token_hex(8)}: https://shop.example/s?c=1 and https://t.example/p#x."
    mint = CountingSlugs()

    first = shorten_body(body, domain=DOMAIN, mint=mint)
    second = shorten_body(body, domain=DOMAIN, mint=mint)

    assert scans == [body]  # the second message of the same body reuses the plan
    assert [link.slug for link in first.links] == ["0000000001", "0000000002"]
    assert [link.slug for link in second.links] == ["0000000003", "0000000004"]
    assert second.body == "Spring sale " + body[12:28] + (
        ": https://go.brand.example/0000000003 and https://go.brand.example/0000000004."
    )
    assert [link.url for link in second.links] == ["https://shop.example/s?c=1", "https://t.example/p#x"]


def test_a_body_seen_once_stays_out_of_the_plan_cache_and_enters_it_on_the_second_sight() -> None:
    body = f"Hi {secrets.token_hex(8)}, your order: https://shop.example/o/1"
    key = (body, DOMAIN, False)

    first = shorten_body(body, domain=DOMAIN, mint=CountingSlugs())
    assert key not in shortening._plans  # a personalised body costs no LRU insert or eviction
    second = shorten_body(body, domain=DOMAIN, mint=CountingSlugs())

    assert key in shortening._plans
    assert first == second  # same slugs from two fresh counters: the plan changes nothing in the result


def test_two_campaigns_sent_interleaved_are_each_scanned_at_most_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    scans: list[str] = []
    real_find_links = shortening.find_links
    monkeypatch.setattr(shortening, "find_links", lambda body: scans.append(body) or real_find_links(body))
    a = f"Sale {secrets.token_hex(8)}: https://shop.example/a"
    b = f"Sale {secrets.token_hex(8)}: https://shop.example/b"
    mint = CountingSlugs()

    bodies = [shorten_body(body, domain=DOMAIN, mint=mint).body for body in (a, b) * 4]

    # First sights scan; a's second sight scans again (the latest-body slot held b), b's comes from the slot.
    assert scans == [a, b, a]
    assert bodies == [f"Sale {body[5:21]}: https://go.brand.example/{n:010d}" for n, body in enumerate((a, b) * 4, 1)]


def test_the_plan_depends_on_the_domain_and_on_keep_invalid() -> None:
    body = f"{secrets.token_hex(4)} https://go.brand.example/abc https://x.com/%zz https://x.com/ok"

    with pytest.raises(InvalidLinkError):
        shorten_body(body, domain=DOMAIN, mint=CountingSlugs())
    kept = shorten_body(body, domain=DOMAIN, mint=CountingSlugs(), keep_invalid=True)
    other_domain = shorten_body(body, domain="other.example", mint=CountingSlugs(), keep_invalid=True)
    with pytest.raises(InvalidLinkError):  # a failing body is not remembered as a good one
        shorten_body(body, domain=DOMAIN, mint=CountingSlugs())

    assert [link.url for link in kept.links] == ["https://x.com/ok"]
    assert [span.url for span in kept.skipped] == ["https://go.brand.example/abc", "https://x.com/%zz"]
    assert [link.url for link in other_domain.links] == ["https://go.brand.example/abc", "https://x.com/ok"]
