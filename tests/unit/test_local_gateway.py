"""The local API Gateway over real HTTP: requests in as payload-2.0 events, responses out as API Gateway writes them."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import socket
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from brandlink.resources import FUNCTIONS
from local.aws_endpoint import PortInUse
from local.gateway import MAX_BODY_BYTES, Gateway, split_request_target, to_gateway_response
from local.lambda_runtime import FunctionError, HandlerNotBuilt, LambdaFunction, Throttled


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
def serve_with() -> Iterator[Callable[..., tuple[str, ScriptedFunction]]]:
    gateways: list[Gateway] = []

    def start(respond: Callable[[dict[str, Any]], Any], **options: Any) -> tuple[str, ScriptedFunction]:
        function = ScriptedFunction(respond)
        gateway = Gateway("test", "127.0.0.1", 0, function, "BRANDLINK_API_PORT", **options)
        gateway.start()
        gateways.append(gateway)
        return gateway.url, function

    yield start
    for gateway in gateways:
        gateway.stop()


@pytest.fixture
def serve(
    serve_with: Callable[..., tuple[str, ScriptedFunction]],
) -> Callable[[Callable[[dict[str, Any]], Any]], tuple[str, ScriptedFunction]]:
    return serve_with


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


# --- Framing, limits and load: the gateway answers every request it can read, and never resets one.

DEADLINE_SECONDS = 60.0


def exchange(url: str, raw: bytes, *, end_request: bool = True) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, optionally half-close, and read the whole answer (the server closes)."""
    with socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=DEADLINE_SECONDS) as connection:
        connection.sendall(raw)
        if end_request:
            connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def assert_clean(caplog: pytest.LogCaptureFixture) -> None:
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR], caplog.text
    assert "Traceback" not in caplog.text


CHUNKED_POST = b"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"GARBAGE\r\n\r\n", 400, "Bad Request: Bad request syntax"),
        (b"GET /\r\n\r\n", 400, "HTTP/0.9"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "send HTTP/1.1"),
        (b"BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n", 501, "use one of GET, HEAD"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 400, "request line is longer than 65536 bytes"),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 400, "header line is longer"),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n", 400, "more than 100"),
        (b"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400, "Content-Length 'abc' is not one whole number"),
        (b"POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400, "not one whole number"),
        (b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400, "'5,6'"),
        (b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 400, "ended after 3 of the 10 bytes"),
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding 'gzip' is not supported"),
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "send only one"),
        (CHUNKED_POST + b"zz\r\nhello\r\n0\r\n\r\n", 400, "chunk size 'zz' is not a hexadecimal number"),
        (CHUNKED_POST + b"-1\r\n", 400, "chunk size '-1'"),
        (CHUNKED_POST + b"f" * 40 + b"\r\n", 400, "of 1 to 16 digits"),
        (CHUNKED_POST + b"1" * 2000 + b"\r\n", 400, "chunk-size line is longer than 1024 bytes"),
        (CHUNKED_POST + b"3\r\nhello\r\n0\r\n\r\n", 400, "a chunk is longer than its size"),
        (CHUNKED_POST + b"5\r\nhello\r\n", 400, "ended before its last (zero-size) chunk"),
        (CHUNKED_POST + b"5\r\nhel", 400, "ended inside a chunk"),
        (CHUNKED_POST + b"ffffffffffffffff\r\n", 413, "Request Entity Too Large"),
        (CHUNKED_POST + b"ffffffff\r\n" + b"x" * 1000, 413, "Request Entity Too Large"),
        (b"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 413, "Request Entity Too Large"),
    ],
)
def test_a_request_that_cannot_be_read_gets_a_json_answer_never_a_reset(
    serve: Any, caplog: pytest.LogCaptureFixture, raw: bytes, status: int, says: str
) -> None:
    url, function = serve(ok)

    answer, headers, body = exchange(url, raw)

    assert answer == status
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert says in json.loads(body)["message"]
    assert function.events == []
    assert_clean(caplog)


