"""The port through which slug minters claim counter blocks, and an in-memory implementation.

The deployed implementation (a store module, later) is one DynamoDB ``UpdateItem`` on the
``counters`` table: ``ADD next_value :size`` with ``ReturnValues=UPDATED_NEW``, the block being
``[new - size, new)``. ADD is atomic, so two environments never get overlapping blocks, and the item
has no TTL, so the counter never goes back even when every link item has expired and been deleted.
One claim per block keeps the shared item far below DynamoDB's ~1,000 writes/s per item.
"""

from __future__ import annotations

import threading
from typing import Protocol


class CounterBlocks(Protocol):
    """Claims blocks of a named, never-decreasing counter."""

    def claim(self, name: str, size: int) -> int:
        """Atomically reserve ``[start, start + size)`` of counter ``name`` for the caller; return ``start``.

        Blocks returned for one name never overlap, whichever caller (thread, process, environment) asks.
        """
        ...


class InMemoryCounterBlocks:
    """``CounterBlocks`` in one process: tests, benchmarks and anything that needs no persistence."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()
        self.claims = 0
        """How many blocks were claimed (tests assert when claims happen)."""

    def claim(self, name: str, size: int) -> int:
        if size < 1:
            raise ValueError(f"a block needs a positive size, got {size}")
        with self._lock:
            start = self._next.get(name, 0)
            self._next[name] = start + size
            self.claims += 1
            return start

    def peek(self, name: str) -> int:
        """The next unclaimed value of ``name`` (0 before the first claim)."""
        with self._lock:
            return self._next.get(name, 0)
