"""Every certificate rule of the contract, with its code and a sentence saying what to fix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.domains.certificates import validate_tls_cert
from brandlink.core.domains.names import certificate_name_covers
from tests import certs

DOMAIN = "links.example.com"


def validate(tls_cert: str | None, domain: str = DOMAIN, *, local: bool = False):
    return validate_tls_cert(tls_cert, domain, now=datetime.now(UTC), allow_self_signed=local)


def rejected(tls_cert: str | None, domain: str = DOMAIN, *, local: bool = False) -> TwilioError:
    with pytest.raises(TwilioError) as caught:
        validate(tls_cert, domain, local=local)
    error = caught.value
    assert error.status == 400
    assert error.message.endswith(".") and len(error.message) > 30, error.message
    return error


# --- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec256", "ec384", "rsa2048"])
def test_rsa_and_ec_keys_with_chain_are_accepted(kind: str) -> None:
    bundle = certs.issue(DOMAIN, key_kind=kind)
    result = validate(bundle.tls_cert)
    assert result.certificate_pem == bundle.leaf_pem
    assert result.chain_pem == bundle.chain_pem
    assert result.private_key_der == bundle.key_der
    assert result.not_after == bundle.leaf.not_valid_after_utc
    assert not result.self_signed


def test_private_key_is_not_in_the_repr() -> None:
    bundle = certs.issue(DOMAIN)
    assert not any(fragment in repr(validate(bundle.tls_cert)) for fragment in certs.key_fragments(bundle))


def test_crlf_and_stray_blank_lines_are_tolerated() -> None:
    bundle = certs.issue(DOMAIN)
    messy = "\r\n\r\n" + bundle.leaf_pem.replace("\n", "\r\n\r\n") + "\n\n\n" + bundle.chain_pem
    messy += "\r\n  \r\n" + bundle.key_pem.replace("\n", "\r\n") + "\r\n\r\n"
    assert validate(messy).certificate_pem == bundle.leaf_pem


def test_key_may_come_first_and_text_around_blocks_is_ignored() -> None:
    bundle = certs.issue(DOMAIN)
    text = "subject=CN = links.example.com\n" + bundle.key_pem + "Bag Attributes\n" + bundle.leaf_pem
    assert validate(text).chain_pem is None


def test_san_covers_the_domain_even_when_cn_does_not() -> None:
    bundle = certs.issue("other.example.com", DOMAIN, common_name="other.example.com")
    validate(bundle.tls_cert)


def test_cn_is_used_when_there_is_no_san() -> None:
    validate(certs.issue(DOMAIN, san=False).tls_cert)


def test_wildcard_covers_one_label() -> None:
    validate(certs.issue("*.example.com").tls_cert)


def test_self_signed_is_accepted_in_local_mode() -> None:
    bundle = certs.issue("links.localhost", self_signed=True)
    assert validate(bundle.tls_cert, "links.localhost", local=True).self_signed


# --- 30116: missing / not PEM --------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_missing_tls_cert_is_30116(value: str | None) -> None:
    error = rejected(value)
    assert error.code == 30116 and "TlsCert is required" in error.message


def test_text_that_is_not_pem_is_30116() -> None:
    error = rejected("this is not a certificate")
    assert error.code == 30116 and "not PEM" in error.message


def test_certificate_without_key_is_30116() -> None:
    bundle = certs.issue(DOMAIN)
    error = rejected(bundle.leaf_pem + bundle.chain_pem)
    assert error.code == 30116 and "no private key" in error.message


def test_key_without_certificate_is_30116() -> None:
    error = rejected(certs.issue(DOMAIN).key_pem)
    assert error.code == 30116 and "no certificate" in error.message


def test_truncated_block_is_30116() -> None:
    bundle = certs.issue(DOMAIN)
    error = rejected(bundle.leaf_pem + bundle.key_pem.split("-----END")[0])
    assert error.code == 30116 and "without its -----END" in error.message


def test_two_private_keys_are_30116() -> None:
    bundle = certs.issue(DOMAIN)
    error = rejected(bundle.tls_cert + certs.issue(DOMAIN, key_serial=7).key_pem)
    assert error.code == 30116 and "2 private keys" in error.message


def test_unrelated_block_is_30116() -> None:
    bundle = certs.issue(DOMAIN)
    public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQc=\n-----END PUBLIC KEY-----\n"
    error = rejected(bundle.leaf_pem + public + bundle.key_pem)
    assert error.code == 30116 and "PUBLIC KEY block" in error.message


def test_mismatched_begin_end_is_30116() -> None:
    bundle = certs.issue(DOMAIN)
    broken = bundle.leaf_pem.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----")
    assert rejected(broken + bundle.key_pem).code == 30116


def test_oversized_input_is_30116() -> None:
    bundle = certs.issue(DOMAIN)
    assert rejected(bundle.tls_cert + "x" * 70_000).code == 30116


# --- 30117: unparsable certificate -------------------------------------------------------------


def test_damaged_certificate_is_30117() -> None:
    bundle = certs.issue(DOMAIN)
    lines = bundle.leaf_pem.splitlines()
    lines[3] = "A" * len(lines[3])
    error = rejected("\n".join(lines) + "\n" + bundle.key_pem)
    assert error.code == 30117 and "certificate #1 cannot be parsed" in error.message


def test_certificate_that_is_not_base64_is_30117() -> None:
    bundle = certs.issue(DOMAIN)
    garbage = "-----BEGIN CERTIFICATE-----\nnot*base64*at*all\n-----END CERTIFICATE-----\n"
    error = rejected(garbage + bundle.key_pem)
    assert error.code == 30117 and "not valid base64" in error.message


def test_damaged_chain_certificate_is_30117() -> None:
    bundle = certs.issue(DOMAIN)
    chain = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    error = rejected(bundle.leaf_pem + chain + bundle.key_pem)
    assert error.code == 30117 and "certificate #2" in error.message


# --- 30118: key not PKCS#8 ----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "label"), [("rsa2048", "RSA PRIVATE KEY"), ("ec256", "EC PRIVATE KEY")])
def test_traditional_keys_are_30118(kind: str, label: str) -> None:
    bundle = certs.issue(DOMAIN, key_kind=kind)
    assert f"BEGIN {label}" in bundle.traditional_key_pem
    error = rejected(bundle.leaf_pem + bundle.traditional_key_pem)
    assert error.code == 30118
    assert label in error.message and "openssl pkcs8 -topk8 -nocrypt" in error.message


def test_encrypted_pkcs8_key_is_30118() -> None:
    bundle = certs.issue(DOMAIN)
    error = rejected(bundle.leaf_pem + bundle.encrypted_key_pem)
    assert error.code == 30118 and "encrypted" in error.message


def test_damaged_key_is_30118() -> None:
    bundle = certs.issue(DOMAIN)
    broken = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n"
    error = rejected(bundle.leaf_pem + broken)
    assert error.code == 30118 and "unencrypted PKCS#8" in error.message


def test_weak_rsa_key_is_30118() -> None:
    bundle = certs.issue(DOMAIN, key_kind="rsa1024")
    error = rejected(bundle.tls_cert)
    assert error.code == 30118 and "1024 bits" in error.message


@pytest.mark.parametrize("kind", ["ec521", "ed25519"])
def test_unsupported_key_types_are_30118(kind: str) -> None:
    assert rejected(certs.issue(DOMAIN, key_kind=kind).tls_cert).code == 30118


# --- 30119: key mismatch ------------------------------------------------------------------------


def test_key_of_another_certificate_is_30119() -> None:
    bundle = certs.issue(DOMAIN)
    other = certs.issue(DOMAIN, key_serial=3)
    error = rejected(bundle.leaf_pem + other.key_pem)
    assert error.code == 30119 and "does not match the certificate" in error.message


def test_leaf_not_first_is_30119_saying_so() -> None:
    bundle = certs.issue(DOMAIN)
    _root, intermediate = certs.test_ca()
    # The issuer first, the leaf second: the leaf's key matches certificate #2.
    swapped = certs.Bundle(intermediate.certificate, bundle.key, (bundle.leaf,))
    error = rejected(swapped.leaf_pem + swapped.chain_pem + swapped.key_pem)
    assert error.code == 30119 and "certificate #2" in error.message and "leaf certificate first" in error.message


# --- 30129: self-signed ---------------------------------------------------------------------------


def test_self_signed_is_30129_outside_local_mode() -> None:
    error = rejected(certs.issue(DOMAIN, self_signed=True).tls_cert)
    assert error.code == 30129 and "self-signed" in error.message


# --- 30132: cannot be validated ---------------------------------------------------------------


def test_expired_certificate_is_30132() -> None:
    error = rejected(certs.issue(DOMAIN, starts_in_days=-100, days=-1).tls_cert)
    assert error.code == 30132 and "expired on" in error.message


def test_not_yet_valid_certificate_is_30132() -> None:
    error = rejected(certs.issue(DOMAIN, starts_in_days=5, days=90).tls_cert)
    assert error.code == 30132 and "not valid before" in error.message


def test_certificate_for_another_domain_is_30132() -> None:
    error = rejected(certs.issue("www.example.com").tls_cert)
    assert error.code == 30132 and f"does not cover {DOMAIN}" in error.message and "www.example.com" in error.message


@pytest.mark.parametrize("domain", ["example.com", "a.links.example.com"])
def test_wildcard_covers_exactly_one_label(domain: str) -> None:
    error = rejected(certs.issue("*.example.com").tls_cert, domain)
    assert error.code == 30132 and "*.example.com" in error.message


def test_client_only_certificate_is_30132() -> None:
    error = rejected(certs.issue(DOMAIN, server_auth=False).tls_cert)
    assert error.code == 30132 and "serverAuth" in error.message


def test_chain_in_wrong_order_is_30132() -> None:
    bundle = certs.issue(DOMAIN)
    root, intermediate = certs.test_ca()
    wrong = certs.Bundle(bundle.leaf, bundle.key, (root.certificate, intermediate.certificate))
    error = rejected(wrong.tls_cert)
    assert error.code == 30132 and "did not issue certificate #1" in error.message


def test_full_chain_with_root_is_accepted() -> None:
    bundle = certs.issue(DOMAIN)
    root, intermediate = certs.test_ca()
    validate(certs.Bundle(bundle.leaf, bundle.key, (intermediate.certificate, root.certificate)).tls_cert)


# --- name matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "host", "covers"),
    [
        ("links.example.com", "links.example.com", True),
        ("LINKS.Example.com.", "links.example.com", True),
        ("*.example.com", "links.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.links.example.com", False),
        ("*.com", "example.com", False),
        ("l*.example.com", "links.example.com", False),
        ("*.*.example.com", "a.b.example.com", False),
    ],
)
def test_certificate_name_covers(pattern: str, host: str, covers: bool) -> None:
    assert certificate_name_covers(pattern, host) is covers
