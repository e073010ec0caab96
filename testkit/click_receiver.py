"""A webhook receiver for tests: records every POST (path with query, headers, body) and answers each
with the next scripted status (then 204), on 127.0.0.1 and a free port.

The click tests register its ``url`` as a domain's ``CallbackUrl`` (local mode lets callbacks reach
loopback addresses) and check what arrived, signature included.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    """Path and query as requested (``/clicks?bodySHA256=...``)."""
    headers: dict[str, str]
    """Names lower-cased."""
    body: bytes
    status: int
    at: float
    """When it arrived (``time.time()``): click-to-callback latency."""


class ClickReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._statuses = list(statuses)
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self.down = False
        """While set, every post is answered 503 (a receiver that is down, as far as retries go)."""
        self._thread = threading.Thread(target=self.serve_forever, name="click-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/clicks"

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = 503 if self.down else self._statuses.pop(0) if self._statuses else 204
            self.received.append(Received(path, headers, body, status, time.time()))
        return status

    def script(self, statuses: Iterable[int]) -> None:
        """Answer the next posts with these statuses (then 204 again)."""
        with self._lock:
            self._statuses = list(statuses)

    def tokens(self) -> list[str]:
        """The idempotency tokens of the posts answered 2xx, in arrival order."""
        return [r.headers.get("i-twilio-idempotency-token", "") for r in self.delivered()]

    def delivered(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def wait_for(self, check: Callable[[ClickReceiver], bool], deadline_seconds: float = 60.0) -> None:
        """Poll ``check`` until it holds; fail with what arrived when the deadline passes."""
        deadline = time.monotonic() + deadline_seconds
        while not check(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"not received within {deadline_seconds:.0f} s; got {len(self.received)} posts")
            time.sleep(0.05)

    def __enter__(self) -> ClickReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ClickReceiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status = self.server.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass
