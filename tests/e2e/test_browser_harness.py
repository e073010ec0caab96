"""The browser harness works on this machine: system Chromium, scripts run, a screenshot is saved.

Short-link and insights-page tests build on it; this test tells apart "the harness is broken"
(chromium missing, sandbox flags) from "the page under test is wrong".
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser import screenshot_path
from tests.e2e.serving import serving

pytestmark = [pytest.mark.e2e]

PAGE = b"""<!doctype html><html><head><title>harness</title></head>
<body><p id="out">static</p><script>document.getElementById("out").textContent = "scripted";</script></body></html>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/"


def test_chromium_runs_scripts_and_saves_a_screenshot(chromium: Any, page_url: str) -> None:
    page = chromium.new_page()
    try:
        page.goto(page_url)
        assert page.title() == "harness"
        assert page.text_content("#out") == "scripted"
        shot = screenshot_path("browser-harness")
        page.screenshot(path=str(shot))
    finally:
        page.close()
    assert shot.stat().st_size > 0
