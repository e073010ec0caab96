"""Shared pieces of the link-shortening tests: an injectable DNS, the certificate worker, shortcuts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from brandlink.config import settings
from brandlink.core.domains.dns_check import DnsLookupFailed
from local.events import sqs_event
from tests import certs
from tests.integration.conftest import ApiClient, lambda_context

DOMAINS = "/v1/LinkShortening/Domains"


@dataclass
class FakeResolver:
    """Answers from dictionaries; ``failing`` makes every lookup time out."""

    txt: dict[str, list[str]] = field(default_factory=dict)
    cnames: dict[str, str] = field(default_factory=dict)
    hosts: dict[str, set[str]] = field(default_factory=dict)
    failing: bool = False

    def _check(self) -> None:
        if self.failing:
            raise DnsLookupFailed("Timeout")

    def txt_records(self, name: str) -> list[str]:
        self._check()
        return list(self.txt.get(name, []))

    def cname_target(self, name: str) -> str | None:
        self._check()
        return self.cnames.get(name)

    def addresses(self, name: str) -> frozenset[str]:
        self._check()
        return frozenset(self.hosts.get(self.cnames.get(name, name), set()))


@pytest.fixture(name="resolver")
def resolver_fixture(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    from brandlink import wiring

    fake = FakeResolver()
    monkeypatch.setattr(wiring, "dns_resolver", lambda: fake)
    return fake


def create_service(api: ApiClient, name: str = "Notifications") -> str:
    status, body = api.post("/v1/Services", {"FriendlyName": name})
    assert status == 201, body
    return str(body["sid"])


def register(api: ApiClient, name: str) -> dict[str, Any]:
    status, body = api.post(DOMAINS, {"DomainName": name})
    assert status == 201, body
    return body


def verified_domain(api: ApiClient, resolver: FakeResolver, name: str = "links.example.com") -> dict[str, Any]:
    """Register ``name``, publish its TXT record in ``resolver`` and verify it."""
    body = register(api, name)
    record = body["verification"]
    resolver.txt[record["record_name"]] = [record["record_value"]]
    status, verified = api.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert status == 200 and verified["verified"], verified
    return verified


def upload(api: ApiClient, domain_sid: str, tls_cert: str) -> tuple[int, Any]:
    return api.post(f"{DOMAINS}/{domain_sid}/Certificate", {"TlsCert": tls_cert})


def run_certificate_worker() -> dict[str, Any]:
    """Deliver what is on the certificates queue to the worker once, as the event source mapping
    does: records it reports as failed stay on the queue."""
    from brandlink.handlers.certificates import handler

    sqs = boto3.client("sqs", region_name=settings().region)
    url = settings().queue_url("certificates")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
    if not messages:
        return {"batchItemFailures": [], "processed": 0}
    result = handler(sqs_event(messages, arn), lambda_context())
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        else:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return {**result, "processed": len(messages)}


def installed_domain(
    api: ApiClient, resolver: FakeResolver, name: str = "links.example.com", **issue: Any
) -> tuple[dict[str, Any], certs.Bundle]:
    """A verified domain with an installed certificate (worker run)."""
    domain = verified_domain(api, resolver, name)
    bundle = certs.issue(name, **issue)
    status, body = upload(api, domain["sid"], bundle.tls_cert)
    assert status == 201, body
    assert run_certificate_worker()["batchItemFailures"] == []
    return domain, bundle


def queue_bodies(queue_logical: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=settings().region)
    url = settings().queue_url(queue_logical)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]
