"""The daily expiry check: 30131 (metric, log line, SNS) for a certificate 10 days from expiry;
an expired one is flagged (30102 at send time) and reported too; healthy ones are left alone."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from brandlink.config import settings
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import TwilioError
from brandlink.core.domains.model import Domain
from brandlink.core.domains.shortening import shortening_domain_status
from brandlink.store.domains import DynamoDomainRepository
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    create_service,
    installed_domain,
    resolver_fixture,  # noqa: F401 - fixture
)


@pytest.fixture
def alerts_inbox(aws: dict[str, str]) -> str:
    """An SQS queue subscribed to the alerts topic, to read SNS notifications back."""
    sqs = boto3.client("sqs", region_name=settings().region)
    url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=settings().region).subscribe(
        TopicArn=settings().alerts_topic_arn, Protocol="sqs", Endpoint=arn
    )
    return url


def notifications(url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=settings().region)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def emf_metrics(output: str) -> dict[tuple[str, str], float]:
    """``{(metric name, ErrorCode): value}`` from the EMF lines Powertools printed."""
    found: dict[tuple[str, str], float] = {}
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "Brandlink"
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                found[(metric["Name"], str(blob.get("ErrorCode")))] = value[0] if isinstance(value, list) else value
    return found


def structured_warnings(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The WARNING records as the Powertools JSON formatter writes them to the function's log."""
    formatter = logging.getLogger("brandlink").handlers[0].formatter
    assert formatter is not None
    return [json.loads(formatter.format(r)) for r in caplog.records if r.levelno == logging.WARNING]


def run_check() -> dict[str, Any]:
    from brandlink.handlers.cert_expiry import handler

    return handler({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, lambda_context())


def test_certificate_ten_days_from_expiry_warns_30131(
    api: ApiClient,
    resolver: FakeResolver,
    alerts_inbox: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    soon, _ = installed_domain(api, resolver, "links.example.com", days=10)
    installed_domain(api, resolver, "fine.example.com", days=90)
    capsys.readouterr()

    assert run_check() == {"expiring": 1, "expired": 0}

    output = capsys.readouterr().out
    assert emf_metrics(output) == {("CertificateExpiringSoon", "30131"): 1.0, ("CertificateExpired", "30102"): 0.0}
    [warning] = [line for line in structured_warnings(caplog) if line.get("error_code") == 30131]
    assert warning["level"] == "WARNING"
    assert warning["domain_sid"] == soon["sid"] and warning["domain_name"] == "links.example.com"
    assert warning["days_left"] in (9, 10) and "expires on" in warning["message"]
    [notification] = notifications(alerts_inbox)
    assert notification["Subject"] == "Brandlink warning 30131: certificate of links.example.com expires soon"
    alert = json.loads(notification["Message"])
    assert alert["code"] == 30131 and alert["domain_sid"] == soon["sid"] and alert["account_sid"] == api.sid
    # A warning only: the certificate still serves.
    certificate = api.get(f"{DOMAINS}/{soon['sid']}/Certificate")[1]
    assert certificate["cert_in_validation"] is None


def _expire(domain_sid: str) -> None:
    """Time passes: the installed certificate's notAfter is now in the past."""

    def age(domain: Domain) -> Domain:
        assert domain.certificate and domain.certificate.installed
        installed = replace(domain.certificate.installed, not_after=utcnow() - timedelta(hours=1))
        return replace(domain, certificate=replace(domain.certificate, installed=installed))

    DynamoDomainRepository().update(domain_sid, age)


def test_expired_certificate_is_marked_and_reported(
    api: ApiClient, resolver: FakeResolver, alerts_inbox: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service = create_service(api)
    domain, _ = installed_domain(api, resolver, "links.example.com", days=40)
    assert api.post(f"{DOMAINS}/{domain['sid']}/MessagingServices/{service}")[0] == 201
    repo = DynamoDomainRepository()
    assert shortening_domain_status(repo, api.sid, service).domain_name == "links.example.com"
    _expire(domain["sid"])
    capsys.readouterr()

    assert run_check() == {"expiring": 0, "expired": 1}

    stored = repo.get(domain["sid"])
    assert stored and stored.certificate and stored.certificate.installed and stored.certificate.installed.expired
    output = capsys.readouterr().out
    assert emf_metrics(output)[("CertificateExpired", "30102")] == 1.0
    [notification] = notifications(alerts_inbox)
    assert json.loads(notification["Message"])["code"] == 30102
    with pytest.raises(TwilioError) as caught:
        shortening_domain_status(repo, api.sid, service)
    assert caught.value.code == 30102 and "upload a renewed one" in caught.value.message

    # A second run reports it again but the flag is written once.
    version = repo.get(domain["sid"]).version  # type: ignore[union-attr]
    assert run_check() == {"expiring": 0, "expired": 1}
    assert repo.get(domain["sid"]).version == version  # type: ignore[union-attr]


def test_renewing_clears_the_expired_flag(api: ApiClient, resolver: FakeResolver, alerts_inbox: str) -> None:
    from tests import certs
    from tests.integration.domain_helpers import run_certificate_worker, upload

    domain, _ = installed_domain(api, resolver, "links.example.com", days=40)
    _expire(domain["sid"])
    run_check()
    assert upload(api, domain["sid"], certs.issue("links.example.com", days=365).tls_cert)[0] == 200
    run_certificate_worker()
    stored = DynamoDomainRepository().get(domain["sid"])
    assert stored and stored.certificate and stored.certificate.installed
    assert stored.certificate.installed.expired is False
    notifications(alerts_inbox)
    assert run_check() == {"expiring": 0, "expired": 0}


def test_the_window_is_configurable(
    api: ApiClient, resolver: FakeResolver, alerts_inbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed_domain(api, resolver, "links.example.com", days=45)
    assert run_check() == {"expiring": 0, "expired": 0}
    monkeypatch.setenv("BRANDLINK_CERT_EXPIRY_WINDOW_DAYS", "60")
    settings.cache_clear()
    assert run_check() == {"expiring": 1, "expired": 0}
