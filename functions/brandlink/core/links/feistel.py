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
62^5 ~ 2^30 per half is small). Every round has its own 256-bit key, derived from the secret with
HKDF-SHA256 (RFC 5869), with the radix, width and round count in the ``info`` so that differently
shaped permutations never share keys.

Round function: keyed BLAKE2b with an 8-byte digest (a PRF when keyed, per RFC 7693), reduced modulo
the half's size (bias below 2^-34). Measured per call on the development machine (Python 3.11):
keyed BLAKE2b, copying a pre-keyed state ~0.47 µs; AES-128 one block through a reused
``cryptography`` encryptor ~0.49 µs; HMAC-SHA256 ``hmac.digest`` ~1.5 µs. BLAKE2b is in the
standard library, so the choice costs no import at cold start (``cryptography``'s would).
"""

from __future__ import annotations

import hashlib
import hmac

MIN_KEY_BYTES = 16
DEFAULT_ROUNDS = 10


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
    """A keyed permutation of ``[0, radix**width)`` (see the module docstring for the design)."""

    def __init__(self, key: bytes, *, radix: int, width: int, rounds: int = DEFAULT_ROUNDS) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the key needs at least {MIN_KEY_BYTES} bytes, got {len(key)}")
        if radix < 2 or width < 2:
            raise ValueError("radix and width must both be at least 2")
        if rounds < 2 or rounds % 2:
            raise ValueError("rounds must be even (so the halves end where they started)")
        self.radix = radix
        self.width = width
        self.rounds = rounds
        self.size: int = radix**width
        u = width // 2
        self._modulus_b: int = radix ** (width - u)  # the right half B holds the last v digits
        moduli: tuple[int, int] = (radix**u, self._modulus_b)
        info = f"brandlink feistel v1|radix={radix}|width={width}|rounds={rounds}".encode()
        material = hkdf_sha256(key, salt=b"brandlink slug permutation", info=info, length=32 * rounds)
        self._input_bytes = (max(moduli) - 1).bit_length() // 8 + 1
        # (pre-keyed hash state, modulus) per round: copying a keyed state skips BLAKE2b's key block.
        self._rounds = [
            (hashlib.blake2b(key=material[32 * i : 32 * i + 32], digest_size=8), moduli[i % 2]) for i in range(rounds)
        ]

    def encrypt(self, value: int) -> int:
        """The image of ``value``; distinct values in the domain have distinct images."""
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside [0, {self.size})")
        size = self._input_bytes
        a, b = divmod(value, self._modulus_b)
        for state, modulus in self._rounds:
            h = state.copy()
            h.update(b.to_bytes(size, "big"))
            a, b = b, (a + int.from_bytes(h.digest(), "big")) % modulus
        return a * self._modulus_b + b

    def decrypt(self, value: int) -> int:
        """The inverse of ``encrypt`` (support and tests: which counter value a slug came from)."""
        if not 0 <= value < self.size:
            raise ValueError(f"{value} is outside [0, {self.size})")
        size = self._input_bytes
        a, b = divmod(value, self._modulus_b)
        for state, modulus in reversed(self._rounds):
            h = state.copy()
            h.update(a.to_bytes(size, "big"))
            a, b = (b - int.from_bytes(h.digest(), "big")) % modulus, a
        return a * self._modulus_b + b
