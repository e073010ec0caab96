"""Inputs that once made the API answer 500, and the generic HEAD / 405 behaviour of every path.

Regression tests for what fuzzing found: deeply nested Tags, hand-made PageTokens, invalid UTF-8,
HEAD on GET routes, methods a path does not have. Each must be a 4xx with a Twilio code, never a 5xx.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from brandlink.handlers.api import handler
from local.events import http_event
from tests.integration.conftest import ApiClient, basic, lambda_context
from tests.integration.message_helpers import RECIPIENT, SENDER, messages_path, register_number


def raw_call(
    api: ApiClient | None, method: str, path: str, *, body: str | None = None, raw_query: str = ""
) -> dict[str, Any]:
    """The handler's whole response (status, headers, body) for a request built by hand."""
    headers = {"host": "api.test", "x-forwarded-proto": "http"}
    if api is not None:
        headers["authorization"] = basic(api.sid or "", api.token or "")
    if body is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    return handler(http_event(method, path, headers=headers, body=body, raw_query=raw_query), lambda_context())


def error_code(response: dict[str, Any]) -> int:
    return json.loads(response["body"])["code"]


# ---- Tags -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 1000 + '"x"' + "}" * 1000,
        "[" * 100_000,
        '{"a": {"b": "c"}}',
        '{"a": ["b"]}',
    ],
    ids=["1000-arrays", "1000-objects", "100k-open-brackets", "nested-object", "list-value"],
)
def test_nested_tags_are_a_400_naming_tags(api: ApiClient, tags: str) -> None:
    register_number(api)
    status, body = api.post(messages_path(api), {"To": RECIPIENT, "From": SENDER, "Body": "hi", "Tags": tags})

    assert (status, body["code"]) == (400, 20001)
    assert body["message"].startswith("Invalid parameter Tags:")
    assert api.get(messages_path(api))[1]["messages"] == []


def test_brackets_inside_tag_strings_do_not_count_as_nesting(api: ApiClient) -> None:
    register_number(api)
    tags = '{"expr": "[[{{\\"]]", "b": "}"}'
    status, body = api.post(messages_path(api), {"To": RECIPIENT, "From": SENDER, "Body": "hi", "Tags": tags})

    assert status == 201, body
    assert body["tags"] == {"expr": '[[{{"]]', "b": "}"}


# ---- page tokens ------------------------------------------------------------------------------------


def forged(payload: object, direction: str = "PA") -> str:
    return direction + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def list_paths(api: ApiClient) -> list[str]:
    return [
        messages_path(api),
        "/v1/Services",
        "/v1/LinkShortening/Domains",
        "/v1/Outbox",
        f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json",
    ]


@pytest.mark.parametrize(
    "token_of",
    [
        lambda sid: forged({"sid": {"N": "5"}, "account_sid": {"S": sid}, "created_key": {"S": "k"}}),
        lambda sid: forged({"account_sid": {"S": sid}, "sid": {"N": "5"}}),
        lambda sid: forged({"account_sid": {"S": sid}, "sent_key": {"S": ""}}),
        lambda sid: forged({"sid": {"S": "DN1"}, "account_sid": {"S": sid}}, "PB"),
        lambda sid: "PA" + base64.urlsafe_b64encode(b"[" * 5000).decode(),
    ],
    ids=["number-for-string", "services-key", "empty-string", "previous-page", "deeply-nested"],
)
def test_a_hand_made_page_token_is_a_400_on_every_list(api: ApiClient, token_of: Any) -> None:
    token = token_of(api.sid)
    for path in list_paths(api):
        status, body = api.get(path, query={"Page": "1", "PageToken": token})
        assert (status, body["code"]) == (400, 20001), path
        assert "PageToken" in body["message"]


def test_a_page_token_works_only_for_the_account_it_was_issued_to(api: ApiClient, new_account: Any) -> None:
    for name in ("one", "two"):
        assert api.post("/v1/Services", {"FriendlyName": name})[0] == 201
    next_url = api.get("/v1/Services", query={"PageSize": "1"})[1]["meta"]["next_page_url"]
    query = dict(parse_qsl(urlsplit(next_url).query))
    assert api.get("/v1/Services", query=query)[1]["services"][0]["friendly_name"] in ("one", "two")

    other = new_account()
    status, body = other.get("/v1/Services", query=query)
    assert (status, body["code"]) == (400, 20001)


# ---- UTF-8 ------------------------------------------------------------------------------------------


