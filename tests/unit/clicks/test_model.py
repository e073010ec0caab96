"""The tap message round-trips; anything else on the clicks queue is refused, not misread."""

from __future__ import annotations

import pytest

from brandlink.core.clicks.model import Tap

TAP = Tap("req-1", "AbCdEf1234", "links.example.com", "GET", "Mozilla/5.0 (iPhone)", 1_700_000_000_123)


def test_a_tap_round_trips() -> None:
    assert Tap.from_json(TAP.to_json()) == TAP


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"v": 2}',
        '{"v": 1, "id": "x"}',
        '{"v": 1, "id": "x", "slug": "s", "host": "h", "method": "GET", "ua": "", "at": "soon"}',
    ],
)
def test_other_bodies_are_refused(body: str) -> None:
    with pytest.raises(ValueError):
        Tap.from_json(body)
