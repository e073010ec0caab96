"""The local API Gateway over real HTTP: requests in as payload-2.0 events, responses out as API Gateway writes them."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.aws_endpoint import PortInUse
from local.gateway import Gateway, split_request_target, to_gateway_response
from local.lambda_runtime import HandlerNotBuilt


@dataclass
class ScriptedFunction:
    respond: Callable[[dict[str, Any]], Any]
    name: str = "api"
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self.respond(event)


def ok(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"ok":true}'}


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[dict[str, Any]], Any]], tuple[str, ScriptedFunction]]]:
    gateways: list[Gateway] = []

    def start(respond: Callable[[dict[str, Any]], Any]) -> tuple[str, ScriptedFunction]:
        function = ScriptedFunction(respond)
        gateway = Gateway("test", "127.0.0.1", 0, function, "BRANDLINK_API_PORT")
        gateway.start()
        gateways.append(gateway)
        return gateway.url, function

    yield start
    for gateway in gateways:
        gateway.stop()


def test_a_request_becomes_an_http_api_event(serve: Any) -> None:
    url, function = serve(ok)

    response = requests.post(
        f"{url}/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&To=a&To=b",
        data={"Body": "hi there", "MediaUrl": ["x", "y"]},
        headers={"X-Custom": "Value", "Host": "api.example.test:8080"},
        timeout=5,
    )

    assert response.status_code == 200 and response.json() == {"ok": True}
    (event,) = function.events
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/2010-04-01/Accounts/AC1/Messages.json"
    assert event["rawQueryString"] == "PageSize=2&To=a&To=b"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["domainName"] == "api.example.test"
    assert event["headers"]["x-custom"] == "Value"
    assert event["headers"]["host"] == "api.example.test:8080"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == "Body=hi+there&MediaUrl=x&MediaUrl=y"
    assert event["isBase64Encoded"] is False


def test_a_binary_body_arrives_base64_encoded(serve: Any) -> None:
    url, function = serve(ok)
    payload = bytes(range(256))

    requests.put(f"{url}/upload", data=payload, headers={"Content-Type": "application/octet-stream"}, timeout=5)

    (event,) = function.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_a_chunked_body_is_read_whole(serve: Any) -> None:
    url, function = serve(ok)

    requests.post(
        f"{url}/chunks",
        data=(part for part in [b"To=%2B1555", b"&Body=chunked"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )

    assert function.events[0]["body"] == "To=%2B1555&Body=chunked"


def test_cookies_move_out_of_the_headers_as_api_gateway_does(serve: Any) -> None:
    url, function = serve(ok)

    requests.get(f"{url}/", headers={"Cookie": "a=1; b=2"}, timeout=5)

    (event,) = function.events
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]


def test_head_requests_reach_the_function_and_get_no_body(serve: Any) -> None:
    url, function = serve(
        lambda event: {"statusCode": 302, "headers": {"Location": "https://example.com/"}, "body": "x" * 10}
    )

    response = requests.head(f"{url}/AbCdEfGhIj", timeout=5)

    assert function.events[0]["requestContext"]["http"]["method"] == "HEAD"
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/"
    assert response.content == b""


def test_the_response_keeps_status_headers_multi_value_headers_cookies_and_binary_bodies(serve: Any) -> None:
    url, _ = serve(
        lambda event: {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png", "Cache-Control": "no-store"},
            "multiValueHeaders": {"X-Multi": ["one", "two"]},
            "cookies": ["session=abc; HttpOnly", "theme=dark"],
            "body": base64.b64encode(b"\x89PNG\x00\x01").decode(),
            "isBase64Encoded": True,
        }
    )

    response = requests.get(f"{url}/image", timeout=5)

    assert response.status_code == 201
    assert response.content == b"\x89PNG\x00\x01"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.raw.headers.getlist("X-Multi") == ["one", "two"]
    assert response.raw.headers.getlist("Set-Cookie") == ["session=abc; HttpOnly", "theme=dark"]


def test_a_function_exception_is_a_502_json_error_and_is_logged(serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    def explode(event: dict[str, Any]) -> Any:
        raise RuntimeError("table missing")

    url, _ = serve(explode)

    response = requests.get(f"{url}/boom", timeout=5)

    assert response.status_code == 502
    body = response.json()
    assert body["status"] == 502 and body["code"] == 20500
    assert "api function failed" in body["message"]
    assert not {"type", "title"} & set(body)
    assert "table missing" in caplog.text


def test_a_function_not_in_this_build_answers_502_saying_so(serve: Any) -> None:
    def not_built(event: dict[str, Any]) -> Any:
        raise HandlerNotBuilt("The redirect function is not part of this build yet: module x does not exist.")

    url, _ = serve(not_built)

    response = requests.get(f"{url}/AbCdEfGhIj", timeout=5)

    assert response.status_code == 502
    assert "not part of this build yet" in response.json()["message"]


def test_expect_100_continue_is_answered_before_the_body_is_sent(serve: Any) -> None:
    url, function = serve(ok)
    body = b"TlsCert=" + b"A" * 2000
    with socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=2) as connection:
        connection.sendall(
            b"POST /v1/LinkShortening/Domains/DN1/Certificate HTTP/1.1\r\nHost: api.test\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n".encode()
            + b"Expect: 100-continue\r\n\r\n"
        )
        assert connection.recv(1024).startswith(b"HTTP/1.1 100 Continue")
        connection.sendall(body)
        reply = b""
        while chunk := connection.recv(4096):
            reply += chunk

    assert reply.startswith(b"HTTP/1.1 200 OK")
    assert b"Connection: close" in reply
    assert function.events[0]["body"] == body.decode()


def test_a_taken_port_names_the_variable_that_moves_it(serve: Any) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUse, match=f"Port {port} .* set BRANDLINK_LINKS_PORT"):
            Gateway("links", "127.0.0.1", port, ScriptedFunction(ok), "BRANDLINK_LINKS_PORT")


def test_stop_releases_the_port() -> None:
    gateway = Gateway("test", "127.0.0.1", 0, ScriptedFunction(ok), "BRANDLINK_API_PORT")
    gateway.start()
    port = gateway.port
    assert requests.get(f"{gateway.url}/", timeout=5).status_code == 200

    gateway.stop()

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ({"statusCode": 204, "body": ""}, 204, b""),
        ({"statusCode": "404", "body": "{}"}, 404, b"{}"),
        ({"hello": "world"}, 200, b'{"hello": "world"}'),
        ("plain text", 200, b"plain text"),
        ({"statusCode": "nope"}, 502, None),
        ({"statusCode": 99}, 502, None),
    ],
)
def test_to_gateway_response(result: Any, status: int, body: bytes | None) -> None:
    response = to_gateway_response(result)
    assert response.status == status
    if body is not None:
        assert response.body == body
    else:
        assert json.loads(response.body)["message"].startswith("The function returned an invalid statusCode")


def test_hop_by_hop_headers_from_the_function_are_dropped() -> None:
    response = to_gateway_response({"statusCode": 200, "headers": {"Content-Length": "999", "Connection": "close"}})
    assert {name.lower() for name, _ in response.headers} == {"content-type"}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/a/b?x=1&y=2", ("/a/b", "x=1&y=2")),
        ("/a/b", ("/a/b", "")),
        ("//double/slash?q", ("//double/slash", "q")),
        ("http://proxy.example/a?b=1", ("/a", "b=1")),
        ("", ("/", "")),
    ],
)
def test_split_request_target(target: str, expected: tuple[str, str]) -> None:
    assert split_request_target(target) == expected
