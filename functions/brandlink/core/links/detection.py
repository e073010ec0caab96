"""Find the http(s) links in a message body and put short links in their place.

The rules (table-tested in ``tests/unit/links/test_detection.py``, written up in ``docs/links.md``):

* A link starts at ``http://`` or ``https://`` in any letter case, unless an ASCII letter, digit,
  ``+`` or ``-`` stands right before it (then it is another scheme, ``git+https://`` or
  ``xhttps://``). Text in other scripts may touch it: ``访问https://example.cn`` has a link.
* No other scheme (``ftp:``, ``mailto:``, ``tel:``) and nothing without a scheme
  (``www.example.com``, ``example.com``) is a link: a message's text is never guessed at.
* A link runs until whitespace (any Unicode space), a control character, ``<``, ``>``, ``"`` or
  a backtick, or a non-ASCII punctuation mark, symbol, separator or format character
  (full-width CJK punctuation such as U+FF0C and U+3002, curly quotes, guillemets, the
  ellipsis U+2026, emoji, zero-width and bidi characters). Non-ASCII letters, digits and marks
  stay in, so IDN hosts and non-English paths are kept (``https://bücher.de/Straße``).
* A second ``http(s)://`` inside a link starts a new link when it follows ``. , ; ! ' ( ) [ ] { } |``
  (``https://a.com,https://b.com`` is two links); after ``= / ? & # : % @`` it belongs to the first
  link, as a redirect parameter does (``https://a.com/go?to=https://b.com``).
* Then trailing characters that end sentences are given back to the text, repeatedly: ``. , ! ? : ;``,
  an ASCII apostrophe used as a closing quote, an opening bracket, and a closing ``)``, ``]`` or ``}``
  that has no partner inside the link. Balanced brackets stay (``https://en.wikipedia.org/wiki/Foo_(bar)``,
  ``http://[::1]:8080``).
* What remains needs something after ``://`` that is not ``/``, ``?`` or ``#``: ``https://`` alone or
  ``https:///x`` is text, not a link.
* Every character of a found link is kept exactly as written (no normalisation): query, fragment,
  percent-escapes, port, userinfo, letter case, IDN or punycode host.

Whether a found link may be shortened (valid host, port, percent-escapes, encoding) is the separate
question answered by ``brandlink.core.links.validity``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

# After the scheme's ``://``: every character that can appear in a link written in text.
_LINK_CHARACTERS = re.compile(r"[^\s<>\"`\x00-\x1f\x7f]*")
# The same, for ASCII text only: printable ASCII but space, ``"``, ``<``, ``>`` and the backtick. Ranges
# are checked ~4 times faster than the class with ``\s`` (a Unicode lookup per character); where a
# non-ASCII character follows, the scan goes on with ``_LINK_CHARACTERS``.
_ASCII_LINK_CHARACTERS = re.compile(r"[!#-;=?-_a-~]*")
# What must not stand right before ``http(s)://`` (then it is another scheme, or a word glued to it).
_GLUED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-")
# A character that may stand before an inner scheme that starts a new link.
_INNER_LINK = re.compile(r"[.,;!'()\[\]{}|](?=(?i:https?)://)")
_TRAILING = frozenset(".,!?:;'([{")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_TRIM_CANDIDATES = _TRAILING | frozenset(_CLOSERS)  # a link ending otherwise has nothing to give back
# Non-ASCII characters that end a link: punctuation, symbols, separators, control/format/private use.
_ENDING_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"})
_ENDING_CATEGORIES |= {"Zs", "Zl", "Zp", "Cc", "Cf", "Co"}
# U+FFFD (a decoding failure) is a symbol, but it stays inside so validity can name the bad encoding.
_REPLACEMENT_CHARACTER = "\ufffd"


class LinkSpan(NamedTuple):
    """A link found in a body: ``body[start:end] == url``, exactly as written."""

    start: int
    end: int
    url: str


_new_span: Callable[[tuple[int, int, str]], LinkSpan] = partial(tuple.__new__, LinkSpan)
"""``LinkSpan`` from its fields in one C call (a named tuple's ``__new__`` is a Python function)."""


def _cut_at_non_ascii_terminator(text: str) -> str:
    for index, char in enumerate(text):
        if char >= "\x80" and char != _REPLACEMENT_CHARACTER and unicodedata.category(char) in _ENDING_CATEGORIES:
            return text[:index]
    return text


def _trim_trailing(text: str) -> str:
    while text:
        last = text[-1]
        if last in _TRAILING or (last in _CLOSERS and text.count(last) > text.count(_CLOSERS[last])):
            text = text[:-1]
        else:
            return text
    return text


def _scheme_length(text: str) -> int:
    return 8 if text[4] in "sS" else 7


def find_links(body: str) -> list[LinkSpan]:
    """Every http(s) link in ``body``, in order, by the rules in this module's docstring.

    Each occurrence is its own span: the same URL written twice is found twice (each occurrence
    gets its own short link, so a click tells which one was tapped).

    The scan looks for ``://`` with ``str.find`` and checks the scheme before it, rather than one
    regular expression with a look-behind: such a pattern has no literal prefix, so the regex engine
    tries it at every character of the body, which made finding the links the largest single step
    of shortening (bench/RESULTS.md, "dispatch with shortening"). A property test checks that both
    scans find the same links.
    """
    spans: list[LinkSpan] = []
    find = body.find
    match_tail = _LINK_CHARACTERS.match
    match_ascii = _ASCII_LINK_CHARACTERS.match
    length = len(body)
    ascii_body = body.isascii()
    position = 0
    while (colon := find("://", position)) >= 0:
        # http:// or https:// (any letter case) ends at the "://", and no letter, digit, + or - is
        # glued before it (then it is another scheme, or a word).
        if colon >= 5 and body[colon - 5 : colon].lower() == "https":
            start = colon - 5
        elif colon >= 4 and body[colon - 4 : colon].lower() == "http":
            start = colon - 4
        else:
            position = colon + 3
            continue
        if start and body[start - 1] in _GLUED:
            position = colon + 3
            continue
        if ascii_body:
            # The link most often runs to the next space: take that stretch when it holds no other
            # character that ends a link (a control character, DEL, ``"``, ``<``, ``>`` or a backtick),
            # which a few C string scans tell faster than the regex engine walking it.
            position = find(" ", colon + 3)
            if position < 0:
                position = length
            text = body[start:position]
            if not text.isprintable() or '"' in text or "<" in text or ">" in text or "`" in text:
                position = match_ascii(body, colon + 3).end()  # type: ignore[union-attr]  # matches ""
                text = body[start:position]
        else:
            position = match_ascii(body, colon + 3).end()  # type: ignore[union-attr]  # matches ""
            text = body[start:position]
            # Then the Unicode rules, which a plain-ASCII body (most SMS) skips altogether.
            if position < length and body[position] >= "\x80":
                position = match_tail(body, position).end()  # type: ignore[union-attr]  # matches ""
                text = body[start:position]
            if not text.isascii():
                text = _cut_at_non_ascii_terminator(text)
                position = start + len(text)
        if text.find("://", 7) >= 0 and (inner := _INNER_LINK.search(text, 8)):
            text = text[: inner.start() + 1]
            position = start + len(text)
        if text[-1] in _TRIM_CANDIDATES:
            text = _trim_trailing(text)
        size = len(text)
        scheme = (8 if text[4] in "sS" else 7) if size > 7 else size  # http:// or https://
        if size > scheme and text[scheme] not in "/?#":
            spans.append(_new_span((start, start + size, text)))
    return spans


def rewrite(body: str, spans: Sequence[LinkSpan], replacements: Sequence[str]) -> str:
    """``body`` with ``spans[i]`` replaced by ``replacements[i]``; spans in order, not overlapping."""
    if len(spans) != len(replacements):
        raise ValueError(f"{len(spans)} spans but {len(replacements)} replacements")
    pieces: list[str] = []
    position = 0
    for span, replacement in zip(spans, replacements, strict=True):
        if span.start < position or span.end < span.start:
            raise ValueError(f"spans must be in order and not overlap; {span} starts before {position}")
        pieces.append(body[position : span.start])
        pieces.append(replacement)
        position = span.end
    pieces.append(body[position:])
    return "".join(pieces)
