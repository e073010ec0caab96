"""Slugs: 10 characters of ``[0-9A-Za-z]``, never issued twice and not guessable.

A slug is ``encode(P(n))``: ``n`` a value of a counter that only goes up, ``P`` the keyed permutation
of ``[0, 62^10)`` in ``feistel.py``, ``encode`` the fixed-width base-62 spelling. Distinct counter
values give distinct slugs (``P`` is a bijection), so uniqueness rests on the counter alone, which
lives in a table without TTL: deleting expired links never brings a value back.

Counter values are claimed in blocks (one atomic ADD per block, see ``counters.py``) and handed out by
a ``SlugMinter`` from memory. Blocks are claimed lazily, on the first mint, never at construction:
Lambda SnapStart restores one snapshot of an initialised environment into many environments, so a
block claimed during init would be shared by all of them and its slugs issued several times. A
minter built at init holds no block; ``reset_after_restore()`` drops a block held anyway (register
it as an after-restore hook), and a forked child process drops its inherited block by itself.

Key: the secret is fixed for the life of a deployment (Secrets Manager, never rotated, retained
with the tables). Another key is another permutation, whose images of new counter values can equal
slugs the old key issued; rotating it would therefore need a new counter name *and* a check against
existing slugs (a conditional put of each link item). Brandlink does not rotate it, so the store
writes link items in unconditional batches (``store.links``), relying on the counter alone. The
key is loaded on the first mint (``SlugMinter`` takes a factory), so a function that never
shortens never reads the secret.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable

from brandlink.core.links.counters import CounterBlocks
from brandlink.core.links.errors import SlugKeyError, SlugSpaceExhaustedError
from brandlink.core.links.feistel import DEFAULT_ROUNDS, MIN_KEY_BYTES, FeistelPermutation
from brandlink.core.links.slug_format import ALPHABET as ALPHABET
from brandlink.core.links.slug_format import SLUG_LENGTH as SLUG_LENGTH
from brandlink.core.links.slug_format import SLUG_PATTERN as SLUG_PATTERN
from brandlink.core.links.slug_format import is_slug as is_slug

SLUG_SPACE = len(ALPHABET) ** SLUG_LENGTH
COUNTER_NAME = "slug"
DEFAULT_BLOCK_SIZE = 1000
CHUNK_SIZE = 250
"""Slugs computed ahead, in one batch, from the block in hand (never beyond it)."""
MIN_ROUNDS = 8

_HALF = len(ALPHABET) ** (SLUG_LENGTH // 2)
_PAIR = 62 * 62
_PAIR_SQUARED = _PAIR * _PAIR
_PAIRS = [a + b for a in ALPHABET for b in ALPHABET]  # 3,844 two-character spellings
_DIGITS = {char: index for index, char in enumerate(ALPHABET)}


def _half(value: int) -> str:
    """Five base-62 digits of ``value`` < 62^5, most significant first."""
    high, low = divmod(value, _PAIR)
    top, middle = divmod(high, _PAIR)
    return ALPHABET[top] + _PAIRS[middle] + _PAIRS[low]


def encode(value: int) -> str:
    """The 10-character spelling of ``value`` in ``[0, 62^10)``."""
    high, low = divmod(value, _HALF)
    return _half(high) + _half(low)


def decode(slug: str) -> int:
    """The value whose spelling is ``slug`` (raises ``ValueError`` for anything that is not a slug)."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValueError(f"{slug!r} is not a slug of {SLUG_LENGTH} characters of [0-9A-Za-z]")
    value = 0
    for char in slug:
        value = value * 62 + _DIGITS[char]
    return value


