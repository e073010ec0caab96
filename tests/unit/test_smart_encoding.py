"""Smart Encoding: look-alikes become GSM-7, only when the whole body then fits GSM-7."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brandlink.core.messaging.segments import count_segments, is_gsm7
from brandlink.core.messaging.smart_encoding import REPLACEMENTS, replace_lookalikes, smart_encode


@pytest.mark.parametrize(
    ("original", "encoded"),
    [
        ("Don\u2019t miss it", "Don't miss it"),
        ("\u201cQuoted\u201d and \u2018single\u2019", "\"Quoted\" and 'single'"),
        ("10\u201320 \u2014 now", "10-20 - now"),
        ("Wait\u2026", "Wait..."),
        ("non\u00a0breaking\u2009thin\u3000wide", "non breaking thin wide"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("a\u2028b", "a\nb"),
        ("\u2039x\u203a \u00abq\u00bb", '<x> "q"'),
        ("1\u20442 and \u2022 item", "1/2 and - item"),
        ("\ufb01ne", "fine"),
    ],
)
def test_lookalikes_are_replaced(original: str, encoded: str) -> None:
    assert smart_encode(original) == encoded
    assert is_gsm7(encoded)


def test_replacement_shrinks_segments() -> None:
    text = "It\u2019s " + "a" * 100
    assert count_segments(text).segments == 2
    assert count_segments(smart_encode(text)).segments == 1


def test_body_that_stays_ucs2_is_left_as_written() -> None:
    text = "Don\u2019t forget \U0001f600"
    assert smart_encode(text) == text


def test_letters_are_never_changed() -> None:
    assert smart_encode("Se\u00f1or caf\u00e9 \u00e1") == "Se\u00f1or caf\u00e9 \u00e1"


def test_gsm_body_is_untouched() -> None:
    text = "Plain [GSM] text with \u20ac and {braces}"
    assert smart_encode(text) == text


def test_every_replacement_is_gsm7_and_every_source_is_not() -> None:
    for source, target in REPLACEMENTS.items():
        assert not is_gsm7(source), repr(source)
        assert is_gsm7(target), repr(target)


def test_replacement_that_would_add_segments_is_not_made() -> None:
    text = "\u2026" * 70  # one UCS-2 segment; as "..." it would be 210 septets, two segments
    assert smart_encode(text) == text
    assert smart_encode("\u2026" * 50) == "..." * 50


@given(st.text(alphabet=st.sampled_from([*REPLACEMENTS, "a", " ", "é", "€", "\U0001f600"]), max_size=400))
def test_smart_encode_is_idempotent_and_never_costs_more_segments(text: str) -> None:
    once = smart_encode(text)
    assert smart_encode(once) == once
    assert count_segments(once).segments <= count_segments(text).segments
    assert once in (text, replace_lookalikes(text))
