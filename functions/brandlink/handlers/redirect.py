"""Lambda entry point of the redirect: ``GET``/``HEAD /{slug}`` and ``/`` on every short domain.

The hot path: parse the API Gateway event into a ``Tap``, one core call
(``core.links.redirect.answer``: one ``GetItem``, and the domain's fallback only when needed), return
the response. What it decides is documented there and in docs/links.md ("The redirect").

Cold start is kept close to the floor of ``import boto3`` + its clients (``python -m bench.cold_start
--function redirect``): no Powertools event handler (a tap is a dictionary lookup, not a route
table), no pynamodb, no X-Ray SDK (Lambda's active tracing still records each invocation; Powertools
Tracer would import and patch the SDK at init, about 70 ms). Metrics are EMF lines written by
``brandlink.emf`` (a count for each fallback, 404 and failed read; nothing for a plain redirect), and
Powertools Logger is imported only when there is something to log (a failed read). The DynamoDB
and SQS clients are built at import: that is Lambda's init, so with SnapStart the snapshot holds
them; no connection is opened before the first tap.

Click capture (``core.clicks.capture``): a GET or HEAD of a well-formed slug also sends one message to
the clicks queue, a ``Tap`` of raw facts (request id, slug, host, method, user agent, time); the clicks
worker resolves the slug and decides whether it becomes a click or preview event. The send starts
on a background thread before the read and is waited for after ``answer``, so the two calls overlap;
the thread is made by the first tap, never at init (threads do not survive a SnapStart snapshot).
A send that fails or takes longer than ``capture.WAIT_SECONDS`` never fails the tap: it is logged and
counted (``TapNotCaptured``, alarmed).
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from brandlink import emf, wiring
from brandlink.core.clicks import model as clicks
from brandlink.core.clicks.capture import CaptureFailed, Pending, capturable
from brandlink.core.common.dates import now_epoch
from brandlink.core.common.errors import ErrorCode
from brandlink.core.links.redirect import RedirectPorts, Response, Tap, answer, host_of, unavailable

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

METRIC_NAMES = {ErrorCode.LINK_FALLBACK: "LinkFallback", ErrorCode.LINK_NOT_FOUND: "LinkNotFound"}
READ_FAILED_METRIC = "LinkReadFailed"
NOT_CAPTURED_METRIC = "TapNotCaptured"

wiring.redirect_ports()  # the client, built at init (no network): see the module docstring


@cache
def logger() -> Logger:
    """Powertools Logger, imported on the first line to log (never on a plain tap)."""
    from aws_lambda_powertools import Logger

    return Logger()


def tap_of(event: dict[str, Any]) -> Tap:
    """The request of an API Gateway HTTP API (payload 2.0) event."""
    headers: dict[str, str] = event.get("headers") or {}
    context: dict[str, Any] = event.get("requestContext") or {}
    http: dict[str, Any] = context.get("http") or {}
    return Tap(
        method=str(http.get("method") or "GET").upper(),
        path=event.get("rawPath") or http.get("path") or "/",
        host=host_of(headers.get("host") or context.get("domainName")),
        https=headers.get("x-forwarded-proto", "https").lower() != "http",
    )


def respond(tap: Tap, now: float, ports: RedirectPorts) -> Response:
    try:
        response = answer(tap, ports.links, ports.fallbacks, now)
    except Exception:  # a read failed (throttled, timed out, an outage): the tap gets a 503, never a 500
        logger().exception("a short-link read failed", extra={"host": tap.host, "path": tap.path[:64]})
        emf.count(READ_FAILED_METRIC)
        return unavailable(tap)
    if response.code is not None:
        emf.count(METRIC_NAMES[response.code], ErrorCode=str(int(response.code)))
    return response


def start_capture(tap: Tap, event: dict[str, Any], now: float, ports: RedirectPorts) -> Pending | None:
    """Start sending the tap of a slug to the clicks queue (None: nothing to report, or capture is off)."""
    capture = ports.capture
    slug = capturable(tap.method, tap.path, tap.host)
    if capture is None or slug is None:
        return None
    context: dict[str, Any] = event.get("requestContext") or {}
    headers: dict[str, str] = event.get("headers") or {}
    try:
        return capture.start(
            clicks.Tap(
                tap_id=str(context.get("requestId") or os.urandom(16).hex()),
                slug=slug,
                host=str(tap.host),
                method=tap.method,
                user_agent=headers.get("user-agent", ""),
                at_ms=int(now * 1000),
            )
        )
    except Exception as exc:  # e.g. no thread could be started: the redirect still answers
        not_captured(tap, CaptureFailed(f"{type(exc).__name__}: {exc}"))
        return None


def not_captured(tap: Tap, failure: CaptureFailed) -> None:
    what = "may reach the clicks queue late" if failure.late else "was not sent to the clicks queue"
    logger().error(f"a tap {what}: {failure.cause}", extra={"host": tap.host, "path": tap.path[:64]})
    emf.count(NOT_CAPTURED_METRIC)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = now_epoch()
    tap = tap_of(event)
    ports = wiring.redirect_ports()
    pending = start_capture(tap, event, now, ports)
    response = respond(tap, now, ports)
    if pending is not None:
        try:
            pending.wait()
        except CaptureFailed as failure:
            not_captured(tap, failure)
    return {"statusCode": response.status, "headers": response.headers, "body": response.body}
