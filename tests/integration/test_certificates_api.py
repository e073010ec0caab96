"""Certificates through the API and the worker: upload, install into ACM + API Gateway, replace,
every rejected case (its code, the previous certificate kept), delete, and isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from brandlink.config import settings
from tests import certs
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    installed_domain,
    queue_bodies,
    register,
    resolver_fixture,  # noqa: F401 - fixture
    run_certificate_worker,
    upload,
    verified_domain,
)

NAME = "links.example.com"


def cert_path(sid: str) -> str:
    return f"{DOMAINS}/{sid}/Certificate"


def acm() -> Any:
    return boto3.client("acm", region_name=settings().region)


def apigateway() -> Any:
    return boto3.client("apigatewayv2", region_name=settings().region)


def test_upload_answers_pending_then_the_worker_installs_it(api: ApiClient, resolver: FakeResolver) -> None:
    domain = verified_domain(api, resolver, NAME)
    bundle = certs.issue(NAME)
    status, body = upload(api, domain["sid"], bundle.tls_cert)
    assert status == 201, body
    assert body["certificate_sid"].startswith("CW") and len(body["certificate_sid"]) == 34
    assert body["domain_sid"] == domain["sid"]
    assert body["domain_name"] == f"https://{NAME}"
    assert body["date_expires"] is None  # nothing installed yet
    expires = bundle.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["cert_in_validation"] == {"status": "pending", "date_expires": expires}
    assert body["url"] == f"http://api.test{cert_path(domain['sid'])}"
    assert api.get(cert_path(domain["sid"])) == (200, body)

    assert run_certificate_worker() == {"batchItemFailures": [], "processed": 1}

    status, installed = api.get(cert_path(domain["sid"]))
    assert status == 200
    assert installed["cert_in_validation"] is None and installed["date_expires"] == expires
    assert installed["certificate_sid"] == body["certificate_sid"]
    certificates = acm().list_certificates()["CertificateSummaryList"]
    assert len(certificates) == 1
    arn = certificates[0]["CertificateArn"]
    described = acm().get_certificate(CertificateArn=arn)
    assert described["Certificate"].strip() == bundle.leaf_pem.strip()
    assert described["CertificateChain"].startswith(bundle.chain_pem.strip())
    custom = apigateway().get_domain_name(DomainName=NAME)
    assert custom["DomainNameConfigurations"][0]["CertificateArn"] == arn
    assert custom["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"
    # Tagged as the stack's own: the worker's IAM policy lets it touch nothing else (finding 7).
    owner = {"Key": "brandlink:redirect-api", "Value": settings().redirect_api_id}
    assert acm().list_tags_for_certificate(CertificateArn=arn)["Tags"] == [owner]
    assert custom["Tags"] == {owner["Key"]: owner["Value"]}
    mappings = apigateway().get_api_mappings(DomainName=NAME)["Items"]
    assert [(m["ApiId"], m["Stage"]) for m in mappings] == [(settings().redirect_api_id, "$default")]
    assert api.get(f"{DOMAINS}/{domain['sid']}")[1]["certificate_sid"] == body["certificate_sid"]


def test_replacing_reimports_into_the_same_arn(api: ApiClient, resolver: FakeResolver) -> None:
    domain, first = installed_domain(api, resolver, NAME)
    arn = acm().list_certificates()["CertificateSummaryList"][0]["CertificateArn"]
    renewed = certs.issue(NAME, key_kind="rsa2048", days=200)
    status, body = upload(api, domain["sid"], renewed.tls_cert)
    assert status == 200, body
    assert body["cert_in_validation"]["status"] == "pending"
    assert body["date_expires"] == first.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    run_certificate_worker()
    body = api.get(cert_path(domain["sid"]))[1]
    assert body["cert_in_validation"] is None
    assert body["date_expires"] == renewed.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [c["CertificateArn"] for c in acm().list_certificates()["CertificateSummaryList"]] == [arn]
    assert acm().get_certificate(CertificateArn=arn)["Certificate"].strip() == renewed.leaf_pem.strip()
    assert apigateway().get_domain_name(DomainName=NAME)["DomainNameConfigurations"][0]["CertificateArn"] == arn
    assert len(apigateway().get_api_mappings(DomainName=NAME)["Items"]) == 1


def _tls(case: str) -> str:
    good = certs.issue(NAME)
    if case == "missing":
        return ""
    if case == "not_pem":
        return "hello"
    if case == "no_key":
        return good.leaf_pem
    if case == "unparsable":
        lines = good.leaf_pem.splitlines()
        lines[2] = "B" * len(lines[2])
        return "\n".join(lines) + "\n" + good.key_pem
    if case == "rsa_traditional":
        bundle = certs.issue(NAME, key_kind="rsa2048")
        return bundle.leaf_pem + bundle.traditional_key_pem
    if case == "ec_traditional":
        return good.leaf_pem + good.traditional_key_pem
    if case == "mismatch":
        return good.leaf_pem + certs.issue(NAME, key_serial=9).key_pem
    if case == "expired":
        return certs.issue(NAME, starts_in_days=-60, days=-2).tls_cert
    if case == "other_domain":
        return certs.issue("www.example.com").tls_cert
    raise ValueError(case)


BAD_CASES = [
    ("missing", 30116, "TlsCert is required"),
    ("not_pem", 30116, "not PEM"),
    ("no_key", 30116, "no private key"),
    ("unparsable", 30117, "cannot be parsed"),
    ("rsa_traditional", 30118, "BEGIN RSA PRIVATE KEY"),
    ("ec_traditional", 30118, "BEGIN EC PRIVATE KEY"),
    ("mismatch", 30119, "does not match"),
    ("expired", 30132, "expired on"),
    ("other_domain", 30132, "does not cover"),
]


@pytest.mark.parametrize(("case", "code", "fragment"), BAD_CASES)
def test_bad_upload_gets_its_code_and_keeps_the_installed_certificate(
    api: ApiClient, resolver: FakeResolver, case: str, code: int, fragment: str
) -> None:
    domain, _bundle = installed_domain(api, resolver, NAME)
    before = api.get(cert_path(domain["sid"]))[1]
    arn = acm().list_certificates()["CertificateSummaryList"][0]["CertificateArn"]
    status, body = upload(api, domain["sid"], _tls(case))
    assert (status, body["code"]) == (400, code), body
    assert fragment in body["message"] and body["more_info"].endswith(str(code))
    assert api.get(cert_path(domain["sid"])) == (200, before)
    assert queue_bodies("certificates") == []
    assert acm().get_certificate(CertificateArn=arn)["Certificate"].strip() == _bundle.leaf_pem.strip()


def test_wildcard_for_a_deeper_name_is_30132(api: ApiClient, resolver: FakeResolver) -> None:
    domain = verified_domain(api, resolver, "a.links.example.com")
    status, body = upload(api, domain["sid"], certs.issue("*.example.com").tls_cert)
    assert (status, body["code"]) == (400, 30132)
    assert api.get(cert_path(domain["sid"]))[1]["code"] == 30107


def test_wildcard_and_san_certificates_install(api: ApiClient, resolver: FakeResolver) -> None:
    wildcard = verified_domain(api, resolver, "go.example.com")
    assert upload(api, wildcard["sid"], certs.issue("*.example.com").tls_cert)[0] == 201
    san = verified_domain(api, resolver, "l.example.org")
    assert upload(api, san["sid"], certs.issue("www.example.org", "l.example.org").tls_cert)[0] == 201
    assert run_certificate_worker()["processed"] == 2
    for sid in (wildcard["sid"], san["sid"]):
        assert api.get(cert_path(sid))[1]["cert_in_validation"] is None


def test_crlf_upload_installs(api: ApiClient, resolver: FakeResolver) -> None:
    domain = verified_domain(api, resolver, NAME)
    bundle = certs.issue(NAME)
    assert upload(api, domain["sid"], "\r\n\r\n" + bundle.tls_cert.replace("\n", "\r\n\r\n"))[0] == 201
    run_certificate_worker()
    assert api.get(cert_path(domain["sid"]))[1]["cert_in_validation"] is None


def test_self_signed_is_30129_in_production_and_fine_locally(
    api: ApiClient, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = verified_domain(api, resolver, NAME)
    self_signed = certs.issue(NAME, self_signed=True).tls_cert
    monkeypatch.setenv("BRANDLINK_MODE", "aws")
    settings.cache_clear()
    status, body = upload(api, domain["sid"], self_signed)
    assert (status, body["code"]) == (400, 30129) and "self-signed" in body["message"]
    monkeypatch.setenv("BRANDLINK_MODE", "local")
    settings.cache_clear()
    assert upload(api, domain["sid"], self_signed)[0] == 201


def test_unverified_domain_is_30101(api: ApiClient, resolver: FakeResolver) -> None:
    domain = register(api, NAME)
    status, body = upload(api, domain["sid"], certs.issue(NAME).tls_cert)
    assert (status, body["code"]) == (400, 30101)
    assert "_brandlink.links.example.com" in body["message"]
    assert api.get(cert_path(domain["sid"]))[1]["code"] == 30107


def test_upload_verifies_a_domain_whose_txt_record_is_published(api: ApiClient, resolver: FakeResolver) -> None:
    domain = register(api, NAME)
    resolver.txt[domain["verification"]["record_name"]] = [domain["verification"]["record_value"]]
    assert upload(api, domain["sid"], certs.issue(NAME).tls_cert)[0] == 201
    assert api.get(f"{DOMAINS}/{domain['sid']}")[1]["verified"] is True


def test_get_and_delete_without_a_certificate_are_30107(api: ApiClient) -> None:
    sid = register(api, "links.localhost")["sid"]
    for method in ("GET", "DELETE"):
        status, body = api.call(method, cert_path(sid))
        assert (status, body["code"]) == (404, 30107), body
        assert "upload one" in body["message"]


def test_delete_removes_it_from_api_gateway_and_acm(api: ApiClient, resolver: FakeResolver) -> None:
    domain, _bundle = installed_domain(api, resolver, NAME)
    assert api.delete(cert_path(domain["sid"])) == (204, None)
    assert api.get(cert_path(domain["sid"]))[1]["code"] == 30107
    run_certificate_worker()
    assert acm().list_certificates()["CertificateSummaryList"] == []
    with pytest.raises(apigateway().exceptions.NotFoundException):
        apigateway().get_domain_name(DomainName=NAME)
    # A new upload starts afresh: a new ACM certificate, a new custom domain.
    assert upload(api, domain["sid"], certs.issue(NAME).tls_cert)[0] == 201
    run_certificate_worker()
    assert len(acm().list_certificates()["CertificateSummaryList"]) == 1


def test_deleting_the_domain_removes_its_certificate(api: ApiClient, resolver: FakeResolver) -> None:
    domain, _bundle = installed_domain(api, resolver, NAME)
    assert api.delete(f"{DOMAINS}/{domain['sid']}") == (204, None)
    run_certificate_worker()
    assert acm().list_certificates()["CertificateSummaryList"] == []
    assert apigateway().get_domain_names()["Items"] == []


def test_only_the_latest_of_quick_uploads_is_installed(api: ApiClient, resolver: FakeResolver) -> None:
    domain = verified_domain(api, resolver, NAME)
    first, second = certs.issue(NAME, days=30), certs.issue(NAME, days=60)
    assert upload(api, domain["sid"], first.tls_cert)[0] == 201
    assert upload(api, domain["sid"], second.tls_cert)[0] == 200
    assert run_certificate_worker()["processed"] == 2
    body = api.get(cert_path(domain["sid"]))[1]
    assert body["cert_in_validation"] is None
    assert body["date_expires"] == second.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    [summary] = acm().list_certificates()["CertificateSummaryList"]
    installed = acm().get_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
    assert installed.strip() == second.leaf_pem.strip()


def test_a_certificate_acm_refuses_is_failed_with_30132(
    api: ApiClient, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink.adapters.domains.acm import AcmCertificateStore
    from brandlink.core.domains.certificate_install import CertificateRejected

    domain, bundle = installed_domain(api, resolver, NAME)

    def refuse(*_args: Any, **_kwargs: Any) -> str:
        raise CertificateRejected("The certificate chain is not valid.")

    monkeypatch.setattr(AcmCertificateStore, "import_certificate", refuse)
    status, _ = upload(api, domain["sid"], certs.issue(NAME, days=120).tls_cert)
    assert status == 200
    assert run_certificate_worker()["batchItemFailures"] == []
    body = api.get(cert_path(domain["sid"]))[1]
    validation = body["cert_in_validation"]
    assert validation["status"] == "failed" and validation["error_code"] == 30132
    assert "ACM refused the certificate" in validation["error_message"]
    assert body["date_expires"] == bundle.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_transient_failures_retry_then_give_up_as_failed(
    api: ApiClient, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink.adapters.domains.apigateway import ApiGatewayCustomDomains

    domain = verified_domain(api, resolver, NAME)

    def unavailable(*_args: Any, **_kwargs: Any) -> str:
        raise ConnectionError("API Gateway is unavailable")

    monkeypatch.setattr(ApiGatewayCustomDomains, "ensure", unavailable)
    assert upload(api, domain["sid"], certs.issue(NAME).tls_cert)[0] == 201
    attempts = 0
    while True:
        result = run_certificate_worker()
        if not result["processed"]:
            break
        attempts += 1
        if attempts < 5:
            assert len(result["batchItemFailures"]) == 1
            assert api.get(cert_path(domain["sid"]))[1]["cert_in_validation"]["status"] == "pending"
        if attempts == 5:
            break
    validation = api.get(cert_path(domain["sid"]))[1]["cert_in_validation"]
    assert validation["status"] == "failed" and validation["error_code"] == 20500
    assert "upload it again" in validation["error_message"]


def test_another_account_cannot_touch_the_certificate(
    new_account: Callable[[], ApiClient], resolver: FakeResolver
) -> None:
    alice, bob = new_account(), new_account()
    domain, _bundle = installed_domain(alice, resolver, NAME)
    before = alice.get(cert_path(domain["sid"]))[1]
    for method in ("GET", "POST", "DELETE"):
        data = {"TlsCert": certs.issue(NAME).tls_cert} if method == "POST" else None
        status, body = bob.call(method, cert_path(domain["sid"]), data=data)
        assert (status, body["code"]) == (404, 20404)
    assert alice.get(cert_path(domain["sid"])) == (200, before)
    assert queue_bodies("certificates") == []
