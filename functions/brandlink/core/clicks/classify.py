"""Is a tap on a short link a person's ``click`` or a machine's ``preview``?

Twilio's click events carry ``event_type`` ``click`` or ``preview``. Brandlink reports ``preview`` for
everything that is not a person opening the link, and still redirects it (a preview must work):

1. ``HEAD``: no browser navigates with HEAD; link checkers and some preview fetchers do.
2. An empty or missing ``User-Agent``: every browser sends one.
3. A known link-preview fetcher: the patterns in ``preview_agents.json`` beside this module
   (WhatsApp, iMessage, Slack, Teams, ...; each with real example user agents, all tested).
4. Any crawler, bot or script that ``crawlerdetect`` recognises (the Python port of the PHP library
   Shlink uses, ~1,500 patterns): search engines, uptime monitors, ``curl``, HTTP libraries.

Everything else is a ``click``: browsers, and in-app browsers (Instagram, Facebook, TikTok, LINE,
KakaoTalk...), which are people tapping inside an app. Signal fetches previews on the sender's phone
as ``WhatsApp/2``, which rule 3 covers; when its user opens the link, that is the phone's browser.

Cost: ``crawlerdetect`` alone takes 0.25-1 ms per browser user agent (one alternation of ~1,500
patterns tried at each position). ``prefilter.AnchorPrefilter`` answers "cannot match" for a
browser in a few microseconds, and only user agents that contain an anchor of some pattern reach the
full check; verdicts are also cached per user agent. Only the first 1,024 characters of a user
agent are looked at, so an oversized header cannot make the check expensive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from brandlink.core.clicks.prefilter import AnchorPrefilter

EventType = Literal["click", "preview"]
AGENTS_FILE = Path(__file__).with_name("preview_agents.json")
MAX_USER_AGENT = 1024


@dataclass(frozen=True, slots=True)
class PreviewAgent:
    """One entry of ``preview_agents.json``."""

    name: str
    pattern: str
    examples: tuple[str, ...]
    note: str = ""


def load_preview_agents(path: Path = AGENTS_FILE) -> tuple[PreviewAgent, ...]:
    """The entries of the data file (read once per process by the classifier)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        PreviewAgent(entry["name"], entry["pattern"], tuple(entry["examples"]), entry.get("note", ""))
        for entry in document["agents"]
    )


class _Detector:
    """The compiled rules 3 and 4; built once, on first use (crawlerdetect's import and compile take ~20 ms)."""

    def __init__(self) -> None:
        import re

        from crawlerdetect import CrawlerDetect
        from crawlerdetect.providers.crawlers import data as crawler_patterns

        agents = load_preview_agents()
        self.preview = re.compile("|".join(f"(?:{agent.pattern})" for agent in agents), re.IGNORECASE)
        self.crawlers = CrawlerDetect()
        self.prefilter = AnchorPrefilter([*(agent.pattern for agent in agents), *crawler_patterns])
        self.crawlers.is_crawler("curl/8")  # compiles crawlerdetect's two big expressions now, not on a tap

    def is_machine(self, user_agent: str) -> bool:
        if not self.prefilter.might_match(user_agent):
            return False
        return self.preview.search(user_agent) is not None or self.crawlers.is_crawler(user_agent)


@cache
def _detector() -> _Detector:
    return _Detector()


def prepare() -> None:
    """Build the detector now (call at init, so that a SnapStart snapshot or the first event has it)."""
    _detector()


def is_machine_agent(user_agent: str) -> bool:
    """True for a link-preview fetcher, crawler, bot or script; False for a browser."""
    return _cached_verdict(user_agent[:MAX_USER_AGENT])


@lru_cache(maxsize=4096)
def _cached_verdict(user_agent: str) -> bool:
    # Keyed on the truncated user agent, so the cache holds at most 4,096 x 1,024 characters.
    return _detector().is_machine(user_agent)


def classify(method: str, user_agent: str | None) -> EventType:
    """``preview`` for HEAD, an empty user agent, or a machine's user agent; ``click`` otherwise."""
    if method.upper() == "HEAD":
        return "preview"
    agent = (user_agent or "").strip()
    if not agent:
        return "preview"
    return "preview" if is_machine_agent(agent) else "click"
