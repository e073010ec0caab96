"""The local API Gateway: HTTP requests in, payload-2.0 events to a function, its response back out.

It never drops a connection: a listen backlog of 1024, a thread per connection (a slow client
holds up only itself), bodies up to 10 MB (413 beyond, refused at the headers when the length is
declared, at the first chunk that passes the limit when chunked), and a JSON 400 for anything it
cannot parse (request line, headers, Content-Length, chunk sizes). A function at its concurrency
limit answers 429 like API Gateway.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from brandlink.core.common.errors import ErrorCode, TwilioError
from local.aws_endpoint import PortInUse
from local.events import decode_response_body, http_event
from local.lambda_runtime import FunctionError, HandlerNotBuilt, Invocable, Throttled

ByteStream = BinaryIO | io.BufferedIOBase
"""What a request body is read from: the handler's ``rfile`` (buffered) or any binary stream."""

logger = logging.getLogger("local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
SHUTDOWN_POLL_SECONDS = 0.1  # how often serve_forever checks for a stop request
# Connections the kernel holds until they are accepted (socketserver's default is 5: a burst of
# 50 clients overflowed it and their connections were reset).
LISTEN_BACKLOG = 1024
# Connections handled at once, each on a thread of its own; beyond that they wait in the backlog.
MAX_CONNECTIONS = 512
READ_TIMEOUT_SECONDS = 10  # per read of a request line, header or body part
# After an early answer (413, 400) the rest of the client's body is read and dropped, so that
# closing the socket does not reset the connection before the client has read the answer; the
# drain gives up when the client sends nothing for DRAIN_SECONDS.
DRAIN_SECONDS = 5.0
DRAIN_MAX_BYTES = 64 * 1024 * 1024
CHUNK_SIZE_LINE_LIMIT = 1024  # a chunk-size line with its extensions
TRAILER_LINE_LIMIT = 8 * 1024
MAX_TRAILER_LINES = 100
HEX_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
# Set by this server, never copied from the function's response.
HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class FramingError(ValueError):
    """The request's framing (request line, headers, body length) cannot be read: a 400."""

    status = 400

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


class RequestTooLarge(FramingError):
    status = 413

    def __init__(self) -> None:
        super().__init__("Request Entity Too Large")


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def _text(host: str | bytes | bytearray) -> str:
    """A socket address's host as text (``server_address`` is typed to allow bytes)."""
    return host if isinstance(host, str) else bytes(host).decode()


def error_response(status: int, message: str) -> GatewayResponse:
    body = TwilioError(ErrorCode.INTERNAL_ERROR, message, status).body()
    return GatewayResponse(status, [("Content-Type", "application/json")], json.dumps(body).encode())


def gateway_message(status: int, message: str) -> GatewayResponse:
    """An answer API Gateway itself gives (throttling, payload limits, bad framing): ``{"message": ...}``."""
    return GatewayResponse(status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode())


TOO_LARGE = gateway_message(413, "Request Entity Too Large")
TOO_MANY_REQUESTS = gateway_message(429, "Too Many Requests")


def bad_request(sentence: str) -> GatewayResponse:
    return gateway_message(400, f"Bad Request: {sentence}")


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


@dataclass(frozen=True)
class BodyFraming:
    """How the body is delimited: ``chunked``, or ``length`` bytes (0: no body)."""

    chunked: bool
    length: int = 0


def body_framing(headers: Mapping[str, str], max_bytes: int = MAX_BODY_BYTES) -> BodyFraming:
    """Read the framing headers (lower-cased, repeats joined with commas) before any body byte.

    Raises :class:`RequestTooLarge` for a declared length over ``max_bytes`` and
    :class:`FramingError` for a length or transfer coding this server cannot trust.
    """
    coding = headers.get("transfer-encoding")
    declared = headers.get("content-length")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise FramingError(
                f"Transfer-Encoding {coding!r} is not supported: send the body chunked or with a Content-Length."
            )
        if declared is not None:
            raise FramingError("the request has both Content-Length and Transfer-Encoding: send only one of them.")
        return BodyFraming(chunked=True)
    if declared is None:
        return BodyFraming(chunked=False)
    values = {value.strip() for value in declared.split(",")}
    if len(values) != 1 or not all(value.isdigit() and value.isascii() for value in values):
        raise FramingError(f"Content-Length {declared!r} is not one whole number of bytes: send the body's exact size.")
    length = int(values.pop())
    if length > max_bytes:
        raise RequestTooLarge
    return BodyFraming(chunked=False, length=length)


def read_body(stream: ByteStream, framing: BodyFraming, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    if framing.chunked:
        return _read_chunked(stream, max_bytes)
    if framing.length == 0:
        return b""
    body = stream.read(framing.length)
    if len(body) < framing.length:
        raise FramingError(
            f"the body ended after {len(body)} of the {framing.length} bytes its Content-Length announced."
        )
    return body


def _read_chunked(stream: ByteStream, max_bytes: int) -> bytes:
    """A chunked body, refused (413) at the first chunk header that would take it over ``max_bytes``."""
    body = bytearray()
    while True:
        line = stream.readline(CHUNK_SIZE_LINE_LIMIT + 1)
        if len(line) > CHUNK_SIZE_LINE_LIMIT:
            raise FramingError(f"a chunk-size line is longer than {CHUNK_SIZE_LINE_LIMIT} bytes.")
        if not line.endswith(b"\n"):
            raise FramingError("the chunked body ended before its last (zero-size) chunk.")
        size_text = line.split(b";", 1)[0].strip()
        if not HEX_SIZE.fullmatch(size_text):
            raise FramingError(
                f"chunk size {size_text[:40].decode('latin-1')!r} is not a hexadecimal number of 1 to 16 digits."
            )
        size = int(size_text, 16)
        if size == 0:
            _skip_trailers(stream)
            return bytes(body)
        if len(body) + size > max_bytes:
            raise RequestTooLarge
        data = stream.read(size)
        if len(data) < size:
            raise FramingError("the chunked body ended inside a chunk: send as many bytes as each chunk size says.")
        body += data
        if stream.readline(3).rstrip(b"\r\n"):
            raise FramingError(
                "a chunk is longer than its size: each chunk's data must end with CRLF right after its size."
            )


def _skip_trailers(stream: ByteStream) -> None:
    for _ in range(MAX_TRAILER_LINES):
        line = stream.readline(TRAILER_LINE_LIMIT + 1)
        if len(line) > TRAILER_LINE_LIMIT:
            raise FramingError(f"a trailer line is longer than {TRAILER_LINE_LIMIT} bytes.")
        if not line.endswith(b"\n"):
            raise FramingError("the chunked body ended inside its trailers: end them with an empty line.")
        if not line.strip():
            return
    raise FramingError(f"the chunked body has more than {MAX_TRAILER_LINES} trailer lines.")


def split_request_target(target: str) -> tuple[str, str]:
    """Path and raw query of a request line's target (origin form, or absolute form via a proxy)."""
    if target.lower().startswith(("http://", "https://")):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path or "/", query


class _GatewayServer(ThreadingHTTPServer):
    """One thread per connection (a slow client holds only its own), at most ``MAX_CONNECTIONS``
    at once; the listen backlog holds the connections waiting beyond that."""

    # In-flight requests finish before server_close() returns (a clean stop).
    daemon_threads = False
    request_queue_size = LISTEN_BACKLOG
    function: Invocable
    label: str
    max_body_bytes: int

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.stopping = threading.Event()
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        while not self._connections.acquire(timeout=SHUTDOWN_POLL_SECONDS):
            if self.stopping.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints these to stderr; every expected failure is handled before this.
        logger.exception("%s: unexpected error on a connection from %s", self.label, client_address[0])


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    server: _GatewayServer
    # HTTP/1.1 so that "Expect: 100-continue" (curl, for larger bodies) is answered at once; every
    # response closes its connection, so no idle keep-alive connection can delay a stop.
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_SECONDS
    _unread_body = False

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(400, "HTTP/0.9 request")
            return False
        return True

    def handle_expect_100(self) -> bool:
        """Refuse a body that is too large or badly framed before the client sends it."""
        try:
            body_framing(self._event_headers(), self.server.max_body_bytes)
        except FramingError as exc:
            self._write(TOO_LARGE if isinstance(exc, RequestTooLarge) else bad_request(exc.sentence), unread_body=True)
            return False
        return super().handle_expect_100()

    def do_any(self) -> None:
        started = time.perf_counter()
        response = self._respond_to_request()
        if response is None:
            return
        self._write(response, unread_body=self._unread_body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %s %s -> %d (%.1f ms)", self.server.label, self.command, self.path, response.status, elapsed_ms)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_any

    def _respond_to_request(self) -> GatewayResponse | None:
        headers = self._event_headers()
        try:
            body = read_body(self.rfile, body_framing(headers, self.server.max_body_bytes), self.server.max_body_bytes)
        except RequestTooLarge:
            self._unread_body = True
            return TOO_LARGE
        except FramingError as exc:
            self._unread_body = True
            return bad_request(exc.sentence)
        except TimeoutError:
            self._unread_body = True
            return gateway_message(
                408, f"Request Timeout: no body data for {READ_TIMEOUT_SECONDS} s; send the whole body."
            )
        except OSError as exc:  # the client reset the connection while sending
            logger.debug("%s: client %s went away while sending: %s", self.server.label, self.client_address[0], exc)
            self.close_connection = True
            return None
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
        return self._invoke(event)

    def _invoke(self, event: dict[str, Any]) -> GatewayResponse:
        function = self.server.function
        try:
            result = function.invoke(event)
        except Throttled as exc:
            logger.warning("%s", exc)
            return TOO_MANY_REQUESTS
        except HandlerNotBuilt as exc:
            return error_response(502, str(exc))
        except FunctionError as exc:
            logger.error("The %s function failed:\n%s", function.name, exc.log_text())
            return error_response(502, f"The {function.name} function failed ({exc}); see the local stack's log.")
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
        headers.setdefault("host", f"{_text(host)}:{port}")
        client_ip = self.client_address[0]
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {client_ip}" if forwarded else client_ip
        headers["x-forwarded-port"] = str(port)
        headers["x-forwarded-proto"] = "http"
        return headers

    def _write(self, response: GatewayResponse, *, unread_body: bool = False) -> None:
        self.close_connection = True
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError as exc:  # the client left before its answer
            logger.debug("%s: could not answer %s: %s", self.server.label, self.client_address[0], exc)
            return
        if unread_body:
            self._drain()

    def _drain(self) -> None:
        """Read and drop what the client still sends (a refused body), then let the socket close.

        Closing a socket with unread data makes the kernel send a reset, and a client still
        sending its body would see that reset instead of the answer already written. The drain
        ends at the client's end of data, after ``DRAIN_MAX_BYTES``, or when the client sends
        nothing for ``DRAIN_SECONDS`` (a client that is still sending is never cut off early)."""
        connection = self.connection
        dropped = 0
        try:
            connection.shutdown(socket.SHUT_WR)
            connection.settimeout(DRAIN_SECONDS)
            while dropped < DRAIN_MAX_BYTES:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                dropped += len(chunk)
        except OSError:  # the idle timeout, or the client reset the connection itself
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (request line, headers, methods) get a JSON answer, never HTML."""
        if self.request_version in ("", "HTTP/0.9"):
            self.request_version = self.protocol_version  # answer with a status line all the same
        self.command = self.command or "GET"
        status, sentence = _malformed_request_answer(int(code), message or "")
        self._write(gateway_message(status, sentence), unread_body=True)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


def _malformed_request_answer(code: int, detail: str) -> tuple[int, str]:
    """What to tell a client whose request http.server could not parse, and with which status."""
    if code == 414:
        return 400, "Bad Request: the request line is longer than 65536 bytes; shorten the URL."
    if code == 431:
        if "Too many headers" in detail:
            return 400, "Bad Request: the request has more than 100 header lines; send fewer headers."
        return 400, "Bad Request: a header line is longer than 65536 bytes; shorten it."
    if code == 501:
        methods = ", ".join(SUPPORTED_METHODS)
        return 501, f"Not Implemented: {detail or 'the method is not supported'}; use one of {methods}."
    if code == 505:
        return 505, "HTTP Version Not Supported: send HTTP/1.1 (or HTTP/1.0)."
    what = detail or "the request could not be parsed"
    return 400, f"Bad Request: {what}; send 'METHOD /path HTTP/1.1', headers, an empty line, then the body."


class Gateway:
    """One listening address routed to one function (the management API, or the short links)."""

    def __init__(
        self,
        label: str,
        host: str,
        port: int,
        function: Invocable,
        port_variable: str,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        try:
            self._server = _GatewayServer((host, port), _GatewayRequestHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, port_variable) from None
            raise
        self._server.function = function
        self._server.label = label
        self._server.max_body_bytes = max_body_bytes
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{_text(self._server.server_address[0])}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name=f"gateway-{self._server.label}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
