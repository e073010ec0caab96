"""The private key exists only in ACM: after uploads, a replacement, a rejected upload, a removal and
a job that ends in the dead-letter queue, no fragment of any key is in a DynamoDB item, a queue
message body (dead-letter queues included), a log line or an API response."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import boto3
import pytest

from brandlink import resources
from brandlink.config import settings
from tests import certs
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    resolver_fixture,  # noqa: F401 - fixture
    run_certificate_worker,
    upload,
    verified_domain,
)


def _text(value: Any) -> str:
    """Every representation a leak could take: JSON, plus base64, hex and latin-1 of binary values."""
    parts: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, bytes | bytearray):
            raw = bytes(item)
            parts.extend([base64.b64encode(raw).decode(), raw.hex(), raw.decode("latin-1")])
        elif isinstance(item, dict):
            for key, inner in item.items():
                parts.append(str(key))
                walk(inner)
        elif isinstance(item, list | tuple | set):
            for inner in item:
                walk(inner)
        else:
            parts.append(str(item))

    walk(value)
    return "\n".join(parts)


def dynamodb_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=settings().region)
    items: list[dict[str, Any]] = []
    for spec in resources.TABLES:
        for page in client.get_paginator("scan").paginate(TableName=settings().table_name(spec.logical)):
            items.extend(page["Items"])
    return items


def queue_messages() -> list[str]:
    sqs = boto3.client("sqs", region_name=settings().region)
    bodies: dict[str, str] = {}
    for spec in resources.QUEUES:
        for name in (spec.default_name, spec.dlq_name):
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            for _ in range(20):
                batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
                messages = batch.get("Messages", [])
                if not messages:
                    break
                bodies.update({m["MessageId"]: m["Body"] for m in messages})
    return list(bodies.values())


@pytest.mark.parametrize("key_kind", ["ec256", "rsa2048"])
def test_no_key_material_outside_acm(
    api: ApiClient,
    resolver: FakeResolver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    key_kind: str,
) -> None:
    logging.getLogger("brandlink").setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="brandlink")
    responses: list[Any] = []

    def call(method: str, path: str, data: dict[str, str] | None = None) -> Any:
        status, body = api.call(method, path, data=data)
        responses.append(body)
        return status, body

    installed = certs.issue("links.example.com", key_kind=key_kind, key_serial=1)
    renewed = certs.issue("links.example.com", key_kind=key_kind, key_serial=2, days=120)
    stranded = certs.issue("go.example.com", key_kind=key_kind, key_serial=3)
    rejected = certs.issue("links.example.com", key_kind=key_kind, key_serial=4)
    bundles = [installed, renewed, stranded, rejected]

    domain = verified_domain(api, resolver, "links.example.com")["sid"]
    assert call("POST", f"{DOMAINS}/{domain}/Certificate", {"TlsCert": installed.tls_cert})[0] == 201
    run_certificate_worker()
    assert call("POST", f"{DOMAINS}/{domain}/Certificate", {"TlsCert": renewed.tls_cert})[0] == 200
    mismatched = rejected.leaf_pem + renewed.key_pem[: len(renewed.key_pem) // 2] + rejected.key_pem
    assert call("POST", f"{DOMAINS}/{domain}/Certificate", {"TlsCert": mismatched})[0] == 400
    assert call("POST", f"{DOMAINS}/{domain}/Certificate", {"TlsCert": rejected.leaf_pem + installed.key_pem})[0] == 400
    run_certificate_worker()
    call("GET", f"{DOMAINS}/{domain}/Certificate")
    call("GET", f"{DOMAINS}/{domain}")
    assert call("DELETE", f"{DOMAINS}/{domain}/Certificate")[0] == 204
    run_certificate_worker()

    # A job that never succeeds ends in the dead-letter queue with its sealed key.
    from brandlink.adapters.domains.apigateway import ApiGatewayCustomDomains

    def unavailable(*_args: Any, **_kwargs: Any) -> str:
        raise ConnectionError("API Gateway is unavailable")

    monkeypatch.setattr(ApiGatewayCustomDomains, "ensure", unavailable)
    other = verified_domain(api, resolver, "go.example.com")["sid"]
    assert upload(api, other, stranded.tls_cert)[0] == 201
    for _ in range(resources.queue("certificates").max_receive_count + 1):
        run_certificate_worker()

    items, bodies = dynamodb_items(), queue_messages()
    captured = capsys.readouterr()
    # Powertools' handler may hold an earlier test's stdout: format the records as it writes them.
    formatter = logging.getLogger("brandlink").handlers[0].formatter
    assert formatter is not None and caplog.records
    structured_logs = "\n".join(formatter.format(record) for record in caplog.records)
    corpus = "\n".join(
        [
            _text(items),
            _text(bodies),
            captured.out,
            captured.err,
            caplog.text,
            structured_logs,
            json.dumps(responses),
        ]
    )
    # The scan sees what it must: the dead-lettered job, the certificates, the domains.
    assert any('"sealed_key"' in body for body in bodies), "the dead-lettered job was not found"
    assert stranded.leaf_pem.splitlines()[1] in corpus
    assert "links.example.com" in _text(items)
    assert "certificate job done" in structured_logs
    for bundle in bundles:
        fragments = certs.key_fragments(bundle)
        assert len(fragments) > 20 and any(f in bundle.tls_cert for f in fragments)
        leaked = [f for f in fragments if f in corpus]
        assert leaked == [], f"key material found outside ACM: {leaked[:3]}"
