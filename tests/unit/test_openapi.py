"""The OpenAPI document: valid OpenAPI 3.0, and exactly the routes the resolver serves."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from brandlink.api.app import ROUTERS, allowed_methods
from brandlink.api.openapi import build_document
from brandlink.api.spec import Operation, snake

OPERATIONS = [operation for router in ROUTERS for operation in router.operations]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document(OPERATIONS, "https://api.example.com")


def resolver_routes() -> set[tuple[str, str]]:
    """(METHOD, rule) of every route registered in the Lambda's Powertools resolver.

    The handler's own app: a second ``build_app()`` would take the routers over (Powertools binds
    an included router's context to the app that includes it last).
    """
    from brandlink.handlers.api import app

    return {(route.method, route.path) for route in (*app._static_routes, *app._dynamic_routes)}


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, rule) of every operation in the document, its ``{Name}`` turned into ``<name>``."""
    return {
        (method.upper(), re.sub(r"\{(\w+)\}", lambda m: f"<{snake(m.group(1))}>", path))
        for path, methods in document["paths"].items()
        for method in methods
    }


def test_the_document_is_valid_openapi_3(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.0.")
    assert document["servers"] == [{"url": "https://api.example.com"}]
    json.dumps(document)  # served as JSON


def test_every_routed_operation_is_documented_and_every_documented_one_is_routed(document: dict[str, Any]) -> None:
    routed = resolver_routes()
    documented = documented_routes(document)
    assert routed - documented == set(), "routes missing from the document"
    assert documented - routed == set(), "documented operations with no route"
    assert len(routed) == len(OPERATIONS) == 66


def test_operation_ids_are_unique_and_twilios_where_twilio_has_the_operation(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for methods in document["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids))
    paths = document["paths"]
    messages = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
    assert paths[messages]["post"]["operationId"] == "CreateMessage"
    assert paths[messages]["get"]["operationId"] == "ListMessage"
    message = paths["/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"]
    assert {m: op["operationId"] for m, op in message.items()} == {
        "get": "FetchMessage",
        "post": "UpdateMessage",
        "delete": "DeleteMessage",
    }
    assert paths["/v1/Services/{ServiceSid}/ShortCodes"]["get"]["operationId"] == "ListShortCode"
    short_codes = paths["/2010-04-01/Accounts/{AccountSid}/SMS/ShortCodes.json"]
    assert short_codes["get"]["operationId"] == "ListSmsShortCode"
    assert short_codes["get"]["x-twilio-operation-id"] == "ListShortCode"
    assert short_codes["post"]["x-brandlink-addition"] is True
    assert paths["/v1/LinkShortening/Domains"]["post"]["x-brandlink-addition"] is True
    assert "x-brandlink-addition" not in paths["/v1/Services"]["post"]


def test_form_fields_are_urlencoded_bodies_with_lists_as_repeated_keys(document: dict[str, Any]) -> None:
    create = document["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]
    body = create["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert body["schema"]["required"] == ["To"]
    assert body["schema"]["properties"]["MediaUrl"]["type"] == "array"
    assert body["encoding"]["MediaUrl"] == {"style": "form", "explode": True}


def test_every_operation_documents_its_success_and_the_twilio_error_responses(document: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/twilio.error"}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            responses = op["responses"]
            assert any(status.startswith("2") for status in responses), (method, path)
            for status in ("401", "403", "404", "4XX"):
                assert responses[status]["content"]["application/json"]["schema"] == error, (method, path, status)
            if method == "delete":
                assert "content" not in responses["204"]


def test_the_resource_schemas_carry_twilios_names(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in (
        "api.v2010.account.message",
        "api.v2010.account.message.media",
        "api.v2010.account.message.message_feedback",
        "messaging.v1.service",
        "messaging.v1.domain_config",
        "messaging.v1.domain_cert_v4",
    ):
        assert schemas[name]["additionalProperties"] is False
    assert schemas["ListMediaResponse"]["properties"]["media_list"]["type"] == "array"


def test_declaring_an_operation_twice_is_refused() -> None:
    operation = Operation("GET", "/v1/Things", "ListThing", "List things.", "Things", {200: None})
    with pytest.raises(ValueError, match="declared twice"):
        build_document([operation, operation])


def test_the_route_rule_names_the_function_arguments() -> None:
    operation = Operation(
        "DELETE", "/v1/LinkShortening/Domains/{DomainSid}/MessagingServices/{MessagingServiceSid}", "X", "x", "T", {}
    )
    assert operation.rule == "/v1/LinkShortening/Domains/<domain_sid>/MessagingServices/<messaging_service_sid>"
    assert operation.path_parameters() == [("DomainSid", ("DN",)), ("MessagingServiceSid", ("MG",))]


def test_allowed_methods_of_a_path_include_head_where_get_is() -> None:
    account = "AC" + "0" * 32
    assert allowed_methods(f"/2010-04-01/Accounts/{account}/Messages.json") == {"GET", "HEAD", "POST"}
    assert allowed_methods(f"/2010-04-01/Accounts/{account}/Messages/SM1/Feedback.json") == {"POST"}
    assert allowed_methods("/v1/Nothing") == frozenset()
    assert allowed_methods(f"/2010-04-01/Accounts/{account}/Messages/a/b.json") == frozenset()


def test_only_the_provider_endpoints_go_without_basic_auth(document: dict[str, Any]) -> None:
    from brandlink.api.auth import SIGNED_PATH_PREFIXES

    for path, methods in document["paths"].items():
        for op in methods.values():
            assert ("security" in op) == path.startswith(SIGNED_PATH_PREFIXES), path
            if "security" in op:
                assert op["security"] == [] and op["x-brandlink-addition"] is True
