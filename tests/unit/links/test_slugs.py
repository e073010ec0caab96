"""Slugs: shape, never reused (blocks, processes, expiry, restore), and no visible structure.

The statistical tests use fixed keys, so they are deterministic; their bounds sit about five standard
deviations from the expected value, and each is shown to fail for a structured (guessable) scheme.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from brandlink.core.links.counters import InMemoryCounterBlocks
from brandlink.core.links.errors import SlugKeyError, SlugSpaceExhaustedError
from brandlink.core.links.slugs import (
    ALPHABET,
    SLUG_SPACE,
    SlugCipher,
    SlugMinter,
    decode,
    encode,
    is_slug,
)

KEY = b"test key of thirty-two bytes...!"
SAMPLE = 100_000


# --- spelling


@pytest.mark.parametrize(
    ("value", "slug"),
    [(0, "0000000000"), (1, "0000000001"), (61, "000000000z"), (62, "0000000010"), (SLUG_SPACE - 1, "zzzzzzzzzz")],
)
def test_encode_and_decode(value: int, slug: str) -> None:
    assert encode(value) == slug
    assert decode(slug) == value


@pytest.mark.parametrize("text", ["", "abc", "zzzzzzzzzzz", "abcde-ghij", "abcdéfghij", "ABCDEFGHI "])
def test_decode_refuses_what_is_not_a_slug(text: str) -> None:
    assert not is_slug(text)
    with pytest.raises(ValueError, match="not a slug"):
        decode(text)


def test_cipher_round_trips_and_spells_ten_characters() -> None:
    cipher = SlugCipher(KEY)
    for value in (0, 1, 999, 10**12, SLUG_SPACE - 1):
        slug = cipher.slug(value)
        assert is_slug(slug)
        assert cipher.value(slug) == value


def test_cipher_refuses_a_short_key_or_too_few_rounds() -> None:
    with pytest.raises(SlugKeyError, match="at least 16"):
        SlugCipher(b"too short")
    with pytest.raises(ValueError, match="at least 8"):
        SlugCipher(KEY, rounds=6)


# --- the minter: lazy blocks, never a value twice


def _minter(counters: InMemoryCounterBlocks, block_size: int = 100) -> SlugMinter:
    return SlugMinter(SlugCipher(KEY), counters, block_size=block_size)


def test_no_block_is_claimed_before_the_first_mint() -> None:
    counters = InMemoryCounterBlocks()
    minter = _minter(counters)
    assert counters.claims == 0  # building a minter (at init, before a SnapStart snapshot) claims nothing
    minter.mint()
    assert counters.claims == 1


def test_blocks_are_claimed_as_they_run_out() -> None:
    counters = InMemoryCounterBlocks()
    minter = _minter(counters, block_size=10)
    slugs = minter.mint_many(25) + [minter.mint() for _ in range(5)]
    assert counters.claims == 3
    assert len(set(slugs)) == 30
    assert sorted(SlugCipher(KEY).value(slug) for slug in slugs) == list(range(30))


def test_minters_sharing_one_counter_never_overlap() -> None:
    counters = InMemoryCounterBlocks()
    minters = [_minter(counters, block_size=7) for _ in range(5)]  # five "processes"
    slugs = [minter.mint() for _ in range(200) for minter in minters]
    assert len(slugs) == len(set(slugs)) == 1000


def test_threads_sharing_one_minter_never_get_the_same_slug() -> None:
    minter = _minter(InMemoryCounterBlocks(), block_size=13)
    results: list[list[str]] = [[] for _ in range(8)]

    def work(out: list[str]) -> None:
        for _ in range(250):
            out.extend(minter.mint_many(2))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slugs = [slug for out in results for slug in out]
    assert len(slugs) == len(set(slugs)) == 4000


def test_expired_links_never_bring_their_slugs_back() -> None:
    counters = InMemoryCounterBlocks()
    live: dict[str, str] = {}  # the links table: slug -> url, items deleted by TTL
    issued: set[str] = set()
    for generation in range(5):
        minter = _minter(counters, block_size=50)  # a new environment each "day"
        for index in range(120):
            slug = minter.mint()
            assert slug not in issued, "a slug came back"
            issued.add(slug)
            live[slug] = f"https://x.com/{generation}/{index}"
        live.clear()  # every link expired and its item was deleted; only the counter remains
    assert len(issued) == 600
    assert counters.peek("slug") >= 600  # the counter never went back


def test_a_restored_snapshot_must_forget_its_block() -> None:
    counters = InMemoryCounterBlocks()
    minter = _minter(counters)
    minter.mint()  # a block claimed before the snapshot: the mistake SnapStart punishes
    # A restore copies the process memory: each environment gets the minter's fields as they were.
    environment_a, environment_b = copy.copy(minter), copy.copy(minter)
    assert environment_a.mint() == environment_b.mint()  # without the hook, two environments collide

    environment_c, environment_d = copy.copy(minter), copy.copy(minter)
    environment_c.reset_after_restore()
    environment_d.reset_after_restore()
    slugs = environment_c.mint_many(150) + environment_d.mint_many(150) + minter.mint_many(10)
    assert len(slugs) == len(set(slugs))


def _mint_in_child(minter: SlugMinter, queue: multiprocessing.Queue[list[str]]) -> None:
    queue.put(minter.mint_many(20))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_the_parents_block() -> None:
    class SharedCounter:
        """A counter store both processes reach (as DynamoDB is), kept in shared memory."""

        def __init__(self) -> None:
            self.value = multiprocessing.get_context("fork").Value("q", 0)

        def claim(self, name: str, size: int) -> int:
            with self.value.get_lock():
                start = int(self.value.value)
                self.value.value = start + size
                return start

    context = multiprocessing.get_context("fork")
    minter = SlugMinter(SlugCipher(KEY), SharedCounter(), block_size=100)
    parent = minter.mint_many(5)  # the parent holds a block with 95 values left
    queue: multiprocessing.Queue[list[str]] = context.Queue()
    child = context.Process(target=_mint_in_child, args=(minter, queue))
    child.start()
    from_child = queue.get(timeout=60)
    child.join(timeout=60)
    parent += minter.mint_many(20)
    assert len(set(parent) | set(from_child)) == 45


def test_counter_past_the_slug_space_is_refused() -> None:
    class NearlyFull:
        def claim(self, name: str, size: int) -> int:
            return SLUG_SPACE - 5

    minter = SlugMinter(SlugCipher(KEY), NearlyFull(), block_size=10)
    with pytest.raises(SlugSpaceExhaustedError) as caught:
        minter.mint()
    assert caught.value.code == 30103


def test_block_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        _minter(InMemoryCounterBlocks(), block_size=0)


# --- no visible structure between consecutive slugs


def _max_chi_square(slugs: list[str]) -> float:
    """The largest per-position chi-square statistic (61 degrees of freedom) over the 10 positions."""
    expected = len(slugs) / 62
    worst = 0.0
    for position in range(10):
        counts = Counter(slug[position] for slug in slugs)
        statistic = sum((counts.get(char, 0) - expected) ** 2 / expected for char in ALPHABET)
        worst = max(worst, statistic)
    return worst


def _mean_shared_positions(slugs: list[str]) -> float:
    return sum(sum(a == b for a, b in zip(x, y, strict=True)) for x, y in itertools.pairwise(slugs)) / (len(slugs) - 1)


def _common_prefixes(slugs: list[str], length: int) -> int:
    return sum(x[:length] == y[:length] for x, y in itertools.pairwise(slugs))


def _distinct_differences(slugs: list[str]) -> int:
    values = [decode(slug) for slug in slugs]
    return len({(b - a) % SLUG_SPACE for a, b in itertools.pairwise(values)})


# Chi-square, 61 degrees of freedom: mean 61, 99.9999th percentile ~129 (Wilson-Hilferty).
CHI_SQUARE_BOUND = 129.0
CHECKS: dict[str, Callable[[list[str]], bool]] = {
    "uniform characters at each position": lambda s: _max_chi_square(s) < CHI_SQUARE_BOUND,
    "about 10/62 positions shared by neighbours": lambda s: abs(_mean_shared_positions(s) - 10 / 62) < 0.02,
    "first character shared by chance only": lambda s: abs(_common_prefixes(s, 1) - len(s) / 62) < 250,
    "two-character prefix shared by chance only": lambda s: _common_prefixes(s, 2) < 3 * len(s) / 62**2 + 20,
    "no repeated step between neighbours": lambda s: _distinct_differences(s) > 0.999 * (len(s) - 1),
}


@pytest.fixture(scope="module")
def minted() -> list[str]:
    return _minter(InMemoryCounterBlocks(), block_size=1000).mint_many(SAMPLE)


@pytest.mark.parametrize("check", list(CHECKS))
def test_consecutive_slugs_look_random(minted: list[str], check: str) -> None:
    assert len(set(minted)) == SAMPLE
    assert CHECKS[check](minted)


STRUCTURED: dict[str, Callable[[int], str]] = {
    "the counter itself": encode,
    "counter times an odd constant": lambda n: encode(n * 0x9E3779B97F4A7C15 % SLUG_SPACE),
}


@pytest.mark.parametrize("scheme", list(STRUCTURED))
def test_the_checks_catch_guessable_schemes(scheme: str) -> None:
    slugs = [STRUCTURED[scheme](n) for n in range(20_000)]
    assert not all(check(slugs) for check in CHECKS.values())
