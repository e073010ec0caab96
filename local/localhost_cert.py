"""Test certificates for ``.localhost`` short-link domains: ``brandlink test-cert DOMAIN``.

A throwaway CA (its key is discarded at once) issues an EC P-256 server certificate for the domain,
so the bundle has the shape a real one has — leaf, chain, unencrypted PKCS#8 key, in the order
``TlsCert`` wants them. Brandlink does not check chains against a trust store (ACM does not
either), so such a bundle installs; no browser trusts it, which is why the helper refuses every
domain but ``.localhost`` ones: those are the domains local mode verifies at once, and the only
ones a test certificate should ever be made for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOCAL_SUFFIX = ".localhost"
CERTIFICATE_DAYS = 365
CA_NAME = "Brandlink local test CA"


class NotALocalDomain(ValueError):
    """The domain is not a ``.localhost`` name; the message says what to do instead."""


@dataclass(frozen=True)
class LocalhostCertificate:
    domain: str
    certificate_pem: str
    chain_pem: str
    key_pem: str
    not_after: datetime

    @property
    def tls_cert(self) -> str:
        """The ``TlsCert`` value: certificate, then chain, then the PKCS#8 private key."""
        return self.certificate_pem + self.chain_pem + self.key_pem


def check_local_domain(domain: str) -> str:
    name = domain.strip().lower().rstrip(".")
    if not name.endswith(LOCAL_SUFFIX) or name == LOCAL_SUFFIX.lstrip("."):
        raise NotALocalDomain(
            f"{domain!r} is not a .localhost domain: test certificates are for local mode only "
            "(e.g. go.acme.localhost); for a real domain upload a certificate from a public CA."
        )
    return name


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def issue(domain: str, days: int = CERTIFICATE_DAYS) -> LocalhostCertificate:
    """A server certificate for ``domain`` (a ``.localhost`` name) issued by a fresh throwaway CA."""
    name = check_local_domain(domain)
    now = datetime.now(UTC)
    not_before, not_after = now - timedelta(minutes=5), now + timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return LocalhostCertificate(name, _pem(leaf), _pem(ca), key_pem, leaf.not_valid_after_utc)


def tls_cert_for(domain: str) -> str:
    """Just the ``TlsCert`` value for ``domain`` (what ``brandlink test-cert`` writes to a file)."""
    return issue(domain).tls_cert


def write_bundle(certificate: LocalhostCertificate, directory: Path) -> Path:
    """Write ``DOMAIN.pem`` (the ``TlsCert`` bundle) into ``directory``, readable by this user only."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{certificate.domain}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(certificate.tls_cert)
    path.chmod(0o600)  # an existing file keeps its old mode through os.open
    return path