class SlugCipher:
    """Counter value <-> slug, under one secret key."""

    def __init__(self, secret: bytes, *, rounds: int = DEFAULT_ROUNDS) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise SlugKeyError.too_short(len(secret), MIN_KEY_BYTES)
        if rounds < MIN_ROUNDS:
            raise ValueError(f"slugs need at least {MIN_ROUNDS} Feistel rounds, got {rounds}")
        self._permutation = FeistelPermutation(secret, radix=62, width=SLUG_LENGTH, rounds=rounds)

    def slug(self, value: int) -> str:
        return encode(self._permutation.encrypt(value))

    def slugs(self, values: range) -> list[str]:
        """The slugs of ``values``, computed as one batch (much cheaper per slug than one at a time)."""
        high, low = self._permutation.encrypt_halves(values)  # halves of 62^5: five digits each
        # ``_half(x) + _half(y)`` spelled inline: no call per half, a third less per slug (bench/RESULTS.md).
        digit, pair = ALPHABET, _PAIRS
        return [
            digit[x // _PAIR_SQUARED]
            + pair[x // _PAIR % _PAIR]
            + pair[x % _PAIR]
            + digit[y // _PAIR_SQUARED]
            + pair[y // _PAIR % _PAIR]
            + pair[y % _PAIR]
            for x, y in zip(high, low)  # noqa: B905 (same lengths)
        ]

    def value(self, slug: str) -> int:
        """The counter value ``slug`` was minted from (support: when and by which block it was issued)."""
        return self._permutation.decrypt(decode(slug))


_LIVE_MINTERS: weakref.WeakSet[SlugMinter] = weakref.WeakSet()


class SlugMinter:
    """Hands out slugs from a claimed block of counter values; claims the next block when it runs out.

    Thread-safe. Holds no block until the first ``mint`` (see the module docstring on SnapStart).
    """

    def __init__(
        self,
        cipher: SlugCipher | Callable[[], SlugCipher],
        counters: CounterBlocks,
        *,
        counter_name: str = COUNTER_NAME,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> None:
        """``cipher`` is the cipher, or a factory called once, on the first mint (the key is a secret
        read over the network: a function that never shortens never reads it)."""
        if block_size < 1:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self._cipher: SlugCipher | None = cipher if isinstance(cipher, SlugCipher) else None
        self._make_cipher = None if isinstance(cipher, SlugCipher) else cipher
        self._counters = counters
        self._counter_name = counter_name
        self._block_size = block_size
        self._next = 0
        self._end = 0  # next == end: no values in hand, the next mint claims a block
        # Slugs of values [next - len(ready) + taken, next) computed ahead; a tuple and an index, so a
        # copy of this object (a SnapStart restore) shares nothing it could change.
        self._ready: tuple[str, ...] = ()
        self._taken = 0
        self._lock = threading.Lock()
        _LIVE_MINTERS.add(self)

    def mint(self) -> str:
        """One new slug."""
        return self.mint_many(1)[0]

    def mint_many(self, count: int) -> list[str]:
        """``count`` new slugs (one lock acquisition; blocks claimed as needed)."""
        slugs: list[str] = []
        with self._lock:
            taken = self._taken
            if count > 0 and taken + count <= len(self._ready):  # the common case: the chunk in hand has enough
                self._taken = taken + count
                return list(self._ready[taken : taken + count])
            cipher = self._cipher
            if cipher is None:
                assert self._make_cipher is not None
                cipher = self._cipher = self._make_cipher()
            while len(slugs) < count:
                if self._taken == len(self._ready):
                    if self._next == self._end:
                        self._claim()
                    chunk = min(max(CHUNK_SIZE, count - len(slugs)), self._end - self._next)
                    self._ready, self._taken = tuple(cipher.slugs(range(self._next, self._next + chunk))), 0
                    self._next += chunk
                take = min(count - len(slugs), len(self._ready) - self._taken)
                slugs.extend(self._ready[self._taken : self._taken + take])
                self._taken += take
        return slugs

    def reset_after_restore(self) -> None:
        """Forget the block in hand: its remaining values may be in use by another copy of this process.

        Call it after a SnapStart restore (and anything else that clones memory). The forgotten values
        are never issued; the counter space is large enough to waste them.
        """
        with self._lock:
            self._next = self._end = 0
            self._ready, self._taken = (), 0

    def _claim(self) -> None:
        start = self._counters.claim(self._counter_name, self._block_size)
        end = start + self._block_size
        if start < 0 or end > SLUG_SPACE:
            raise SlugSpaceExhaustedError.at(end, SLUG_SPACE)
        self._next, self._end = start, end


def _forget_blocks_in_child() -> None:
    for minter in list(_LIVE_MINTERS):
        minter._lock = threading.Lock()  # the parent's lock may have been held by a thread that did not fork
        minter.reset_after_restore()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_blocks_in_child)
