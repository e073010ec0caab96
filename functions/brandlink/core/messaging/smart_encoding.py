"""Smart Encoding: replace look-alike Unicode characters with GSM-7 ones.

Word processors and phones turn ``'`` into a curly quote and ``-`` into a dash; one such character makes a
whole SMS UCS-2, which halves the characters per segment. Smart Encoding swaps them for the GSM-7
character they look like. The swap is applied only when it makes the whole body GSM-7 and does
not add segments (an ellipsis becomes three dots): a body that stays UCS-2 anyway (an emoji,
Cyrillic, ...) carries the original characters at no extra cost, so it is sent as written.
Letters are never changed (``á`` stays ``á``): only punctuation, spaces and invisible characters.
"""

from __future__ import annotations

from brandlink.core.messaging.segments import count_segments, is_gsm7

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02b9\u02bc\u02c8\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u301d\u301e\uff02\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_LINE_BREAKS = "\u2028\u2029"

REPLACEMENTS: dict[str, str] = {
    **dict.fromkeys(_SINGLE_QUOTES, "'"),
    **dict.fromkeys(_DOUBLE_QUOTES, '"'),
    **dict.fromkeys(_DASHES, "-"),
    **dict.fromkeys(_SPACES, " "),
    **dict.fromkeys(_INVISIBLE, ""),
    **dict.fromkeys(_LINE_BREAKS, "\n"),
    "\u2026": "...",  # horizontal ellipsis
    "\u2025": "..",  # two-dot leader
    "\u2039": "<",  # single angle quotation marks
    "\u203a": ">",
    "\u02c6": "^",  # modifier circumflex
    "\u02dc": "~",  # small tilde
    "\u2044": "/",  # fraction slash
    "\u2215": "/",  # division slash
    "\uff0f": "/",  # fullwidth solidus
    "\uff3c": "\\",  # fullwidth reverse solidus
    "\u01c0": "|",  # dental click, looks like a bar
    "\u2223": "|",  # divides
    "\uff5c": "|",  # fullwidth vertical line
    "\u2022": "-",  # bullet
    "\u2219": "-",  # bullet operator
    "\ufb01": "fi",
    "\ufb02": "fl",
}

_TABLE = str.maketrans(REPLACEMENTS)


def replace_lookalikes(text: str) -> str:
    """``text`` with every look-alike replaced, whether or not the result is GSM-7."""
    return text.translate(_TABLE)


def smart_encode(text: str) -> str:
    """The body to send with Smart Encoding on: GSM-7 look-alikes when that makes it GSM-7 and
    takes no more segments than the original."""
    if is_gsm7(text):
        return text
    replaced = replace_lookalikes(text)
    if is_gsm7(replaced) and count_segments(replaced).segments <= count_segments(text).segments:
        return replaced
    return text
