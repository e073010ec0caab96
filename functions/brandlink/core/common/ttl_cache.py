"""A per-container cache of lookups that may change rarely: each answer (``None`` too) kept for a while.

The clicks worker reads an account and a domain for every event; a campaign's taps come in bursts for
the same few of each, so keeping them for ``ttl_seconds`` turns thousands of reads into one per key
and minute. A changed value (a domain's new ``CallbackUrl``) is seen within ``ttl_seconds``. Thread
safe enough for its use: two threads missing at once both load, and the later answer stays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_MAX_ENTRIES = 4096


class TtlCache(Generic[K, V]):
    """``cache(key)``: ``load(key)``, remembered for ``ttl_seconds``; at most ``max_entries`` keys (then
    it starts afresh, so a stream of distinct keys cannot grow it without bound)."""

    def __init__(
        self,
        load: Callable[[K], V],
        ttl_seconds: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[K, tuple[V, float]] = {}

    def __call__(self, key: K) -> V:
        now = self._monotonic()
        entry = self._entries.get(key)
        if entry is not None and now < entry[1]:
            return entry[0]
        value = self._load(key)
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (value, now + self._ttl)
        return value