def test_invalid_percent_encoded_utf8_is_a_400_and_nothing_is_sent(api: ApiClient) -> None:
    register_number(api)
    body = f"To=%2B{RECIPIENT[1:]}&From=%2B{SENDER[1:]}&Body=%FF%FE"
    response = raw_call(api, "POST", messages_path(api), body=body)

    assert response["statusCode"] == 400
    payload = json.loads(response["body"])
    assert payload["code"] == 20001 and "'Body'" in payload["message"] and "UTF-8" in payload["message"]
    assert api.get(messages_path(api))[1]["messages"] == []


def test_invalid_utf8_in_the_query_string_is_a_400(api: ApiClient) -> None:
    response = raw_call(api, "GET", messages_path(api), raw_query="To=%FF")
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"].startswith("The query string has invalid UTF-8")


# ---- HEAD and 405 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path_of",
    [
        lambda sid: f"/2010-04-01/Accounts/{sid}.json",
        lambda sid: f"/2010-04-01/Accounts/{sid}/Messages.json",
        lambda sid: "/v1/Services",
        lambda sid: "/openapi.json",
        lambda sid: f"/2010-04-01/Accounts/{sid}/Messages/SM{'0' * 32}.json",  # a 404 stays a 404
    ],
)
def test_head_answers_like_get_without_a_body(api: ApiClient, path_of: Any) -> None:
    path = path_of(api.sid)
    get = raw_call(api, "GET", path)
    head = raw_call(api, "HEAD", path)

    assert head["statusCode"] == get["statusCode"]
    assert head["headers"]["Content-Type"] == get["headers"]["Content-Type"] == "application/json"
    assert head["body"] == "" and get["body"] != ""


def test_head_needs_credentials_like_get(api: ApiClient) -> None:
    assert raw_call(None, "HEAD", "/v1/Services")["statusCode"] == 401


def test_a_method_the_path_does_not_have_is_a_405_with_allow(api: ApiClient) -> None:
    response = raw_call(api, "PUT", "/v1/Services")

    assert response["statusCode"] == 405
    assert error_code(response) == 20004
    assert response["headers"]["Allow"] == "GET, HEAD, POST"
    feedback = f"{messages_path(api).removesuffix('.json')}/SM{'0' * 32}/Feedback.json"
    head = raw_call(api, "HEAD", feedback)
    assert (head["statusCode"], head["headers"]["Allow"], head["body"]) == (405, "POST", "")


def test_unknown_paths_and_methods_authenticate_first(api: ApiClient) -> None:
    assert raw_call(None, "PUT", "/v1/Services")["statusCode"] == 401
    assert raw_call(None, "GET", "/v1/Nothing")["statusCode"] == 401
    assert raw_call(api, "GET", "/v1/Nothing")["statusCode"] == 404


# ---- the OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_is_served_to_an_authenticated_caller(api: ApiClient) -> None:
    status, document = api.get("/openapi.json")

    assert status == 200
    assert document["openapi"].startswith("3.0") and document["servers"] == [{"url": "http://api.test"}]
    assert "/2010-04-01/Accounts/{AccountSid}/Messages.json" in document["paths"]
    assert raw_call(None, "GET", "/openapi.json")["statusCode"] == 401


# ---- found by schemathesis ------------------------------------------------------------------------


def test_the_account_list_filters_by_status_and_name_and_checks_status(api: ApiClient) -> None:
    status, body = api.get("/2010-04-01/Accounts.json", query={"Status": "bogus"})
    assert (status, body["code"]) == (400, 20001) and "Status" in body["message"]
    assert api.get("/2010-04-01/Accounts.json", query={"Status": "suspended"})[1]["accounts"] == []
    assert api.get("/2010-04-01/Accounts.json", query={"FriendlyName": "someone else"})[1]["accounts"] == []
    listed = api.get("/2010-04-01/Accounts.json", query={"Status": "active", "FriendlyName": "Test account"})[1]
    assert [a["sid"] for a in listed["accounts"]] == [api.sid]
    assert "Status=active" in listed["uri"]


def test_a_blank_feedback_outcome_is_a_400(api: ApiClient) -> None:
    register_number(api)
    status, message = api.post(messages_path(api), {"To": RECIPIENT, "From": SENDER, "Body": "hi"})
    assert status == 201
    feedback = f"{messages_path(api).removesuffix('.json')}/{message['sid']}/Feedback.json"
    status, body = api.post(feedback, {"Outcome": ""})
    assert (status, body["code"]) == (400, 20001) and "Outcome" in body["message"]
