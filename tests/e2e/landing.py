"""What short-link e2e tests open links with and land on: a local page server and curl.

The original links of a test point at the ``landing`` server (a module-scoped fixture, registered for
e2e tests in ``tests/e2e/conftest.py``), which records every request that reached it, so a test can
tell that a tap arrived with the exact path and query. ``curl`` is the command line tool itself, as a
recipient's ``curl`` would open a link (it resolves ``*.localhost`` to loopback on its own).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.e2e.serving import serving

CURL_TIMEOUT_SECONDS = 60.0


@dataclass
class Landing:
    """A page server standing in for the sites the links point at; ``seen`` is every request it got."""

    url: str
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        """The pages requested, in order (a browser's own /favicon.ico requests left out)."""
        return [path for _, path, _ in self.seen if not path.startswith("/favicon")]


@pytest.fixture(scope="module")
def landing() -> Iterator[Landing]:
    """A landing server on a free loopback port for the module's tests; each page's title names its
    path and query (``Landing /a?x=1``), so a browser test can read where it landed from the page."""
    server_ref: list[Landing] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server_ref[0].seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = f"<!doctype html><title>Landing {self.path}</title><h1>You landed</h1>".encode()
            if self.path.startswith("/favicon"):
                self.send_response(404)
                body = b""
            else:
                self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server_ref.append(Landing(f"http://127.0.0.1:{server.server_address[1]}"))
    with serving(server):
        yield server_ref[0]


def curl(*args: str) -> tuple[int, str, str]:
    """``curl ARGS`` (body discarded): the status, the final URL and the ``Location`` it was sent to."""
    result = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{url_effective} %{redirect_url}", *args],
        capture_output=True,
        text=True,
        timeout=CURL_TIMEOUT_SECONDS,
        check=True,
    )
    status, effective, *location = result.stdout.split(" ")
    return int(status), effective, (location[0] if location else "")
