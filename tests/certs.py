"""Certificates for tests, made with ``cryptography``: a private CA chain or self-signed leaves."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = CertificateIssuerPrivateKeyTypes


@cache
def key(kind: str = "ec256", serial: int = 0) -> PrivateKey:
    """A cached key per (kind, serial): RSA generation is slow, and tests need only a few."""
    del serial  # only makes distinct cache entries
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ec521":
        return ec.generate_private_key(ec.SECP521R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(kind)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign(issuer_key: PrivateKey, builder: x509.CertificateBuilder) -> x509.Certificate:
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(issuer_key, algorithm)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Issuer:
    certificate: x509.Certificate
    key: PrivateKey


@lru_cache(maxsize=1)
def test_ca() -> tuple[Issuer, Issuer]:
    """(root, intermediate) of a private test CA."""
    root_key, intermediate_key = key("ec384", 100), key("ec256", 101)
    now = _now()
    root = _sign(
        root_key,
        x509.CertificateBuilder()
        .subject_name(_name("Brandlink Test Root"))
        .issuer_name(_name("Brandlink Test Root"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True),
    )
    intermediate = _sign(
        root_key,
        x509.CertificateBuilder()
        .subject_name(_name("Brandlink Test Intermediate"))
        .issuer_name(root.subject)
        .public_key(intermediate_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True),
    )
    return Issuer(root, root_key), Issuer(intermediate, intermediate_key)


@dataclass(frozen=True)
class Bundle:
    leaf: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...]

    @property
    def leaf_pem(self) -> str:
        return self.leaf.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def chain_pem(self) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain)

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    @property
    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def traditional_key_pem(self) -> str:
        """``BEGIN RSA PRIVATE KEY`` / ``BEGIN EC PRIVATE KEY`` (PKCS#1 / SEC1)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()

    @property
    def encrypted_key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret passphrase"),
        ).decode()

    @property
    def tls_cert(self) -> str:
        """What a customer uploads: leaf, chain, key."""
        return self.leaf_pem + self.chain_pem + self.key_pem


def issue(
    *names: str,
    key_kind: str = "ec256",
    key_serial: int = 0,
    common_name: str | None = None,
    san: bool = True,
    days: float = 90,
    starts_in_days: float = -1,
    self_signed: bool = False,
    server_auth: bool | None = True,
) -> Bundle:
    """A leaf for ``names`` signed by the test intermediate (or self-signed)."""
    leaf_key = key(key_kind, key_serial)
    now = _now()
    subject = _name(common_name or (names[0] if names else "brandlink test"))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=starts_in_days))
        .not_valid_after(now + timedelta(days=days))
    )
    if san and names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    if server_auth is not None:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server_auth else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if self_signed:
        return Bundle(_sign(leaf_key, builder.issuer_name(subject)), leaf_key, ())
    _root, intermediate = test_ca()
    leaf = _sign(intermediate.key, builder.issuer_name(intermediate.certificate.subject))
    return Bundle(leaf, leaf_key, (intermediate.certificate,))


def _windows(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, max(len(text) - size, 0) + 1, size // 2)]


def _secret_numbers(private_key: PrivateKey) -> list[int]:
    if isinstance(private_key, rsa.RSAPrivateKey):
        numbers = private_key.private_numbers()
        return [numbers.d, numbers.p, numbers.q]
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return [private_key.private_numbers().private_value]
    return []


def key_fragments(bundle: Bundle) -> list[str]:
    """Pieces of the private key as they could leak: PEM body lines, windows of the base64 and hex of
    its DER, and its secret numbers. Pieces that are also in the (public) certificate are dropped:
    a PKCS#8 key holds the public key too, and the certificate may legitimately be stored."""
    der = bundle.key_der
    pem_lines = [line for line in bundle.key_pem.splitlines() if line and not line.startswith("-----")]
    traditional = [line for line in bundle.traditional_key_pem.splitlines() if line and not line.startswith("-----")]
    candidates = [line for line in pem_lines + traditional if len(line) >= 24]
    candidates += _windows(base64.b64encode(der).decode(), 24)
    candidates += _windows(base64.urlsafe_b64encode(der).decode(), 24)
    candidates += _windows(der.hex(), 32)
    for number in _secret_numbers(bundle.key):
        candidates += [format(number, "x"), str(number)]
    public = bundle.leaf_pem + bundle.chain_pem
    public += public.replace("\n", "")
    return [c for c in candidates if c not in public]
