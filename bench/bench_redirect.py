"""The redirect: its own cost per tap with the reads faked, and taps through the local stack.

Part 1 calls the Lambda entry point (``brandlink.handlers.redirect.handler``) with API Gateway events,
its two reads replaced by dictionaries: what remains is Brandlink's own work per tap (event parsing,
the decision, the headers, a metric line for a fallback or a 404). Goal: under 0.2 ms. In AWS a tap
adds one GetItem (a few ms), and the fallback's Query once per domain per minute per container.

Part 2 starts ``python -m local`` (or uses ``--state``), writes link items for the demo domain
``links.localhost`` into its ``links`` table and sends ``GET /{slug}`` with ``Host: links.localhost``
through the links gateway at several concurrencies, a new connection per request (as phones do):
requests/s and p50/p99, each answer a 302. Through the local stack a tap also pays the gateway, the
container hop and moto's GetItem (about 5 ms here): figures for comparing changes, not AWS's latency.

Between them, the wall time of a live tap when the link read and the clicks-queue send each take a
simulated round trip (``--io-ms``): capture off, capture on (the two calls overlapped, as built) and
the two in series (the design not taken), each as a ratio to the read alone.

    python -m bench.bench_redirect [--taps 20000] [--clients 1,10,50] [--requests 300] [--no-stack]
        [--io-ms 5] [--io-taps 200] [--state FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.bench_gateway_load import Target, local_stack, run_level
from brandlink import wiring
from brandlink.core.common import dates
from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord, RedirectTarget
from brandlink.core.links.redirect import FallbackCache, RedirectPorts, Tap, answer
from brandlink.core.links.slug_format import ALPHABET

NOW = 1_800_000_000.0
HOST = "go.brand.example"
SLUG = "AbCdEf1234"
LINK = "https://shop.example.com/orders/4711?utm_source=sms&utm_medium=text"
DEMO_DOMAIN = "links.localhost"
GOAL_US = 200.0


class DictLinks:
    def __init__(self, targets: dict[str, RedirectTarget]) -> None:
        self._targets = targets

    def target(self, slug: str) -> RedirectTarget | None:
        return self._targets.get(slug)


class DictFallbacks:
    def fallback_url(self, domain_name: str) -> str | None:
        return {HOST: "https://brand.example/"}.get(domain_name)


def event(method: str, path: str, host: str = HOST) -> dict[str, Any]:
    """An API Gateway HTTP API event as AWS sends it for a tap on a phone."""
    return {
        "version": "2.0",
        "routeKey": f"{method} /{{slug}}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": host,
            "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
            "accept": "text/html,application/xhtml+xml",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "domainName": host,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
            "stage": "$default",
            "timeEpoch": int(NOW * 1000),
        },
        "isBase64Encoded": False,
    }


def per_call_us(function: Callable[[], object], calls: int) -> float:
    best = float("inf")
    for _ in range(5):  # the best of five rounds: the least disturbed by other work on the machine
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - started) / calls)
    return best * 1e6


class NullTapQueue:
    """The clicks queue faked: accepts every tap at once (what remains is the capture's own work:
    the tap's JSON and the hand-off to the capture thread and back)."""

    def send(self, body: str) -> None:
        pass


@contextlib.contextmanager
def faked_reads(capture: bool = False, ports: RedirectPorts | None = None) -> Iterator[None]:
    from brandlink.core.clicks.capture import TapCapture

    if ports is None:
        ports = RedirectPorts(
            DictLinks({SLUG: RedirectTarget(LINK, HOST, int(NOW) + 86400)}),
            FallbackCache(DictFallbacks()),
            TapCapture(NullTapQueue()) if capture else None,
        )
    real = wiring.redirect_ports
    wiring.redirect_ports = lambda: ports  # type: ignore[assignment]
    dates.use_clock(lambda: NOW)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # the metric lines
        try:
            yield
        finally:
            wiring.redirect_ports = real  # type: ignore[assignment]
            dates.use_clock(None)


class SlowLinks(DictLinks):
    """The link read with a network round trip's latency (a sleep: the GIL is released, as in I/O)."""

    def __init__(self, targets: dict[str, RedirectTarget], seconds: float) -> None:
        super().__init__(targets)
        self._seconds = seconds

    def target(self, slug: str) -> RedirectTarget | None:
        time.sleep(self._seconds)
        return super().target(slug)


class SlowTapQueue:
    """The clicks queue's ``SendMessage`` with a network round trip's latency."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds

    def send(self, body: str) -> None:
        time.sleep(self._seconds)


def latency_per_tap(taps: int, read_ms: float, send_ms: float) -> list[tuple[str, float]]:
    """Wall time per live tap (median, ms) when the read and the send each take a round trip: what the
    issue's "capture must not double the redirect's cost" is about. Capture overlaps the two calls;
    the series line is the design not taken (read, then send), for comparison."""
    from brandlink.core.clicks.capture import TapCapture
    from brandlink.handlers.redirect import handler

    def median_ms(function: Callable[[], object]) -> float:
        samples = []
        for _ in range(taps):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
        samples.sort()
        return samples[len(samples) // 2] * 1e3

    def ports(capture: bool) -> RedirectPorts:
        links = SlowLinks({SLUG: RedirectTarget(LINK, HOST, int(NOW) + 86400)}, read_ms / 1e3)
        return RedirectPorts(
            links, FallbackCache(DictFallbacks()), TapCapture(SlowTapQueue(send_ms / 1e3)) if capture else None
        )

    live = event("GET", f"/{SLUG}")
    results = []
    with faked_reads(ports=ports(capture=False)):
        results.append(("capture off: the read alone", median_ms(lambda: handler(live, None))))
        results.append(
            (
                "capture in series: the read, then the send (not built)",
                median_ms(lambda: (handler(live, None), time.sleep(send_ms / 1e3))),
            )
        )
    with faked_reads(ports=ports(capture=True)):
        results.append(
            ("capture on: the send overlapped with the read (as built)", median_ms(lambda: handler(live, None)))
        )
    return results


def handler_costs(taps: int) -> list[tuple[str, float]]:
    from brandlink.handlers.redirect import handler

    links = DictLinks({SLUG: RedirectTarget(LINK, HOST, int(NOW) + 86400)})
    fallbacks = FallbackCache(DictFallbacks())
    cases: list[tuple[str, Callable[[], object]]] = [
        ("live link, GET -> 302 (the hot path)", lambda: handler(event("GET", f"/{SLUG}"), None)),
        ("live link, HEAD -> 302 (a link preview)", lambda: handler(event("HEAD", f"/{SLUG}"), None)),
        ("unknown slug -> fallback 302 + metric line", lambda: handler(event("GET", "/Unknown123"), None)),
        (
            "unknown slug, no fallback -> 404 page + metric line",
            lambda: handler(event("GET", "/Unknown123", "x.example"), None),
        ),
        ("malformed path -> 404 page, no read", lambda: handler(event("GET", "/favicon.ico"), None)),
        (
            "core decision alone (answer), live link",
            lambda: answer(Tap("GET", f"/{SLUG}", HOST), links, fallbacks, NOW),
        ),
    ]
    with faked_reads():
        costs = [(name, per_call_us(case, taps)) for name, case in cases]
    with faked_reads(capture=True):
        costs.insert(
            1,
            (
                "live link, GET -> 302, capture on (queue faked)",
                per_call_us(lambda: handler(event("GET", f"/{SLUG}"), None), taps),
            ),
        )
    return costs


def _dynamodb(state: dict[str, Any]) -> Any:
    import boto3

    env = state["environment"]
    return boto3.client(
        "dynamodb",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
    )


def stack_levels(state: dict[str, Any], levels: list[int], requests: int) -> None:
    slug = "".join(secrets.choice(ALPHABET) for _ in range(10))
    now = int(time.time())
    record = LinkRecord(
        slug=slug,
        link=LINK,
        message_sid="SM" + "0" * 32,
        account_sid=state["account_sid"],
        service_sid="MG" + "0" * 32,
        to="+14155550100",
        from_="+15005550006",
        domain_sid="DN" + "0" * 32,
        domain_name=DEMO_DOMAIN,
        created_at=now,
        expires_at=now + 90 * 86400,
    )
    _dynamodb(state).put_item(TableName=state["environment"]["BRANDLINK_TABLE_LINKS"], Item=records.to_item(record))
    links = urlsplit(state["redirect_url"])
    target = Target(
        links.hostname or "127.0.0.1",
        links.port or 80,
        f"/{slug}",
        authorization="",
        host_header=f"{DEMO_DOMAIN}:{links.port}",
        expected_status=302,
    )
    print(
        f"GET /{{slug}} with Host: {DEMO_DOMAIN} through the links gateway, {requests} requests per level, "
        "new connection each"
    )
    for clients in levels:
        warm_up = run_level(target, clients, max(2 * clients, 10))
        if warm_up.failures:
            print(f"    (warm-up at {clients} clients: failed {dict(warm_up.failures)})", flush=True)
        print(run_level(target, clients, max(requests, clients)).line(), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_redirect", description=__doc__.split("\n\n")[0])
    parser.add_argument("--taps", type=int, default=20_000, help="handler calls per case and round")
    parser.add_argument("--clients", default="1,10,50", help="comma-separated concurrencies through the stack")
    parser.add_argument("--requests", type=int, default=300, help="requests per level through the stack")
    parser.add_argument("--no-stack", action="store_true", help="only the handler's own cost")
    parser.add_argument("--io-ms", type=float, default=5.0, help="simulated round trip of the read and the send")
    parser.add_argument("--io-taps", type=int, default=200, help="taps per case of the simulated-latency part")
    parser.add_argument("--state", type=Path, help="the state file of a running stack (default: start one)")
    args = parser.parse_args(argv)
    print(f"Redirect handler, reads faked (Python {sys.version.split()[0]}; best of 5 rounds of {args.taps}):")
    for name, cost in handler_costs(args.taps):
        print(f"  {name:<55} {cost:7.1f} us   ({'within' if cost < GOAL_US else 'OVER'} the {GOAL_US:.0f} us goal)")
    read_ms, send_ms = args.io_ms, args.io_ms
    print(f"Wall time per live tap, the read and the send each {read_ms:g} ms (median of {args.io_taps}):")
    latencies = latency_per_tap(args.io_taps, read_ms, send_ms)
    alone = latencies[0][1]
    for name, ms in latencies:
        print(f"  {name:<58} {ms:6.2f} ms   {ms / alone:4.2f}x the read alone (goal for capture on: < 2x)")
    if args.no_stack:
        return
    levels = [int(value) for value in args.clients.split(",") if value.strip()]
    if args.state is not None:
        stack_levels(json.loads(args.state.read_text()), levels, args.requests)
        return
    with local_stack() as state:
        stack_levels(state, levels, args.requests)


if __name__ == "__main__":
    main()
