"""Click or preview: one test per preview-fetcher entry (with its real user agents) and per browser."""

from __future__ import annotations

import re

import pytest
from crawlerdetect import CrawlerDetect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandlink.core.clicks import classify as classify_module
from brandlink.core.clicks.classify import MAX_USER_AGENT, classify, is_machine_agent, load_preview_agents
from tests.unit.clicks.user_agents import BROWSERS, OTHER_MACHINES

AGENTS = load_preview_agents()
REFERENCE = CrawlerDetect()


@pytest.mark.parametrize("agent", AGENTS, ids=[agent.name for agent in AGENTS])
def test_each_preview_entry_matches_its_examples_and_they_are_previews(agent: classify_module.PreviewAgent) -> None:
    assert agent.examples, f"{agent.name} needs at least one real user agent"
    for example in agent.examples:
        assert re.search(agent.pattern, example, re.IGNORECASE), f"{agent.pattern!r} misses {example!r}"
        assert classify("GET", example) == "preview"


def test_entry_names_are_unique() -> None:
    names = [agent.name for agent in AGENTS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", list(BROWSERS))
def test_browsers_and_in_app_browsers_are_clicks(name: str) -> None:
    user_agent = BROWSERS[name]
    assert classify("GET", user_agent) == "click"
    matching = [agent.name for agent in AGENTS if re.search(agent.pattern, user_agent, re.IGNORECASE)]
    assert matching == [], f"{name} is matched by preview entries {matching}"


@pytest.mark.parametrize("name", list(OTHER_MACHINES))
def test_crawlers_and_scripts_are_previews(name: str) -> None:
    assert classify("GET", OTHER_MACHINES[name]) == "preview"


@pytest.mark.parametrize("method", ["HEAD", "head"])
def test_head_is_a_preview_even_from_a_browser(method: str) -> None:
    assert classify(method, BROWSERS["iOS Safari"]) == "preview"


@pytest.mark.parametrize("user_agent", [None, "", "   ", "\t"])
def test_a_missing_or_empty_user_agent_is_a_preview(user_agent: str | None) -> None:
    assert classify("GET", user_agent) == "preview"


def test_viber_and_bluesky_are_previews_although_crawlerdetect_misses_them() -> None:
    for user_agent in ("Viber/20.9.0.8 CFNetwork/1410.0.3 Darwin/22.6.0", "Bluesky Cardyb/1.1"):
        assert not REFERENCE.is_crawler(user_agent)
        assert classify("GET", user_agent) == "preview"


def test_only_the_first_1024_characters_are_read() -> None:
    padded = BROWSERS["Desktop Chrome"] + " " * MAX_USER_AGENT
    assert classify("GET", padded + "Googlebot/2.1") == "click"
    assert classify("GET", "Googlebot/2.1 " + padded) == "preview"


# --- the fast path gives crawlerdetect's verdict

_EXAMPLES = [example for agent in AGENTS for example in agent.examples]
_CORPUS = [*BROWSERS.values(), *OTHER_MACHINES.values(), *_EXAMPLES]


def _reference(user_agent: str) -> bool:
    preview_patterns = "|".join(f"(?:{agent.pattern})" for agent in AGENTS)
    return bool(re.search(preview_patterns, user_agent, re.IGNORECASE)) or REFERENCE.is_crawler(user_agent)


@pytest.mark.parametrize("user_agent", _CORPUS)
def test_verdict_equals_the_full_check(user_agent: str) -> None:
    assert classify_module._detector().is_machine(user_agent) == _reference(user_agent)


def test_browsers_never_reach_the_full_check() -> None:
    prefilter = classify_module._detector().prefilter
    assert [name for name, user_agent in BROWSERS.items() if prefilter.might_match(user_agent)] == []


_TOKENS = st.sampled_from(
    [
        "Mozilla/5.0",
        "(Linux; Android 14; SM-S918B)",
        "(iPhone; CPU iPhone OS 17_5 like Mac OS X)",
        "AppleWebKit/537.36",
        "(KHTML, like Gecko)",
        "Chrome/126.0.0.0",
        "Mobile",
        "Safari/537.36",
        "Instagram 335.0.0.39.93",
        "[FBAN/FBIOS;FBAV/470.0]",
        "Line/14.9.0",
        "Googlebot/2.1",
        "bot",
        "Robot",
        "crawler",
        "Slackbot-LinkExpanding",
        "WhatsApp/2",
        "compatible;",
        "+http://example.com/info",
        "curl/8",
        "java/17",
        "Yandex",
        "YandexSearch",
        "Build/UP1A",
        "x86_64",
        "okhttp/4.12",
    ]
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # no timing in unit tests
@given(st.lists(_TOKENS | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=12), max_size=8))
def test_verdict_equals_the_full_check_on_generated_user_agents(tokens: list[str]) -> None:
    # Tokens are joined by spaces, as in real user agents; see test_prefilter for the one known gap.
    user_agent = " ".join(tokens)
    assert classify_module._detector().is_machine(user_agent) == _reference(user_agent)


def test_verdicts_are_cached_per_truncated_user_agent() -> None:
    cache = classify_module._cached_verdict
    cache.cache_clear()
    for _ in range(3):
        classify("GET", BROWSERS["TikTok iOS"])
    assert is_machine_agent("Googlebot/2.1 " + "x" * 5000)
    assert is_machine_agent("Googlebot/2.1 " + "x" * 6000)  # the same first 1,024 characters
    info = cache.cache_info()
    assert (info.misses, info.hits) == (2, 3)
