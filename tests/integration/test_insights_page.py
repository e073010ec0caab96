"""The insights page in headless Chromium: the hand-computed scenario's numbers are on it, it asks
for nothing but itself, and a screenshot is kept in test-results/.

The real API handler on moto is served over HTTP on 127.0.0.1 (API Gateway events, as the local
gateway makes them), so the browser sees exactly what a marketer's browser would.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.events import http_event
from tests import insights_scenario as scenario
from tests.browser import screenshot_path
from tests.integration.conftest import ApiClient, lambda_context


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        from brandlink.handlers.api import handler

        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        headers.setdefault("x-forwarded-proto", "http")
        response = handler(http_event("GET", parts.path, headers=headers, raw_query=parts.query), lambda_context())
        body = (response.get("body") or "").encode()
        self.send_response(response["statusCode"])
        for name, value in (response.get("headers") or {}).items():
            self.send_header(name, value)
        for name, values in (response.get("multiValueHeaders") or {}).items():
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def api_url(aws: dict[str, str]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _auth(api: ApiClient) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{api.sid}:{api.token}".encode()).decode()}


def _open(browser: Any, api: ApiClient, url: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(extra_http_headers=_auth(api), viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(url)
    return context, response, requested


def test_the_page_shows_the_scenario_to_a_marketer(chromium: Any, api: ApiClient, api_url: str) -> None:
    status, service = api.post("/v1/Services", {"FriendlyName": "Spring campaign"})
    assert status == 201 and api.sid is not None
    built = scenario.build(api.sid, service["sid"])
    scenario.seed(built)
    scenario.record(built.events)

    url = f"{api_url}/insights?MessagingServiceSid={built.service_sid}&Interval=hour"
    context, response, requested = _open(chromium, api, url)
    try:
        page = context.pages[0]
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        text = page.inner_text("body")
        assert "Link insights: Spring campaign" in text
        cards = page.inner_text(".cards")
        for figure in ("60.0%", "5", "3", "2", "4", "120 s"):
            assert figure in cards
        tables = page.locator("section table").all_inner_texts()
        by_variant = next(table for table in tables if "VARIANT" in table.upper())
        row_a = next(line for line in by_variant.splitlines() if line.startswith("A\t"))
        row_b = next(line for line in by_variant.splitlines() if line.startswith("B\t"))
        assert row_a.split("\t")[1:4] == ["3", "2", "66.7%"]
        assert row_b.split("\t")[1:4] == ["2", "1", "50.0%"]
        assert "90 s" in row_a  # the median of 60 s and 120 s
        by_campaign = next(table for table in tables if "CAMPAIGN" in table.upper())
        assert "spring\t5\t3\t60.0%" in by_campaign
        assert page.locator("svg rect").count() == 2 * 2  # two hours, clicks and previews stacked
        assert "02 Nov 09:00" in (page.text_content("svg") or "")
        page.screenshot(path=str(screenshot_path("insights-page")), full_page=True)
    finally:
        context.close()
    assert requested and all(request.startswith(api_url + "/") for request in requested), requested


def test_the_empty_page_says_what_to_do(chromium: Any, api: ApiClient, api_url: str) -> None:
    status, service = api.post("/v1/Services", {"FriendlyName": "New <service>"})
    assert status == 201
    context, response, requested = _open(chromium, api, f"{api_url}/insights?MessagingServiceSid={service['sid']}")
    try:
        page = context.pages[0]
        assert response.status == 200
        text = page.inner_text("body")
        assert "New <service>" in text  # escaped, shown as text
        assert "ShortenUrls=true" in text
        assert "No clicks yet." in text
        page.screenshot(path=str(screenshot_path("insights-page-empty")), full_page=True)
    finally:
        context.close()
    assert all(request.startswith(api_url + "/") for request in requested)


def test_the_page_needs_credentials(api: ApiClient, api_url: str) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{api_url}/insights?MessagingServiceSid=MG{'0' * 32}", timeout=30)
    assert raised.value.code == 401
