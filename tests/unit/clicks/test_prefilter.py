"""The required-literal prefilter: anchors of patterns, and "cannot match" only when nothing can."""

from __future__ import annotations

import re

import pytest
from crawlerdetect import CrawlerDetect
from crawlerdetect.providers.crawlers import data as crawler_patterns
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandlink.core.clicks.prefilter import AnchorPrefilter, anchors


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Googlebot", {"googlebot"}),
        ("^Java\\/", {"java/"}),
        ("^Ruby|Ruby\\/[0-9]", {"ruby", "ruby/"}),
        ("Daum(oa)?[ \\/][0-9]", {"daum"}),
        ("Yandex(?!Search)", {"yandex"}),
        ("[a-z0-9\\-_]*(bot|crawl|spider)", {"bot", "crawl", "spider"}),
        ("Go [\\d\\.]* package http", {" package http"}),
        ("(?:x)+Slackbot", {"slackbot"}),
        ("(abc)+", {"abc"}),
    ],
)
def test_anchors(pattern: str, expected: set[str]) -> None:
    assert anchors(pattern) == expected


@pytest.mark.parametrize("pattern", ["[a-z]+", "a.b", "(ab)?", "ab", "x|abcdef", "caf\u00e9"])
def test_patterns_without_a_reliable_anchor(pattern: str) -> None:
    assert anchors(pattern) is None


def test_every_crawlerdetect_pattern_has_anchors() -> None:
    assert [pattern for pattern in crawler_patterns if anchors(pattern) is None] == []


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # no timing in unit tests
@given(st.sampled_from(crawler_patterns), st.data())
def test_a_match_of_a_pattern_always_contains_one_of_its_anchors(pattern: str, data: st.DataObject) -> None:
    found = anchors(pattern)
    assert found is not None
    ascii_text = st.characters(min_codepoint=32, max_codepoint=126)
    text = data.draw(st.from_regex(re.compile(pattern, re.IGNORECASE), alphabet=ascii_text))
    assert any(anchor in text.lower() for anchor in found), (pattern, text, found)


def test_might_match() -> None:
    prefilter = AnchorPrefilter(["Googlebot", "^Java\\/"])
    assert prefilter.might_match("Mozilla/5.0 (compatible; GOOGLEBOT/2.1)")
    assert prefilter.might_match("java/17.0.2")
    assert not prefilter.might_match("Mozilla/5.0 (iPhone) Safari/604.1")


def test_an_unanchored_pattern_makes_every_text_a_maybe() -> None:
    prefilter = AnchorPrefilter(["Googlebot", "[a-z]+"])
    assert prefilter.unanchored == ["[a-z]+"]
    assert prefilter.might_match("anything")


def test_non_ascii_text_is_always_a_maybe() -> None:
    # re's case folding matches "i" with the dotless "\u0131", which lower() does not reproduce.
    prefilter = AnchorPrefilter(["LinkedInBot"])
    assert re.search("LinkedInBot", "L\u0131nked\u0131nBot", re.IGNORECASE)
    assert prefilter.might_match("L\u0131nked\u0131nBot")


def test_no_patterns_match_nothing() -> None:
    assert not AnchorPrefilter([]).might_match("Googlebot")


def test_known_gap_a_bot_word_split_by_a_browser_token() -> None:
    """crawlerdetect deletes browser tokens before matching, which can join two halves of a word.

    The prefilter looks at the user agent as sent, so it misses such a join. No real user agent has
    one (tokens are separated by spaces, and deletions keep them); this test pins the behaviour.
    """
    user_agent = "boLinuxt"
    assert CrawlerDetect().is_crawler(user_agent)  # "Linux" deleted -> "bot"
    assert not AnchorPrefilter(crawler_patterns).might_match(user_agent)
