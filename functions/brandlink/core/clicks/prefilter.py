"""A cheap necessary condition for "one of these regular expressions matches": required literals.

Why: ``crawlerdetect`` checks a user agent against one alternation of ~1,500 case-insensitive
patterns; Python's ``re`` tries every alternative at every position, which costs 0.25 ms for an
iPhone Safari user agent and 1 ms for an Instagram in-app one. Almost every tap comes from a real
browser and matches nothing, so the expensive question can usually be skipped.

How: every pattern is parsed (``re._parser``, the parser ``re.compile`` itself uses) and reduced to a
set of *anchors*, lower-case literals of which every match must contain at least one:
``^Java\\/`` needs ``java/``, ``Daum(oa)?[ /][0-9]`` needs ``daum``, and
``[a-z0-9\\-_]*(bot|crawl|...)`` needs one of ``bot``, ``crawl``, .... All anchors go into one
prefix-tree regular expression, matched against the lower-cased text in a few microseconds. No
anchor found means no pattern can match; an anchor found means "ask the real matcher".

A pattern that yields no anchor (none does today) makes ``might_match`` always true: slower, never
wrong. Text that is not ASCII also gets "maybe" (case folding beyond ASCII has exceptions, such as
the dotless i, U+0131, matching ``i``, that lower-casing does not reproduce).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_MIN_ANCHOR = 3  # anchors shorter than this would send most user agents to the slow path

try:  # the parser behind re.compile; its shape has been stable since Python 3.5
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without them: every text is a "maybe"
    _sre = _sre_parse = None


def _anchors_of(items: Iterable[tuple[object, object]]) -> set[str] | None:
    """Lower-case literals, one of which every match of the parsed sequence ``items`` contains."""
    options: list[set[str]] = []
    run: list[str] = []
    for op, argument in items:
        if op is _sre.LITERAL:
            run.append(chr(argument))  # type: ignore[arg-type]
            continue
        if run:
            options.append({"".join(run).lower()})
            run = []
        if op is _sre.SUBPATTERN:
            inner = _anchors_of(argument[-1])  # type: ignore[index]
        elif op is _sre.BRANCH:
            branches = [_anchors_of(branch) for branch in argument[1]]  # type: ignore[index]
            inner = set().union(*branches) if all(branches) else None  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and argument[0] >= 1:  # type: ignore[index]
            inner = _anchors_of(argument[2])  # type: ignore[index]
        else:
            inner = None
        if inner:
            options.append(inner)
    if run:
        options.append({"".join(run).lower()})
    options = [option for option in options if min(map(len, option)) >= _MIN_ANCHOR]
    if not options:
        return None
    return max(options, key=lambda option: (min(map(len, option)), -len(option)))


def anchors(pattern: str) -> set[str] | None:
    """The anchors of one case-insensitive ``pattern``, or ``None`` when it has none we can rely on."""
    if _sre_parse is None or not pattern.isascii():
        return None
    try:
        return _anchors_of(_sre_parse.parse(pattern, re.IGNORECASE).data)
    except Exception:  # an unexpected parse shape: no anchor, so the slow path stays exact
        return None


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex matching any of ``words``; a word's extensions are dropped (the shorter suffices)."""
    trie: dict[str, Any] = {}
    for word in sorted(set(words), key=len):
        node = trie
        for char in word:
            if "" in node:
                break  # a shorter anchor already covers this one
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alternatives = [re.escape(char) + emit(child) for char, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return emit(trie)


class AnchorPrefilter:
    """``might_match(text)`` is False only when none of ``patterns`` can match ``text``."""

    def __init__(self, patterns: Iterable[str]) -> None:
        words: set[str] = set()
        self.unanchored: list[str] = []
        for pattern in patterns:
            found = anchors(pattern)
            if found is None:
                self.unanchored.append(pattern)
            else:
                words |= found
        self.anchor_count = len(words)
        self._search = re.compile(_trie_pattern(words)).search if words else None

    def might_match(self, text: str) -> bool:
        if self.unanchored or not text.isascii():
            return True
        return self._search is not None and self._search(text.lower()) is not None