def test_a_chunked_body_with_trailers_and_extensions_is_read(serve: Any) -> None:
    url, function = serve(ok)

    status, _, _ = exchange(url, CHUNKED_POST + b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")

    assert status == 200
    assert base64.b64decode(function.events[0]["body"]) == b"hello world"


def test_a_declared_body_over_the_limit_gets_413_after_the_client_has_sent_it(
    serve_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    url, function = serve_with(ok, max_body_bytes=1024 * 1024)

    # requests sends the whole 3 MB before it reads: without the drain it would see a reset.
    response = requests.post(f"{url}/upload", data=b"x" * (3 * 1024 * 1024), timeout=DEADLINE_SECONDS)

    assert response.status_code == 413
    assert response.content == b'{"message": "Request Entity Too Large"}'
    assert function.events == []
    assert_clean(caplog)


def test_a_body_over_10_mb_gets_413(serve: Any) -> None:
    url, _ = serve(ok)

    response = requests.post(f"{url}/upload", data=b"x" * (MAX_BODY_BYTES + 1), timeout=DEADLINE_SECONDS)

    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}


def test_a_chunked_body_over_the_limit_is_refused_at_the_chunk_that_passes_it(serve_with: Any) -> None:
    url, function = serve_with(ok, max_body_bytes=1024 * 1024)
    chunks = (b"y" * 65536 for _ in range(48))  # 3 MB in 64 KB chunks

    response = requests.post(f"{url}/upload", data=chunks, timeout=DEADLINE_SECONDS)

    assert response.status_code == 413
    assert function.events == []


def test_expect_100_continue_with_a_body_over_the_limit_is_refused_before_the_body(serve: Any) -> None:
    url, function = serve(ok)
    with socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=DEADLINE_SECONDS) as connection:
        connection.sendall(
            b"POST /upload HTTP/1.1\r\nHost: t\r\n"
            + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n".encode()
            + b"Expect: 100-continue\r\n\r\n"
        )
        reply = b""
        while chunk := connection.recv(4096):
            reply += chunk

    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in reply
    assert reply.endswith(b'{"message": "Request Entity Too Large"}')
    assert function.events == []


def test_a_throttled_function_answers_429_like_api_gateway(serve: Any) -> None:
    def throttled(event: dict[str, Any]) -> Any:
        raise Throttled("The api function ran 10 invocation(s) for 30 s without a free container")

    url, _ = serve(throttled)

    response = requests.get(f"{url}/2010-04-01/Accounts.json", timeout=DEADLINE_SECONDS)

    assert response.status_code == 429
    assert response.json() == {"message": "Too Many Requests"}


def test_a_function_error_is_a_502_and_its_container_traceback_is_logged(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(event: dict[str, Any]) -> Any:
        raise FunctionError("api", "KeyError", "'table'", ["Traceback (most recent call last):\n", "  in handler\n"])

    url, _ = serve(failing)

    response = requests.get(f"{url}/boom", timeout=DEADLINE_SECONDS)

    assert response.status_code == 502
    assert response.json()["message"] == "The api function failed (KeyError: 'table'); see the local stack's log."
    assert "in handler" in caplog.text


def test_a_stalled_client_does_not_block_the_others(serve: Any) -> None:
    url, function = serve(ok)
    with socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=DEADLINE_SECONDS) as stalled:
        stalled.sendall(b"POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")  # 97 bytes owed

        response = requests.get(f"{url}/fast", timeout=DEADLINE_SECONDS)

        assert response.status_code == 200
        assert [event["rawPath"] for event in function.events] == ["/fast"]


def test_a_slow_invocation_does_not_delay_a_fast_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real runtime behind the gateway: /slow holds a container until released; /fast answers meanwhile."""
    package = f"gateway_slow_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "fn.py").write_text(
        textwrap.dedent(
            f"""
            import pathlib, time

            def handler(event, context):
                if event["rawPath"] == "/slow":
                    folder = pathlib.Path({str(tmp_path)!r})
                    (folder / "slow-entered").touch()
                    deadline = time.monotonic() + 120
                    while not (folder / "release").exists() and time.monotonic() < deadline:
                        time.sleep(0.005)
                return {{"statusCode": 200, "body": event["rawPath"]}}
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = dataclasses.replace(next(s for s in FUNCTIONS if s.logical == "api"), handler=f"{package}.fn.handler")
    function = LambdaFunction(spec, "us-east-1", concurrency=2)
    gateway = Gateway("test", "127.0.0.1", 0, function, "BRANDLINK_API_PORT")
    gateway.start()
    slow_done = threading.Event()
    slow_answers: list[requests.Response] = []

    def slow() -> None:
        slow_answers.append(requests.get(f"{gateway.url}/slow", timeout=DEADLINE_SECONDS * 3))
        slow_done.set()

    slow_client = threading.Thread(target=slow)
    try:
        slow_client.start()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not (tmp_path / "slow-entered").exists():
            assert time.monotonic() < deadline, "the slow invocation never started"
            time.sleep(0.01)

        fast = requests.get(f"{gateway.url}/fast", timeout=DEADLINE_SECONDS)

        assert (fast.status_code, fast.text) == (200, "/fast")
        assert not slow_done.is_set()  # answered while the slow one is still in its container
    finally:
        (tmp_path / "release").touch()
        slow_client.join()
        gateway.stop()
        function.close()
    assert (slow_answers[0].status_code, slow_answers[0].text) == (200, "/slow")
