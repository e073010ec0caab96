"""Cold-start cost of each Lambda handler against the floor of boto3 and the same clients.

For every function in ``brandlink.resources.FUNCTIONS`` it starts fresh interpreters and times
(a) ``import boto3`` + creating the AWS clients the function uses (the floor), and
(b) importing the handler module + creating the same clients (the handler's init).
It prints the median over several processes for both and the difference.

    python -m bench.cold_start [--runs 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from brandlink import resources

ROOT = Path(__file__).resolve().parent.parent

_CAPABILITY_CLIENTS = {
    "scheduler": "scheduler",
    "acm": "acm",
    "apigateway_domains": "apigatewayv2",
    "alerts_topic": "sns",
    "metrics": None,  # Powertools Metrics emits EMF log lines, no client
    "provider_secret": "secretsmanager",
    "provider_sms": None,  # depends on the provider chosen; outbox needs none
    "kms_certificates": "kms",
}

_TIMER = """
import time, sys
start = time.perf_counter()
{body}
clients = [boto3.client(name) for name in {clients!r}]
print(time.perf_counter() - start)
"""


def clients_of(spec: resources.FunctionSpec) -> list[str]:
    names: list[str] = []
    if spec.tables_read or spec.tables_write:
        names.append("dynamodb")
    if spec.queues_send:
        names.append("sqs")
    for capability in spec.capabilities:
        client = _CAPABILITY_CLIENTS.get(capability)
        if client and client not in names:
            names.append(client)
    return names


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "Brandlink",
            "BRANDLINK_MODE": "aws",
            "PYTHONDONTWRITEBYTECODE": "0",
        }
    )
    return env


def _time_once(body: str, clients: list[str], env: dict[str, str]) -> float:
    code = _TIMER.format(body=body, clients=clients)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(runs: int) -> list[dict[str, object]]:
    env = _environment()
    sys.path.insert(0, str(ROOT / "functions"))
    rows: list[dict[str, object]] = []
    for spec in resources.FUNCTIONS:
        module = spec.handler.rsplit(".", 1)[0]
        clients = clients_of(spec)
        if importlib.util.find_spec(module) is None:
            rows.append({"function": spec.logical, "module": module, "clients": clients, "built": False})
            continue
        # One warm-up run each so both sides read .pyc files, as a Lambda image does.
        _time_once(f"import {module}; import boto3", clients, env)
        floor, init = [], []
        for _ in range(runs):
            floor.append(_time_once("import boto3", clients, env))
            init.append(_time_once(f"import {module}; import boto3", clients, env))
        rows.append(
            {
                "function": spec.logical,
                "module": module,
                "clients": clients,
                "built": True,
                "floor_ms": statistics.median(floor) * 1000,
                "init_ms": statistics.median(init) * 1000,
            }
        )
    return rows


def render(rows: list[dict[str, object]], runs: int) -> str:
    lines = [
        f"Cold start: median of {runs} fresh processes, Python {sys.version.split()[0]}",
        "",
        "| function | clients | floor: boto3 + clients (ms) | handler import + clients (ms) "
        "| handler's own cost (ms) | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        clients = ", ".join(row["clients"]) or "none"  # type: ignore[arg-type]
        if not row["built"]:
            lines.append(f"| {row['function']} | {clients} | - | not built yet | - | - |")
            continue
        floor, init = float(row["floor_ms"]), float(row["init_ms"])  # type: ignore[arg-type]
        lines.append(
            f"| {row['function']} | {clients} | {floor:.0f} | {init:.0f} | {init - floor:+.0f} | {init / floor:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print raw JSON rows")
    args = parser.parse_args(argv)
    rows = measure(args.runs)
    print(json.dumps(rows, indent=2) if args.json else render(rows, args.runs))


if __name__ == "__main__":
    main()
