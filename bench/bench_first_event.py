"""The first events of a cold-started function: what ``cold_start`` (the import) does not show.

A handler creates its AWS clients and loads its stores and adapters on its first event, so a cold
start costs the import plus a first event slower than the next ones. For the API (create message),
dispatch (outbox provider) and status callbacks (post to a local receiver), this starts a moto
server, seeds it from a setup process, then runs fresh processes in the environment of
``cold_start`` (Lambda's init: ``LAMBDA_TASK_ROOT``, active tracing, cached bytecode) pointed at
moto, with an X-Ray trace header as Lambda sets per invocation. Each imports the handler and calls
it with one event, then with a second of the same kind; the medians over the processes are printed.
"cold overhead" is init + first event - second event: what a cold start adds to a warm call.

    python -m bench.bench_first_event [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

from bench.cold_start import ROOT, lambda_environment
from brandlink import resources

FUNCTIONS = ("api", "dispatch", "status_callbacks")

_SETUP = r"""
import base64, json, sys, uuid
from urllib.parse import urlencode

import boto3

from local.events import http_event, sqs_event
from local.provision import provision

env = provision()
from brandlink import wiring
from brandlink.config import settings
from brandlink.core.accounts.actions import create_account
from brandlink.handlers.api import handler as api
from brandlink.store.accounts import DynamoAccountRepository
from local.lambda_runtime import context_for

count, callback_url = int(sys.argv[1]), sys.argv[2]
account, token = create_account(DynamoAccountRepository(), wiring.token_vault(), "bench")
auth = "Basic " + base64.b64encode(f"{account.sid}:{token}".encode()).decode()


def post(path, params):
    headers = {"host": "api.bench", "authorization": auth, "content-type": "application/x-www-form-urlencoded"}
    return http_event("POST", f"/2010-04-01/Accounts/{account.sid}/{path}", headers=headers, body=urlencode(params))


def call(event):
    response = api(event, context_for("bench", timeout_seconds=29))
    assert response["statusCode"] == 201, response
    return response


sender, recipient = "+14155552671", "+14155550100"
call(post("IncomingPhoneNumbers.json", {"PhoneNumber": sender}))
message = {"From": sender, "To": recipient, "Body": "Your code is 123456"}
api_events = [post("Messages.json", message) for _ in range(count)]

for _ in range(count):
    call(post("Messages.json", message))
sqs, send_queue = boto3.client("sqs"), settings().queue_url("send")
queued = []
while len(queued) < count:
    queued += sqs.receive_message(QueueUrl=send_queue, MaxNumberOfMessages=10).get("Messages", [])
dispatch_events = [sqs_event([m], settings().send_queue_arn) for m in queued[:count]]

callback_queue_arn = "arn:aws:sqs:us-east-1:000000000000:brandlink-status-callbacks"
callback_events = []
for _ in range(count):
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "sent"}
    job = json.dumps({"account_sid": account.sid, "url": callback_url, "params": params})
    record = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": job}
    callback_events.append(sqs_event([record], callback_queue_arn))
events = {"api": api_events, "dispatch": dispatch_events, "status_callbacks": callback_events}
print(json.dumps({"env": env, "events": events}))
"""

_MEASURE = r"""
import json, sys, time
start = time.perf_counter()
import {module} as function
init = time.perf_counter() - start

from local.lambda_runtime import context_for

timings = []
for event in json.loads(sys.stdin.read()):
    start = time.perf_counter()
    result = function.handler(event, context_for("bench", timeout_seconds=29))
    timings.append(time.perf_counter() - start)
    assert result.get("statusCode", 201) == 201 and not result.get("batchItemFailures"), result
print(json.dumps({{"init": init, "events": timings}}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _moto_server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


class _Accept(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def _callback_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/status"
    finally:
        server.shutdown()
        server.server_close()


def _function_env(
    spec: resources.FunctionSpec, bytecode_cache: Path, endpoint: str, provisioned: dict[str, str]
) -> dict[str, str]:
    env = lambda_environment(spec, bytecode_cache)
    env.update(provisioned)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "BRANDLINK_MODE": "local",  # the callback receiver is on 127.0.0.1
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{_free_port()}",
        }
    )
    return env


def _run(module: str, events: list[dict[str, Any]], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(module=module)],
        input=json.dumps(events),
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(runs: int) -> list[dict[str, Any]]:
    base = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    base.update({"PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}", "AWS_DEFAULT_REGION": "us-east-1"})
    base.update({"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    base.update({"BRANDLINK_MODE": "local", "POWERTOOLS_TRACE_DISABLED": "true"})
    per_process = 2
    count = per_process * (runs + 1)  # +1: the warm-up run that fills the bytecode cache
    rows = []
    with (
        _moto_server(base) as endpoint,
        _callback_receiver() as callback_url,
        tempfile.TemporaryDirectory(prefix="brandlink-bench-pyc-") as cache,
    ):
        setup_env = {**base, "AWS_ENDPOINT_URL": endpoint}
        out = subprocess.run(
            [sys.executable, "-c", _SETUP, str(count), callback_url],
            env=setup_env,
            capture_output=True,
            text=True,
            check=True,
        )
        seeded = json.loads(out.stdout.strip().splitlines()[-1])
        for logical in FUNCTIONS:
            spec = next(f for f in resources.FUNCTIONS if f.logical == logical)
            module = spec.handler.rsplit(".", 1)[0]
            env = _function_env(spec, Path(cache), endpoint, seeded["env"])
            events = seeded["events"][logical]
            results = [_run(module, events[i : i + per_process], env) for i in range(0, count, per_process)][1:]
            rows.append(
                {
                    "function": logical,
                    "init_ms": statistics.median(r["init"] for r in results) * 1000,
                    "first_ms": statistics.median(r["events"][0] for r in results) * 1000,
                    "second_ms": statistics.median(r["events"][1] for r in results) * 1000,
                }
            )
    return rows


def render(rows: list[dict[str, Any]], runs: int) -> str:
    lines = [
        f"First events after a cold start: median of {runs} fresh processes on moto server, "
        f"Python {sys.version.split()[0]}",
        "",
        "| function | event | init (ms) | first event (ms) | second event (ms) | cold overhead (ms) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    kinds = {"api": "POST Messages (From)", "dispatch": "1 record, outbox", "status_callbacks": "1 record"}
    for row in rows:
        init, first, second = row["init_ms"], row["first_ms"], row["second_ms"]
        lines.append(
            f"| {row['function']} | {kinds[row['function']]} | {init:.0f} | {first:.0f} | {second:.0f} "
            f"| {init + first - second:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(render(measure(args.runs), args.runs))


if __name__ == "__main__":
    main()
