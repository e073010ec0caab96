"""The local stack under concurrent clients: requests/s, p50/p99 and dropped connections of
``GET /2010-04-01/Accounts/{AC}.json`` (Basic auth) through the management gateway, or with
``--method POST`` of the same URL with a small form (``FriendlyName``: an account update, the
kind of request that sends a body right after connecting).

Starts ``python -m local`` as a child process (free ports, a state directory of its own), or uses a
running stack (``--state``). For each number of clients, every client is a thread with
``http.client`` that opens a new connection per request, as the ``twilio`` client and curl do
against a server that closes connections. A short warm-up at the same concurrency runs first, so
function containers started on demand do not count as request time. A request fails when the
connection is refused, reset or closed without an answer, or when the answer is not a 200.

    python -m bench.bench_gateway_load [--clients 1,10,50] [--requests 300] [--method GET|POST] [--state FILE]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 60.0
UPDATE_FORM = b"FriendlyName=Local+account"


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    authorization: str  # "": no Authorization header
    method: str = "GET"
    host_header: str | None = None  # the Host to send (e.g. a short domain), else the address's
    expected_status: int = 200


@dataclass
class LevelResult:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.failures.values())

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def line(self) -> str:
        failures = ", ".join(f"{kind} {count}" for kind, count in self.failures.most_common()) or "none"
        rate = len(self.latencies_ms) / self.seconds if self.seconds else 0.0
        p50 = statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")
        return (
            f"{self.clients:>3} clients  {self.requests:>5} requests  {rate:8.1f} ok/s  "
            f"p50 {p50:7.1f} ms  p99 {self.percentile(0.99):7.1f} ms  failed: {failures}"
        )


def target_from_state(state: dict[str, Any], method: str = "GET") -> Target:
    parts = urlsplit(state["api_url"])
    sid, token = state["account_sid"], state["auth_token"]
    credentials = base64.b64encode(f"{sid}:{token}".encode()).decode()
    path = f"/2010-04-01/Accounts/{sid}.json"
    return Target(parts.hostname or "127.0.0.1", parts.port or 80, path, credentials, method)


def one_request(target: Target) -> tuple[float | None, str | None]:
    """(latency in ms, None) for the expected status (200); (None, what went wrong) otherwise."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(target.host, target.port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        headers = {"Authorization": f"Basic {target.authorization}"} if target.authorization else {}
        if target.host_header:
            headers["Host"] = target.host_header
        if target.method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request("POST", target.path, body=UPDATE_FORM, headers=headers)
        else:
            connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        response.read()
    except OSError as exc:  # ConnectionResetError, ConnectionRefusedError, BrokenPipeError, TimeoutError
        return None, type(exc).__name__
    except http.client.HTTPException as exc:  # RemoteDisconnected: closed without an answer
        return None, type(exc).__name__
    finally:
        connection.close()
    if response.status != target.expected_status:
        return None, f"HTTP {response.status}"
    return (time.perf_counter() - started) * 1000, None


def run_level(target: Target, clients: int, requests: int) -> LevelResult:
    """``requests`` requests shared by ``clients`` threads, each sending one request at a time."""
    remaining = iter(range(requests))
    claim = threading.Lock()
    start = threading.Barrier(clients + 1)
    result = LevelResult(clients, 0.0)
    record = threading.Lock()

    def client() -> None:
        start.wait()
        while True:
            with claim:
                if next(remaining, None) is None:
                    return
            latency, failure = one_request(target)
            with record:
                if failure is None:
                    result.latencies_ms.append(latency or 0.0)
                else:
                    result.failures[failure] += 1

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


def child_environment(state_dir: Path) -> dict[str, str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "BRANDLINK_", "POWERTOOLS_"))
    }
    environment.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
            "BRANDLINK_API_PORT": "0",
            "BRANDLINK_LINKS_PORT": "0",
            "BRANDLINK_STATE_DIR": str(state_dir),
        }
    )
    return environment


@contextlib.contextmanager
def local_stack() -> Iterator[dict[str, Any]]:
    """``python -m local`` on free ports until the block ends; yields its state file's contents."""
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as directory:
        state_dir = Path(directory)
        state_file, log_file = state_dir / "local.json", state_dir / "stack.log"
        with log_file.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "local"],
                cwd=ROOT,
                env=child_environment(state_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while not state_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the local stack did not start:\n{log_file.read_text(errors='replace')}")
                time.sleep(0.1)
            yield json.loads(state_file.read_text())
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def measure(state: dict[str, Any], levels: list[int], requests: int, method: str) -> list[LevelResult]:
    target = target_from_state(state, method)
    results = []
    for clients in levels:
        warm_up = run_level(target, clients, max(2 * clients, 10))
        if warm_up.failures:
            print(f"    (warm-up at {clients} clients: failed {dict(warm_up.failures)})", flush=True)
        result = run_level(target, clients, max(requests, clients))
        print(result.line(), flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_gateway_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,10,50", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--requests", type=int, default=300, help="requests per level (after a warm-up)")
    parser.add_argument("--method", choices=("GET", "POST"), default="GET", help="fetch or update the account")
    parser.add_argument("--state", type=Path, help="the state file of a running stack (default: start one)")
    args = parser.parse_args(argv)
    levels = [int(value) for value in args.clients.split(",") if value.strip()]
    print(f"{args.method} /2010-04-01/Accounts/{{AC}}.json, {args.requests} requests per level, new connection each")
    if args.state is not None:
        measure(json.loads(args.state.read_text()), levels, args.requests, args.method)
        return
    with local_stack() as state:
        measure(state, levels, args.requests, args.method)


if __name__ == "__main__":
    main()
