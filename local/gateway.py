"""The local API Gateway: HTTP requests in, payload-2.0 events to a function, its response back out."""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from brandlink.core.errors import TwilioError
from local.aws_endpoint import PortInUse
from local.events import decode_response_body, http_event
from local.lambda_runtime import HandlerNotBuilt, Invocable

logger = logging.getLogger("local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
SHUTDOWN_POLL_SECONDS = 0.1  # how often serve_forever checks for a stop request
# Set by this server, never copied from the function's response.
HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class RequestTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def error_response(status: int, message: str) -> GatewayResponse:
    body = TwilioError(20500, message, status).body()
    return GatewayResponse(status, [("Content-Type", "application/json")], json.dumps(body).encode())


def to_gateway_response(result: Any) -> GatewayResponse:
    """What API Gateway makes of a function's return value (HTTP API, payload format 2.0)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        # API Gateway infers a 200 JSON response when the function returns no statusCode.
        body = result if isinstance(result, str) else json.dumps(result)
        return GatewayResponse(200, [("Content-Type", "application/json")], body.encode())
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        status = 0
    if not 100 <= status <= 599:
        return error_response(502, f"The function returned an invalid statusCode {result['statusCode']!r}.")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in HOP_BY_HOP:
            headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name.lower() not in HOP_BY_HOP:
            headers.extend((name, str(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or ())
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return GatewayResponse(status, headers, decode_response_body(result))


def read_body(stream: BinaryIO, headers: Mapping[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return _read_chunked(stream)
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY_BYTES:
        raise RequestTooLarge
    return stream.read(length) if length > 0 else b""


def _read_chunked(stream: BinaryIO) -> bytes:
    body = bytearray()
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline().strip():  # trailers
                pass
            return bytes(body)
        body += stream.read(size)
        stream.readline()
        if len(body) > MAX_BODY_BYTES:
            raise RequestTooLarge


def split_request_target(target: str) -> tuple[str, str]:
    """Path and raw query of a request line's target (origin form, or absolute form via a proxy)."""
    if target.lower().startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path or "/", query


class _GatewayServer(ThreadingHTTPServer):
    # In-flight requests finish before server_close() returns (a clean stop).
    daemon_threads = False
    function: Invocable
    label: str


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    server: _GatewayServer
    # HTTP/1.1 so that "Expect: 100-continue" (curl, for larger bodies) is answered at once; every
    # response closes its connection, so no idle keep-alive connection can delay a stop.
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_any(self) -> None:
        started = time.perf_counter()
        response = self._respond_to_request()
        self._write(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %s %s -> %d (%.1f ms)", self.server.label, self.command, self.path, response.status, elapsed_ms)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_any

    def _respond_to_request(self) -> GatewayResponse:
        headers = self._event_headers()
        try:
            body = read_body(self.rfile, headers)
        except RequestTooLarge:
            return GatewayResponse(
                413, [("Content-Type", "application/json")], b'{"message":"Request Entity Too Large"}'
            )
        except ValueError:
            return error_response(
                400, "The request body could not be read: fix its Content-Length or chunked encoding."
            )
        path, raw_query = split_request_target(self.path)
        event = http_event(
            self.command,
            path,
            headers=headers,
            body=body,
            raw_query=raw_query,
            source_ip=self.client_address[0],
        )
        cookie_header = event["headers"].pop("cookie", None)
        if cookie_header:  # API Gateway moves cookies out of the headers into their own list
            event["cookies"] = [cookie.strip() for cookie in cookie_header.split(";") if cookie.strip()]
        function = self.server.function
        try:
            result = function.invoke(event)
        except HandlerNotBuilt as exc:
            return error_response(502, str(exc))
        except Exception:
            logger.exception("The %s function raised an exception", function.name)
            return error_response(502, f"The {function.name} function failed; see the local stack's log for why.")
        return to_gateway_response(result)

    def _event_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        host, port = self.server.server_address[:2]
        headers.setdefault("host", f"{host}:{port}")
        client_ip = self.client_address[0]
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {client_ip}" if forwarded else client_ip
        headers["x-forwarded-port"] = str(port)
        headers["x-forwarded-proto"] = "http"
        return headers

    def _write(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


class Gateway:
    """One listening address routed to one function (the management API, or the short links)."""

    def __init__(self, label: str, host: str, port: int, function: Invocable, port_variable: str) -> None:
        try:
            self._server = _GatewayServer((host, port), _GatewayRequestHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, port_variable) from None
            raise
        self._server.function = function
        self._server.label = label
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name=f"gateway-{self._server.label}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
