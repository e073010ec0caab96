"""A keyed permutation of ``[0, radix**width)``: format-preserving encryption of a counter.

Why: a slug must never repeat (a counter gives that) and must not be guessable (a counter does not).
Encrypting the counter with a permutation of exactly the slug space gives both: distinct counters
give distinct slugs, and without the key consecutive counters give unrelated slugs.

Construction: the numeral-string Feistel network of NIST SP 800-38G FF1. The value is split into two
halves of ``u = width // 2`` and ``v = width - u`` digits; round ``i`` replaces the pair ``(A, B)`` by
``(B, (A + F_i(B)) mod radix**m)`` with ``m = u`` on even and ``v`` on odd rounds. Each round is
invertible whatever ``F_i`` is, so the whole is a permutation of the domain *by construction*: no
cycle-walking (a binary Feistel over 60 bits would need 2^60 / 62^10 = 1.37 encryptions per slug on
average, and a variable number), and the same code runs on a small radix and width, where the tests
check the bijection exhaustively.

Rounds: 10 (FF1's count; at least 8 is the usual advice for Feistel-based FPE on small halves, and
62^5 ~ 2^30 per half is small). Every round has its own 128-bit key, derived from the secret with
HKDF-SHA256 (RFC 5869), with the radix, width and round count in the ``info`` so that differently
shaped permutations never share keys.

Round function: AES-128 (one key per round) of the half, encoded as a 16-byte block; the first 8
bytes of the result, reduced modulo the half's size (bias below 2^-34), are ``F_i``. Slugs are
minted in batches (``encrypt_many``: a chunk of a claimed counter block at a time), so each round is
one ECB call over the whole batch and Python touches each value only to add and reduce. Measured on
the development machine (Python 3.11, ``python -m bench.bench_shortening``): 1.0-1.7 µs per value
in batches of 250, against 4.6-7 µs one value at a time with the earlier keyed BLAKE2b (three hash
calls per round per value, and no batch form); one value alone costs about as much as before.
``cryptography`` is imported when a permutation is built, i.e. on a function's first mint (~30 ms
once), never by a function that does not shorten links.
"""

from __future__ import annotations

import hmac
import struct
import threading
from collections.abc import Sequence
from typing import Any

MIN_KEY_BYTES = 16
DEFAULT_ROUNDS = 10
_ROUND_KEY_BYTES = 16


def hkdf_sha256(secret: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869): extract with ``salt``, expand to ``length`` bytes bound to ``info``."""
    if length > 255 * 32:
        raise ValueError("HKDF-SHA256 expands to at most 8160 bytes")
    prk = hmac.digest(salt or bytes(32), secret, "sha256")
    output = bytearray()
    block = b""
    counter = 1
    while len(output) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), "sha256")
        output += block
        counter += 1
    return bytes(output[:length])


class FeistelPermutation:
    """A keyed permutation of ``[0, radix**width)`` (see the module docstring for the design). Thread-safe."""

    def __init__(self, key: bytes, *, radix: int, width: int, rounds: int = DEFAULT_ROUNDS) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the key needs at least {MIN_KEY_BYTES} bytes, got {len(key)}")
        if radix < 2 or width < 2:
            raise ValueError("radix and width must both be at least 2")
        if rounds < 2 or rounds % 2:
            raise ValueError("rounds must be even (so the halves end where they started)")
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self.radix = radix
        self.width = width
        self.rounds = rounds
        self.size: int = radix**width
        u = width // 2
        self._modulus_b: int = radix ** (width - u)  # the right half B holds the last v digits
        moduli: tuple[int, int] = (radix**u, self._modulus_b)
        info = f"brandlink feistel v2|aes-128|radix={radix}|width={width}|rounds={rounds}".encode()
        size = _ROUND_KEY_BYTES
        material = hkdf_sha256(key, salt=b"brandlink slug permutation", info=info, length=size * rounds)
        # (ECB encryptor, modulus) per round. ECB over independent blocks: one call encrypts a batch.
        self._rounds: list[tuple[Any, int]] = [
            (Cipher(algorithms.AES(material[size * i : size * (i + 1)]), modes.ECB()).encryptor(), moduli[i % 2])
            for i in range(rounds)
        ]
        self._lock = threading.Lock()  # an encryptor context is not safe for concurrent use

    def encrypt(self, value: int) -> int:
        """The image of ``value``; distinct values in the domain have distinct images (``encrypt_many``
        computes the same images, cheaper per value)."""
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside [0, {self.size})")
        a, b = divmod(value, self._modulus_b)
        with self._lock:
            for encryptor, modulus in self._rounds:
                a, b = b, (a + _round_output(encryptor, b)) % modulus
        return a * self._modulus_b + b

    def encrypt_many(self, values: Sequence[int]) -> list[int]:
        """The images of ``values``, one AES call per round for all of them."""
        modulus_b = self._modulus_b
        high, low = self.encrypt_halves(values)
        return [x * modulus_b + y for x, y in zip(high, low)]  # noqa: B905 (same lengths)

    def encrypt_halves(self, values: Sequence[int]) -> tuple[list[int], list[int]]:
        """The images of ``values`` as their two halves (``image = high * radix**v + low``): a caller that
        spells the halves separately (``slugs.SlugCipher``) need not join and split them again."""
        count = len(values)
        if not count:
            return [], []
        low, high = (values[0], values[-1]) if isinstance(values, range) else (min(values), max(values))
        if low < 0 or high >= self.size or (isinstance(values, range) and values.step < 0):
            raise ValueError(f"{values} reaches outside [0, {self.size})")
        modulus_b = self._modulus_b
        a = [value // modulus_b for value in values]
        b = [value % modulus_b for value in values]
        # Each half as a 16-byte big-endian block (8 zero bytes, then the half), and back the first 8
        # bytes of each encrypted block: the padding is in the formats, so no interleaved list is built.
        pack = struct.Struct(">" + "8xQ" * count).pack
        unpack = struct.Struct(">" + "Q8x" * count).unpack
        with self._lock:
            for encryptor, modulus in self._rounds:
                f = unpack(encryptor.update(pack(*b)))
                a, b = b, [(x + y) % modulus for x, y in zip(a, f)]  # noqa: B905 (same lengths)
        return a, b

    def decrypt(self, value: int) -> int:
        """The inverse of ``encrypt`` (support and tests: which counter value a slug came from)."""
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside [0, {self.size})")
        a, b = divmod(value, self._modulus_b)
        with self._lock:
            for encryptor, modulus in reversed(self._rounds):
                a, b = (b - _round_output(encryptor, a)) % modulus, a
        return a * self._modulus_b + b


def _round_output(encryptor: Any, half: int) -> int:
    """``F(half)``: the first 8 bytes of AES(``half`` as a 16-byte big-endian block), as in ``encrypt_many``."""
    output: int = _ONE_BLOCK.unpack(encryptor.update(_ONE_BLOCK.pack(0, half)))[0]
    return output


_ONE_BLOCK = struct.Struct(">2Q")
