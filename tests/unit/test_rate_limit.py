"""The block-claiming rate limiter (core/common/rate_limit.py) against the in-memory token windows."""

from __future__ import annotations

import threading

import pytest

from brandlink.core.common.rate_limit import InMemoryTokenWindows, RateLimiter

T0 = 1_900_000_000.0


def test_tokens_are_claimed_in_blocks_and_handed_out_from_memory() -> None:
    windows = InMemoryTokenWindows()
    limiter = RateLimiter(windows, limit=100, block=10)
    assert all(limiter.try_acquire("AC1", T0 + 0.5) for _ in range(25))
    assert windows.claims == 3  # 10 + 10 + 10, five tokens still in hand
    assert windows.counts[("AC1", int(T0))] == 30


def test_never_more_than_the_limit_and_the_last_block_is_partial() -> None:
    windows = InMemoryTokenWindows()
    limiter = RateLimiter(windows, limit=25, block=10)
    granted = sum(limiter.try_acquire("AC1", T0) for _ in range(40))
    assert granted == 25
    assert windows.counts[("AC1", int(T0))] == 25


def test_an_exhausted_window_is_refused_without_another_shared_write() -> None:
    windows = InMemoryTokenWindows()
    limiter = RateLimiter(windows, limit=10, block=10)
    assert sum(limiter.try_acquire("AC1", T0) for _ in range(10)) == 10
    claims = windows.claims
    assert not any(limiter.try_acquire("AC1", T0 + 0.9) for _ in range(100))
    assert windows.claims == claims


def test_each_second_and_each_key_has_its_own_budget() -> None:
    windows = InMemoryTokenWindows()
    limiter = RateLimiter(windows, limit=2, block=2)
    assert [limiter.try_acquire("AC1", T0) for _ in range(3)] == [True, True, False]
    assert [limiter.try_acquire("AC2", T0) for _ in range(3)] == [True, True, False]
    assert [limiter.try_acquire("AC1", T0 + 1) for _ in range(3)] == [True, True, False]


def test_tokens_of_a_past_window_are_not_carried_over() -> None:
    windows = InMemoryTokenWindows()
    limiter = RateLimiter(windows, limit=10, block=10)
    assert limiter.try_acquire("AC1", T0)  # nine left in hand for second T0
    assert limiter.try_acquire("AC1", T0 + 1)
    assert windows.counts[("AC1", int(T0) + 1)] == 10  # a new block for the new second


def test_a_restored_snapshot_forgets_its_tokens() -> None:
    windows = InMemoryTokenWindows()
    snapshot = RateLimiter(windows, limit=20, block=10)
    assert snapshot.try_acquire("AC1", T0)  # holds nine tokens, then the snapshot is taken
    snapshot.reset_after_restore()  # what the SnapStart after-restore hook does in every copy
    assert snapshot.try_acquire("AC1", T0)
    assert windows.counts[("AC1", int(T0))] == 20  # a block of its own, not the snapshot's


@pytest.mark.parametrize(("environments", "block"), [(1, 10), (4, 1), (4, 10), (8, 7)])
def test_a_burst_from_parallel_environments_admits_the_limit_within_the_block_granularity(
    environments: int, block: int
) -> None:
    """Each environment has its limiter (its own tokens in hand); all share the windows. Every one asks
    far more often than the limit allows, within one second."""
    windows = InMemoryTokenWindows()
    limiters = [RateLimiter(windows, limit=50, block=block) for _ in range(environments)]
    granted = [0] * environments
    start = threading.Barrier(environments)

    def burst(index: int) -> None:
        start.wait()
        granted[index] = sum(limiters[index].try_acquire("AC1", T0 + 0.25) for _ in range(60))

    threads = [threading.Thread(target=burst, args=(index,)) for index in range(environments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = windows.counts[("AC1", int(T0))]
    assert claimed <= 50  # never over the limit
    assert sum(granted) <= claimed  # every granted token was claimed once
    assert sum(granted) >= 50 - environments * (block - 1)  # at most block - 1 unused per environment


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(InMemoryTokenWindows(), limit=0)
    with pytest.raises(ValueError):
        RateLimiter(InMemoryTokenWindows(), limit=5).try_acquire("AC1", T0, count=0)
