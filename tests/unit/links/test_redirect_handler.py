"""The redirect's Lambda entry point: API Gateway events in, responses out, a metric line per fallback,
404 and failed read (none for a plain redirect), and the clock it reads. The reads are faked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from brandlink import emf, wiring
from brandlink.core.common import dates
from brandlink.core.links.records import RedirectTarget
from brandlink.core.links.redirect import FallbackCache, RedirectPorts
from brandlink.handlers import redirect
from local.events import http_event
from local.lambda_runtime import context_for
from tests.unit.links.test_redirect import FakeFallbacks, FakeLinks

NOW = 1_800_000_000.0
HOST = "go.acme.com"
SLUG = "AbCdEf1234"
LINK = "https://shop.example.com/a?b=1#c"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeLinks, FakeFallbacks]]:
    links = FakeLinks({SLUG: RedirectTarget(LINK, HOST, int(NOW) + 3600)})
    fallbacks = FakeFallbacks({HOST: "https://acme.com/"})
    monkeypatch.setattr(wiring, "redirect_ports", lambda: RedirectPorts(links, FallbackCache(fallbacks)))
    dates.use_clock(lambda: NOW)
    try:
        yield links, fallbacks
    finally:
        dates.use_clock(None)


def call(method: str, path: str, host: str = HOST, **headers: str) -> dict[str, Any]:
    event = http_event(method, path, headers={"host": host, "x-forwarded-proto": "https", **headers})
    result: dict[str, Any] = redirect.handler(event, context_for("brandlink-redirect"))
    return result


def metric_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_a_live_link_is_a_302_to_it_and_no_metric(
    reads: tuple[FakeLinks, FakeFallbacks], capsys: pytest.CaptureFixture[str]
) -> None:
    response = call("GET", f"/{SLUG}", host="Go.Acme.Com:443")

    assert response["statusCode"] == 302
    assert response["headers"]["Location"] == LINK
    assert response["headers"]["Cache-Control"] == "no-store"
    assert response["body"] == ""
    assert metric_lines(capsys.readouterr().out) == []


def test_the_handler_reads_now_through_the_one_clock(reads: tuple[FakeLinks, FakeFallbacks]) -> None:
    assert call("GET", f"/{SLUG}")["headers"]["Location"] == LINK
    dates.use_clock(lambda: NOW + 3600)  # the link's expires_at

    assert call("GET", f"/{SLUG}")["headers"]["Location"] == "https://acme.com/"


@pytest.mark.parametrize(
    ("host", "status", "name", "code"),
    [(HOST, 302, "LinkFallback", "30104"), ("bare.example.com", 404, "LinkNotFound", "30105")],
)
def test_a_tap_that_cannot_follow_its_link_is_counted_under_its_code(
    reads: tuple[FakeLinks, FakeFallbacks],
    capsys: pytest.CaptureFixture[str],
    host: str,
    status: int,
    name: str,
    code: str,
) -> None:
    response = call("GET", "/Unknown123", host=host)

    assert response["statusCode"] == status
    [line] = metric_lines(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Brandlink"
    assert directive["Dimensions"] == [["service", "ErrorCode"]]
    assert directive["Metrics"] == [{"Name": name, "Unit": "Count"}]
    assert (line["ErrorCode"], line[name], line["service"]) == (code, 1, emf.SERVICE)


def test_root_and_malformed_paths_are_not_counted(
    reads: tuple[FakeLinks, FakeFallbacks], capsys: pytest.CaptureFixture[str]
) -> None:
    assert call("GET", "/")["statusCode"] == 302
    assert call("GET", "/favicon.ico")["statusCode"] == 404
    assert metric_lines(capsys.readouterr().out) == []


def test_head_gets_the_headers_of_get_and_no_body(reads: tuple[FakeLinks, FakeFallbacks]) -> None:
    get, head = (
        call("GET", "/Unknown123", host="bare.example.com"),
        call("HEAD", "/Unknown123", host="bare.example.com"),
    )

    assert (get["statusCode"], head["statusCode"]) == (404, 404)
    assert get["headers"] == head["headers"]
    assert get["body"].startswith("<!doctype html>") and head["body"] == ""


def test_hsts_only_over_https(reads: tuple[FakeLinks, FakeFallbacks]) -> None:
    assert "Strict-Transport-Security" in call("GET", f"/{SLUG}")["headers"]
    plain = call("GET", f"/{SLUG}", **{"x-forwarded-proto": "http"})

    assert "Strict-Transport-Security" not in plain["headers"]
    assert plain["headers"]["Location"] == LINK


def test_without_a_host_header_the_api_gateway_domain_name_is_used(reads: tuple[FakeLinks, FakeFallbacks]) -> None:
    event = http_event("GET", f"/{SLUG}", headers={"host": HOST})
    del event["headers"]["host"]

    assert redirect.handler(event, None)["headers"]["Location"] == LINK


def test_a_failed_read_is_a_503_with_a_log_line_and_a_metric(
    reads: tuple[FakeLinks, FakeFallbacks],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Throttled:
        def target(self, slug: str) -> RedirectTarget | None:
            raise ConnectionError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(wiring, "redirect_ports", lambda: RedirectPorts(Throttled(), FakeFallbacks()))

    response = call("GET", f"/{SLUG}")

    assert response["statusCode"] == 503 and response["headers"]["Retry-After"] == "1"
    assert [
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] for line in metric_lines(capsys.readouterr().out)
    ] == ["LinkReadFailed"]
    [record] = [r for r in caplog.records if r.getMessage() == "a short-link read failed"]
    assert record.levelname == "ERROR"
    assert record.exc_info is not None and isinstance(record.exc_info[1], ConnectionError)


def test_the_response_is_json_and_what_api_gateway_takes(reads: tuple[FakeLinks, FakeFallbacks]) -> None:
    response = call("GET", f"/{SLUG}")

    assert set(response) == {"statusCode", "headers", "body"}
    assert json.loads(json.dumps(response)) == response
    assert all(isinstance(value, str) and value.isascii() for value in response["headers"].values())


def test_metric_line_is_the_embedded_metric_format() -> None:
    line = json.loads(emf.metric_line("LinkFallback", {"ErrorCode": "30104"}, timestamp_ms=1234))

    assert line == {
        "_aws": {
            "Timestamp": 1234,
            "CloudWatchMetrics": [
                {
                    "Namespace": emf.NAMESPACE,
                    "Dimensions": [["service", "ErrorCode"]],
                    "Metrics": [{"Name": "LinkFallback", "Unit": "Count"}],
                }
            ],
        },
        "service": emf.SERVICE,
        "ErrorCode": "30104",
        "LinkFallback": 1,
    }
