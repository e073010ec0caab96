"""The keyed permutation: HKDF against RFC 5869, bijection proven exhaustively on small domains."""

from __future__ import annotations

import itertools

import pytest

from brandlink.core.links.feistel import FeistelPermutation, hkdf_sha256

KEY = bytes(range(32))


def test_hkdf_matches_rfc_5869_test_case_1() -> None:
    okm = hkdf_sha256(
        bytes.fromhex("0b" * 22),
        salt=bytes.fromhex("000102030405060708090a0b0c"),
        info=bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        length=42,
    )
    assert okm.hex() == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"


def test_hkdf_matches_rfc_5869_test_case_3_without_salt_and_info() -> None:
    okm = hkdf_sha256(bytes.fromhex("0b" * 22), salt=b"", info=b"", length=42)
    assert okm.hex() == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"


# The same construction as the slug permutation (radix 62), on domains small enough to enumerate:
# odd and even widths (unbalanced and balanced halves), other radixes, the minimum round count.
@pytest.mark.parametrize(
    ("radix", "width", "rounds"),
    [(62, 3, 10), (62, 2, 10), (10, 5, 10), (2, 12, 10), (7, 4, 8), (62, 2, 2)],
)
def test_permutation_is_a_bijection_of_the_whole_domain(radix: int, width: int, rounds: int) -> None:
    permutation = FeistelPermutation(KEY, radix=radix, width=width, rounds=rounds)
    size = radix**width
    images = [permutation.encrypt(value) for value in range(size)]
    assert sorted(images) == list(range(size))  # every image is in the domain, and none repeats
    assert all(permutation.decrypt(image) == value for value, image in enumerate(images))


def test_full_slug_domain_round_trips_at_its_edges() -> None:
    permutation = FeistelPermutation(KEY, radix=62, width=10)
    for value in (0, 1, 2, 62**5 - 1, 62**5, 62**10 - 2, 62**10 - 1):
        image = permutation.encrypt(value)
        assert 0 <= image < 62**10
        assert permutation.decrypt(image) == value


def test_different_keys_give_different_permutations() -> None:
    first = FeistelPermutation(KEY, radix=62, width=10)
    second = FeistelPermutation(bytes(reversed(KEY)), radix=62, width=10)
    assert [first.encrypt(n) for n in range(100)] != [second.encrypt(n) for n in range(100)]
    assert sum(first.encrypt(n) == second.encrypt(n) for n in range(1000)) == 0


def test_the_permutation_is_not_the_identity_nor_monotonic() -> None:
    permutation = FeistelPermutation(KEY, radix=62, width=10)
    images = [permutation.encrypt(n) for n in range(1000)]
    assert sum(image == n for n, image in enumerate(images)) == 0
    increasing = sum(b > a for a, b in itertools.pairwise(images))
    assert 400 < increasing < 600  # a random order goes up about half of the time


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"key": b"short", "radix": 62, "width": 10}, "at least 16 bytes"),
        ({"key": KEY, "radix": 1, "width": 10}, "at least 2"),
        ({"key": KEY, "radix": 62, "width": 1}, "at least 2"),
        ({"key": KEY, "radix": 62, "width": 10, "rounds": 9}, "even"),
        ({"key": KEY, "radix": 62, "width": 10, "rounds": 0}, "even"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        FeistelPermutation(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 62**3])
def test_values_outside_the_domain_are_refused(value: int) -> None:
    permutation = FeistelPermutation(KEY, radix=62, width=3)
    with pytest.raises(ValueError, match="outside"):
        permutation.encrypt(value)
    with pytest.raises(ValueError, match="outside"):
        permutation.decrypt(value)
