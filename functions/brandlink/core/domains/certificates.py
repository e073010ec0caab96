"""Validation of an uploaded ``TlsCert``: PEM certificate(s), leaf first, followed by a PKCS#8 key.

Every rule of the contract maps to one code, checked in this order so the first problem reported
is the most basic one: 30116 (missing / not PEM), 30117 (certificate unparsable), 30118 (key not
an unencrypted PKCS#8 RSA/EC key), 30119 (key does not match the leaf), 30129 (self-signed, outside
local mode), 30132 (expired, not yet valid, not covering the domain, broken chain).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from brandlink.core.common.dates import iso8601
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.domains.names import certificate_name_covers

MAX_TLS_CERT_CHARS = 64 * 1024
MIN_RSA_BITS = 2048
SUPPORTED_CURVES = ("secp256r1", "secp384r1")

_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.DOTALL)
_LEGACY_KEYS = {
    "RSA PRIVATE KEY": "a PKCS#1 RSA key",
    "EC PRIVATE KEY": "a SEC1 EC key",
    "DSA PRIVATE KEY": "a DSA key",
    "ENCRYPTED PRIVATE KEY": "an encrypted PKCS#8 key",
    "OPENSSH PRIVATE KEY": "an OpenSSH key",
}
_IGNORED_LABELS = frozenset({"EC PARAMETERS"})
_EXPECTED_LAYOUT = (
    "send the PEM certificate (-----BEGIN CERTIFICATE-----, leaf first, then its chain) "
    "followed by the PEM private key (-----BEGIN PRIVATE KEY-----)."
)
_TO_PKCS8 = (
    "convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem` and upload the -----BEGIN PRIVATE KEY----- form."
)


@dataclass(frozen=True)
class ValidatedCertificate:
    certificate_pem: str
    chain_pem: str | None
    not_after: datetime
    fingerprint_sha256: str
    self_signed: bool
    # Unencrypted PKCS#8 DER: the caller seals it at once; it must never be logged or stored.
    private_key_der: bytes = field(repr=False)


@dataclass(frozen=True)
class _PemBlock:
    label: str
    body: str


def _fail(code: ErrorCode, sentence: str) -> TwilioError:
    return TwilioError(code, sentence)


def _split_blocks(text: str) -> list[_PemBlock]:
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[_PemBlock] = []
    for match in _BLOCK.finditer(normalized):
        begin, body, end = match.groups()
        if begin != end:
            raise _fail(
                ErrorCode.NOT_PEM,
                f"TlsCert has a -----BEGIN {begin}----- block closed by -----END {end}-----; {_EXPECTED_LAYOUT}",
            )
        blocks.append(_PemBlock(begin, body))
    if normalized.count("-----BEGIN ") != len(blocks):
        raise _fail(
            ErrorCode.NOT_PEM,
            f"TlsCert has a PEM block without its -----END----- line (truncated?); {_EXPECTED_LAYOUT}",
        )
    return blocks


def _der(block: _PemBlock, code: ErrorCode, what: str) -> bytes:
    lines = [line.strip() for line in block.body.split("\n")]
    if any(":" in line for line in lines):  # RFC 1421 headers: only legacy encrypted keys carry them
        raise _fail(code, f"The {what} has PEM headers (it is encrypted or not standard PEM); {_TO_PKCS8}")
    try:
        return base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(
            code, f"The {what} is not valid base64 PEM; copy the whole block again without editing it."
        ) from None


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _public_key_der(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _parse_certificates(blocks: list[_PemBlock]) -> list[x509.Certificate]:
    certificates = []
    for position, block in enumerate(blocks, start=1):
        what = f"certificate #{position}"
        der = _der(block, ErrorCode.CERTIFICATE_UNPARSABLE, what)
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise _fail(
                ErrorCode.CERTIFICATE_UNPARSABLE,
                f"The {what} cannot be parsed as an X.509 certificate; export it again from your CA's files.",
            ) from None
    return certificates


def _parse_key(block: _PemBlock) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if block.label in _LEGACY_KEYS:
        raise _fail(
            ErrorCode.KEY_NOT_PKCS8,
            f"The private key is {_LEGACY_KEYS[block.label]} (BEGIN {block.label}), not PKCS#8; {_TO_PKCS8}",
        )
    der = _der(block, ErrorCode.KEY_NOT_PKCS8, "private key")
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _fail(
            ErrorCode.KEY_NOT_PKCS8, f"The private key cannot be read as an unencrypted PKCS#8 key; {_TO_PKCS8}"
        ) from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise _fail(
                ErrorCode.KEY_NOT_PKCS8,
                f"The RSA key has {key.key_size} bits; use an RSA key of at least {MIN_RSA_BITS} bits.",
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in SUPPORTED_CURVES:
            raise _fail(ErrorCode.KEY_NOT_PKCS8, f"The EC key uses curve {key.curve.name}; use P-256 or P-384.")
        return key
    raise _fail(
        ErrorCode.KEY_NOT_PKCS8,
        f"The private key is a {type(key).__name__}; use an RSA (2048+ bits) or EC P-256/P-384 key.",
    )


def _key_block(blocks: list[_PemBlock]) -> _PemBlock:
    keys = [b for b in blocks if b.label == "PRIVATE KEY" or b.label in _LEGACY_KEYS]
    if not keys:
        raise _fail(ErrorCode.NOT_PEM, f"TlsCert has no private key; {_EXPECTED_LAYOUT}")
    if len(keys) > 1:
        raise _fail(
            ErrorCode.NOT_PEM,
            f"TlsCert has {len(keys)} private keys; send exactly one, the key of the leaf certificate.",
        )
    return keys[0]


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return san.get_values_for_type(x509.DNSName)


def _is_self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _check_validity(certificates: list[x509.Certificate], now: datetime) -> None:
    for position, cert in enumerate(certificates, start=1):
        role = "The certificate" if position == 1 else f"Chain certificate #{position}"
        if cert.not_valid_after_utc <= now:
            raise _fail(
                ErrorCode.CERTIFICATE_NOT_VALID,
                f"{role} expired on {iso8601(cert.not_valid_after_utc)}; upload a renewed certificate.",
            )
        if cert.not_valid_before_utc > now:
            raise _fail(
                ErrorCode.CERTIFICATE_NOT_VALID,
                f"{role} is not valid before {iso8601(cert.not_valid_before_utc)}; upload it after that time.",
            )


def _check_covers(leaf: x509.Certificate, domain_name: str) -> None:
    names = _names(leaf)
    if not any(certificate_name_covers(name, domain_name) for name in names):
        shown = ", ".join(names) or "no DNS name"
        raise _fail(
            ErrorCode.CERTIFICATE_NOT_VALID,
            f"The certificate does not cover {domain_name} (it names {shown}); use a certificate whose "
            "SAN or CN is this domain or a wildcard for its parent.",
        )
    try:
        usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.SERVER_AUTH not in usage and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in usage:
        raise _fail(
            ErrorCode.CERTIFICATE_NOT_VALID,
            "The certificate is not meant for TLS servers (no serverAuth extended key usage).",
        )


def _check_chain(certificates: list[x509.Certificate]) -> None:
    for position in range(len(certificates) - 1):
        child, issuer = certificates[position], certificates[position + 1]
        try:
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise _fail(
                ErrorCode.CERTIFICATE_NOT_VALID,
                f"Certificate #{position + 2} did not issue certificate #{position + 1}; put the leaf first, "
                "then each issuer in order (omit the root if you like).",
            ) from None


def validate_tls_cert(
    tls_cert: str | None, domain_name: str, *, now: datetime, allow_self_signed: bool
) -> ValidatedCertificate:
    """Check every certificate rule for ``domain_name``; raises TwilioError with the first problem."""
    if tls_cert is None or not tls_cert.strip():
        raise _fail(ErrorCode.NOT_PEM, f"TlsCert is required; {_EXPECTED_LAYOUT}")
    if len(tls_cert) > MAX_TLS_CERT_CHARS:
        raise _fail(
            ErrorCode.NOT_PEM,
            f"TlsCert is longer than {MAX_TLS_CERT_CHARS} characters; send the leaf, its chain and the key only.",
        )
    blocks = [b for b in _split_blocks(tls_cert) if b.label not in _IGNORED_LABELS]
    if not blocks:
        raise _fail(ErrorCode.NOT_PEM, f"TlsCert is not PEM; {_EXPECTED_LAYOUT}")
    unexpected = next(
        (b.label for b in blocks if b.label not in _LEGACY_KEYS and b.label not in ("CERTIFICATE", "PRIVATE KEY")), None
    )
    if unexpected is not None:
        raise _fail(
            ErrorCode.NOT_PEM, f"TlsCert has a {unexpected} block, which does not belong here; {_EXPECTED_LAYOUT}"
        )
    cert_blocks = [b for b in blocks if b.label == "CERTIFICATE"]
    if not cert_blocks:
        raise _fail(ErrorCode.NOT_PEM, f"TlsCert has no certificate; {_EXPECTED_LAYOUT}")
    key_block = _key_block(blocks)
    certificates = _parse_certificates(cert_blocks)
    key = _parse_key(key_block)
    leaf = certificates[0]
    key_public = _public_key_der(key.public_key())
    if _public_key_der(leaf.public_key()) != key_public:
        position = next(
            (i for i, c in enumerate(certificates[1:], start=2) if _public_key_der(c.public_key()) == key_public), None
        )
        if position is not None:
            raise _fail(
                ErrorCode.KEY_MISMATCH,
                f"The private key belongs to certificate #{position}, not the first one; "
                "put the leaf certificate first.",
            )
        raise _fail(
            ErrorCode.KEY_MISMATCH,
            "The private key does not match the certificate; upload the key the certificate was issued for.",
        )
    self_signed = _is_self_signed(leaf)
    if self_signed and not allow_self_signed:
        raise _fail(
            ErrorCode.SELF_SIGNED,
            "The certificate is self-signed; upload a certificate issued by a public certificate authority.",
        )
    _check_validity(certificates, now)
    _check_covers(leaf, domain_name)
    _check_chain(certificates)
    return ValidatedCertificate(
        certificate_pem=leaf.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        chain_pem="".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates[1:]) or None,
        not_after=leaf.not_valid_after_utc,
        fingerprint_sha256=_fingerprint(leaf),
        self_signed=self_signed,
        private_key_der=key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
