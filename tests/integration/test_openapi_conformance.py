"""Every response of a tour through the whole API conforms to the OpenAPI document.

Each call's status must be documented for its operation and its body must validate against the
documented schema (strict: every field, nothing more), so a resource that gains or loses a field
without its schema fails here, not only in the schemathesis run against the local stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from brandlink.api.app import ROUTERS
from brandlink.api.openapi import build_document
from tests import certs
from tests.integration.conftest import ApiClient, own
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    resolver_fixture,  # noqa: F401 - the fixture, by name
    run_certificate_worker,
    verified_domain,
)
from tests.integration.message_helpers import RECIPIENT, SENDER, run_dispatch


@cache
def document() -> dict[str, Any]:
    return build_document(op for router in ROUTERS for op in router.operations)


@cache
def templates() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"), path) for path in document()["paths"]
    ]


def response_spec(method: str, path: str, status: int) -> dict[str, Any]:
    matches = [template for pattern, template in templates() if pattern.match(path)]
    # A literal segment beats a placeholder (e.g. .../Messages.json over .../{Sid}.json).
    template = min(matches, key=lambda t: t.count("{"))
    responses = document()["paths"][template][method.lower()]["responses"]
    spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    assert spec is not None, f"{method} {template} answered {status}, which is not documented"
    return spec


class ConformingClient(ApiClient):
    """An ``ApiClient`` that checks every response against the document."""

    checked: list[str]

    def call(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        status, body = super().call(method, path, **kw)
        spec = response_spec(method, path, status)
        schema = (spec.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None:
            assert body is None, f"{method} {path} {status} has a body the document does not describe"
        else:
            validator = OAS30Validator(
                {**schema, "components": document()["components"]}, format_checker=OAS30Validator.FORMAT_CHECKER
            )
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
            assert errors == [], f"{method} {path} {status}: {errors[:5]}"
        self.checked.append(f"{method} {status}")
        return status, body


@pytest.fixture(name="client")
def client_fixture(api: ApiClient) -> Iterator[ConformingClient]:
    client = ConformingClient(api.sid, api.token)
    client.checked = []
    yield client
    assert len(client.checked) > 10


def ok(result: tuple[int, Any], *expected: int) -> Any:
    status, body = result
    assert status in expected, body
    return body


def test_senders_services_and_messages_conform(client: ConformingClient) -> None:
    own(client, SENDER, "sc:US:12345", "alpha:Brandlink")
    account = f"/2010-04-01/Accounts/{client.sid}"
    ok(client.get("/2010-04-01/Accounts.json"), 200)
    ok(client.post(f"{account}.json", {"FriendlyName": "Conformance"}), 200)
    number = ok(client.post(f"{account}/IncomingPhoneNumbers.json", {"PhoneNumber": SENDER}), 201)
    ok(client.post(f"{account}/IncomingPhoneNumbers/{number['sid']}.json", {"SmsUrl": "https://x.example/in"}), 200)
    ok(client.get(f"{account}/IncomingPhoneNumbers.json", query={"PhoneNumber": "415"}), 200)
    short_code = ok(client.post(f"{account}/SMS/ShortCodes.json", {"ShortCode": "12345", "CountryCode": "US"}), 201)
    ok(client.get(f"{account}/SMS/ShortCodes/{short_code['sid']}.json"), 200)
    ok(client.get(f"{account}/SMS/ShortCodes.json"), 200)

    service = ok(client.post("/v1/Services", {"FriendlyName": "Notifications", "ValidityPeriod": "600"}), 201)
    pool = f"/v1/Services/{service['sid']}"
    ok(client.post(f"{pool}/PhoneNumbers", {"PhoneNumberSid": number["sid"]}), 201)
    ok(client.post(f"{pool}/ShortCodes", {"ShortCodeSid": short_code["sid"]}), 201)
    alpha = ok(client.post(f"{pool}/AlphaSenders", {"AlphaSender": "Brandlink"}), 201)
    for kind in ("PhoneNumbers", "ShortCodes", "AlphaSenders"):
        ok(client.get(f"{pool}/{kind}"), 200)
    ok(client.get(f"{pool}/AlphaSenders/{alpha['sid']}"), 200)
    ok(client.post(pool, {"StickySender": "false"}), 200)
    ok(client.get("/v1/Services", query={"PageSize": "1"}), 200)

    message = ok(
        client.post(
            f"{account}/Messages.json",
            {
                "To": RECIPIENT,
                "From": SENDER,
                "Body": "Hi",
                "MediaUrl": ["https://x.example/a.png"],
                "Tags": '{"a":"b"}',
            },
        ),
        201,
    )
    run_dispatch()
    base = f"{account}/Messages/{message['sid']}"
    ok(client.get(f"{base}.json"), 200)
    media = ok(client.get(f"{base}/Media.json"), 200)["media_list"]
    ok(client.get(f"{base}/Media/{media[0]['sid']}.json"), 200)
    ok(client.post(f"{base}/Feedback.json", {"Outcome": "confirmed"}), 201)
    ok(client.get(f"{account}/Messages.json", query={"To": RECIPIENT, "PageSize": "1"}), 200)
    ok(client.get("/v1/Outbox", query={"MessageSid": message["sid"]}), 200)
    ok(client.post(f"{base}.json", {"Body": ""}), 200)
    ok(client.delete(f"{base}.json"), 204)

    ok(client.post(f"{account}/Messages.json", {"To": "+1", "From": SENDER, "Body": "x"}), 400)
    ok(client.get(f"{base}.json"), 404)
    ok(client.get("/v1/Services", auth=(client.sid or "", "0" * 32)), 401)
    ok(client.delete(f"{pool}/AlphaSenders/{alpha['sid']}"), 204)
    ok(client.delete(pool), 204)
    ok(client.delete(f"{account}/SMS/ShortCodes/{short_code['sid']}.json"), 204)


def test_link_shortening_conforms(client: ConformingClient, resolver: FakeResolver) -> None:
    service = ok(client.post("/v1/Services", {"FriendlyName": "Links"}), 201)["sid"]
    domain = verified_domain(client, resolver, "links.example.com")
    base = f"{DOMAINS}/{domain['sid']}"
    ok(client.get(DOMAINS), 200)
    ok(client.get(base), 200)
    ok(client.get(f"{base}/ValidateDns"), 200)
    ok(client.get(f"{base}/Config"), 404)
    ok(client.post(f"{base}/Config", {"FallbackUrl": "https://example.com/fallback"}), 201)
    ok(client.post(f"{base}/MessagingServices/{service}"), 201)
    ok(client.get(f"/v1/LinkShortening/MessagingService/{service}/DomainConfig"), 200)
    ok(client.get(f"/v1/LinkShortening/MessagingServices/{service}/Domain"), 200)
    ok(client.get(f"{base}/Config"), 200)
    ok(client.post(f"{base}/Certificate", {"TlsCert": certs.issue("links.example.com").tls_cert}), 201)
    ok(client.get(f"{base}/Certificate"), 200)  # cert_in_validation: pending
    assert run_certificate_worker()["batchItemFailures"] == []
    ok(client.get(f"{base}/Certificate"), 200)
    ok(client.post(f"{base}/Certificate", {"TlsCert": "not a certificate"}), 400)
    ok(client.delete(f"{base}/MessagingServices/{service}"), 204)
    ok(client.delete(f"{base}/Certificate"), 204)
    ok(client.delete(base), 204)
    ok(client.get("/openapi.json"), 200)
