"""The order a message's status moves in: only forward, never back.

``scheduled|accepted|queued < sending < sent < delivered|undelivered|failed``; ``canceled`` ends a
message that was never sent and nothing follows it. A receipt may skip steps (``queued`` →
``delivered`` when the carrier is faster than dispatch's final write) but never moves a status to
one of the same or a lower rank: a late ``sent`` never overwrites ``delivered``, and a second
``delivered`` (a duplicated receipt) changes nothing.
"""

from __future__ import annotations

from brandlink.core.messaging.model import (
    ACCEPTED,
    CANCELED,
    DELIVERED,
    FAILED,
    QUEUED,
    SCHEDULED,
    SENDING,
    SENT,
    UNDELIVERED,
)

RANK: dict[str, int] = {
    SCHEDULED: 0,
    ACCEPTED: 0,
    QUEUED: 0,
    SENDING: 1,
    SENT: 2,
    DELIVERED: 3,
    UNDELIVERED: 3,
    FAILED: 3,
}
"""Each status's place; ``canceled`` has none (nothing moves it)."""

RECEIPT_STATUSES = frozenset({SENT, DELIVERED, UNDELIVERED, FAILED})
"""What a carrier's receipt can report."""


def moves_forward(current: str, new: str) -> bool:
    """True when ``current`` → ``new`` is a step forward (``canceled`` and unknown statuses never move)."""
    if current == CANCELED or current not in RANK or new not in RANK:
        return False
    return RANK[new] > RANK[current]


def statuses_before(new: str) -> frozenset[str]:
    """Every status ``new`` may replace: the condition of the conditional write."""
    return frozenset(status for status, rank in RANK.items() if rank < RANK[new])


def statuses_after(current: str) -> frozenset[str]:
    """Every status of a higher rank than ``current``: where something else may have moved it on."""
    return frozenset(status for status, rank in RANK.items() if rank > RANK[current])
