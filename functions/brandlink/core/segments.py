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


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


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
    costs = _unit_costs(text, encoding)
    units = sum(costs)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    segments = 1 if units <= single else _parts(costs, part)
    return SegmentCount(encoding=encoding, units=units, segments=segments)
