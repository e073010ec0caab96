"""A per-key, per-second rate limit enforced across every function environment, with few shared writes.

The count of one key's window (an account's link-shortening requests in one second, say) lives in
one shared item (``TokenWindows``: a DynamoDB item per key and second, ``store.common.rate_limits``).
One item takes about 1,000 writes/s, so a limit of 2,000/s cannot be counted one request per write.
Instead each environment claims *blocks* of tokens (``block`` at a time, the dispatch function's SQS
batch size by default) with one conditional ``ADD`` that never takes the count past the limit, and
hands them out from memory until the window ends. At the limit the item sees ``limit / block``
writes per second (200 for 2,000/s in blocks of 10).

Guarantees, per key and window:

* never more than ``limit`` tokens are granted (the conditional ADD; a partial claim takes what is
  left when a whole block no longer fits);
* tokens are not counted twice: a token is granted by exactly one environment, from the block that
  environment claimed;
* at most ``block - 1`` tokens per environment are claimed but unused when the window ends (their
  requests never came), so the admitted rate lies between ``limit - E * (block - 1)`` and ``limit``
  for ``E`` environments that held a partly used block at the end of the second.

Tokens in hand are forgotten when the window changes and after a SnapStart restore
(``reset_after_restore``): a snapshot restored into many environments must not hand the same block
to all of them. Once the window is known to be exhausted, further requests in it are refused without
a shared write.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


class TokenWindows(Protocol):
    """The shared counts: one per (key, window)."""

    def claim(self, key: str, window: int, wanted: int, limit: int) -> int:
        """Add up to ``wanted`` to the count of ``(key, window)`` without taking it past ``limit``;
        return how many were added (fewer when only that many were left, 0 when the window is full)."""
        ...


@dataclass
class _Held:
    window: int
    tokens: int = 0
    exhausted: bool = False


class RateLimiter:
    """``limit`` tokens per key and window of ``window_seconds``, claimed ``block`` at a time. Thread-safe."""

    def __init__(self, windows: TokenWindows, *, limit: int, block: int = 10, window_seconds: int = 1) -> None:
        if limit < 1 or block < 1 or window_seconds < 1:
            raise ValueError(
                f"limit, block and window_seconds must be positive, got {limit}, {block}, {window_seconds}"
            )
        self._windows = windows
        self.limit = limit
        self.block = min(block, limit)
        self.window_seconds = window_seconds
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def try_acquire(self, key: str, now_epoch: float, count: int = 1) -> bool:
        """Take ``count`` tokens of ``key``'s current window; False (nothing taken) when over the limit."""
        if count < 1:
            raise ValueError(f"count must be positive, got {count}")
        window = int(now_epoch // self.window_seconds)
        with self._lock:
            held = self._held.get(key)
            if held is None or held.window != window:
                held = self._held[key] = _Held(window)
                if len(self._held) > 1:
                    self._forget_other_windows(window)
            if held.tokens < count and not held.exhausted:
                wanted = max(self.block, count - held.tokens)
                granted = self._windows.claim(key, window, min(wanted, self.limit), self.limit)
                held.tokens += granted
                held.exhausted = granted < wanted
            if held.tokens < count:
                return False
            held.tokens -= count
            return True

    def reset_after_restore(self) -> None:
        """Forget every token in hand (a SnapStart restore, or anything else that clones memory)."""
        with self._lock:
            self._held.clear()

    def _forget_other_windows(self, window: int) -> None:
        for key in [key for key, held in self._held.items() if held.window != window]:
            del self._held[key]


class InMemoryTokenWindows:
    """``TokenWindows`` in one process: unit tests and benchmarks."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}
        self.claims = 0
        """How many shared writes a real store would have made."""
        self._lock = threading.Lock()

    def claim(self, key: str, window: int, wanted: int, limit: int) -> int:
        with self._lock:
            used = self.counts.get((key, window), 0)
            granted = max(0, min(wanted, limit - used))
            if granted:
                self.counts[(key, window)] = used + granted
                self.claims += 1
            return granted
