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
client is built at import: that is Lambda's init, so with SnapStart the snapshot holds it; no
connection is opened before the first tap.

Seam for click capture (the next issue): a tap will also send one SQS message (raw facts: slug,
host, method, user agent, time). Start that ``SendMessage`` on a small executor right after
``tap_of`` and wait for it after ``answer``, so the read and the send overlap; create the executor
on the first tap, not at import (threads and their state must not come out of a SnapStart snapshot).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from brandlink import emf, wiring
from brandlink.core.common.dates import now_epoch
from brandlink.core.common.errors import ErrorCode
from brandlink.core.links.redirect import Response, Tap, answer, host_of, unavailable

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

METRIC_NAMES = {ErrorCode.LINK_FALLBACK: "LinkFallback", ErrorCode.LINK_NOT_FOUND: "LinkNotFound"}
READ_FAILED_METRIC = "LinkReadFailed"

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


def respond(tap: Tap) -> Response:
    ports = wiring.redirect_ports()
    try:
        response = answer(tap, ports.links, ports.fallbacks, now_epoch())
    except Exception:  # a read failed (throttled, timed out, an outage): the tap gets a 503, never a 500
        logger().exception("a short-link read failed", extra={"host": tap.host, "path": tap.path[:64]})
        emf.count(READ_FAILED_METRIC)
        return unavailable(tap)
    if response.code is not None:
        emf.count(METRIC_NAMES[response.code], ErrorCode=str(int(response.code)))
    return response


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = respond(tap_of(event))
    return {"statusCode": response.status, "headers": response.headers, "body": response.body}
