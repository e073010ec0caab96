"""GSM-7 / UCS-2 detection and segment counts at every boundary."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brandlink.core.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, count_segments, is_gsm7


def test_gsm_tables_have_the_standard_sizes() -> None:
    # 128 code points minus the escape; the extension table has 10 characters in the common subset.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("Hello", "GSM-7", 5, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]", "GSM-7", 5, 1),
        ("é" * 160, "GSM-7", 160, 1),
        ("á", "UCS-2", 1, 1),
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("á" * 134, "UCS-2", 134, 2),
        ("á" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
        ("Price: 5€", "GSM-7", 10, 1),
        ("Hi “there”", "UCS-2", 10, 1),
    ],
)
def test_counts(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_an_extension_character_is_not_split_across_parts() -> None:
    # 152 septets then "€" (2): part one cannot take 154, so "€" opens part two.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3
    assert count_segments("a" * 151 + "€" + "a" * 153).segments == 2


def test_a_surrogate_pair_is_not_split_across_parts() -> None:
    text = "á" * 66 + "😀" + "á" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3
    assert count_segments("á" * 65 + "😀" + "á" * 67).segments == 2


def test_one_non_gsm_character_makes_the_whole_body_ucs2() -> None:
    assert count_segments("a" * 100).segments == 1
    assert count_segments("a" * 100 + "ł").segments == 2


@given(st.text(max_size=2000))
def test_segments_never_fewer_than_the_plain_division(text: str) -> None:
    count = count_segments(text)
    single, part = (160, 153) if is_gsm7(text) else (70, 67)
    if count.units <= single:
        assert count.segments == 1
    else:
        assert count.segments >= math.ceil(count.units / part)
        # The pieces that are never split cost at most one unit of waste per part.
        assert count.segments <= math.ceil(count.units / (part - 1))
