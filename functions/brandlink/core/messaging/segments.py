"""SMS encoding (GSM-7 or UCS-2) and segment counting, as carriers split a body.

GSM-7 carries 160 septets in one SMS, 153 per part of a concatenated SMS (the user-data header
takes the rest); a character of the extension table costs two septets (escape + code) and is never
split across parts. Any other character makes the whole body UCS-2: 70 UTF-16 code units in one
SMS, 67 per part; a surrogate pair (emoji) is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


_GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return _GSM7_ALL.issuperset(text)


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return len(text) + sum(text.count(char) for char in GSM7_EXTENSION)
    return len(text.encode("utf-16-le")) // 2


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _parts(costs: list[int], part_size: int) -> int:
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part_size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def count_segments(text: str) -> SegmentCount:
    """Encoding, size and number of SMS parts of ``text``; an empty body (media only) is one part."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    units = _units(text, encoding)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        segments = 1
    elif units == len(text):  # no two-unit characters: nothing to keep together
        segments = -(-units // part)
    else:
        segments = _parts(_unit_costs(text, encoding), part)
    return SegmentCount(encoding=encoding, units=units, segments=segments)
