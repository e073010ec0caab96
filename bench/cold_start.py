"""Cold-start cost of each Lambda handler against the floor of boto3 and the same clients.

For every function in ``brandlink.resources.DECLARED_FUNCTIONS`` it starts fresh interpreters and times
(a) ``import boto3`` + creating the AWS clients the function uses (the floor), and
(b) importing the handler module + creating the same clients (the handler's init).
It prints the median over several processes for both and the difference, and (the "paired" columns)
the median of each run's difference and ratio: a run times the floor and then the handler, one
right after the other, so the load of a shared machine affects both alike. A handler that builds
some clients at import (``BUILT_AT_IMPORT``: the redirect, for SnapStart) is not given them again;
the bench builds the rest from the same botocore session, as the handler will.

The processes see the environment a deployed function sees at init: ``LAMBDA_TASK_ROOT`` (the X-Ray
recorder then samples locally instead of building an X-Ray client, and Powertools Tracer knows it
runs in Lambda) and active tracing (``POWERTOOLS_TRACE_DISABLED`` unset, so Tracer patches at init).
Both sides read bytecode from a private cache filled by a warm-up run. ``--no-bytecode`` compiles
what the asset ships (dependencies and brandlink) from source on every run instead, as Lambda does
with an asset holding no ``.pyc`` files; the standard library keeps its bytecode, as in the runtime.

    python -m bench.cold_start [--runs 7] [--no-bytecode] [--function redirect ...] [--redirect-variants]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
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
    "token_decrypt": "kms",  # opens sealed auth tokens
    "provider_verification": None,  # only with senderVerificationFrom, then the provider's clients
}

_TIMER = """
import time, sys
start = time.perf_counter()
{body}
clients = [{factory}(name) for name in {clients!r}]
print(time.perf_counter() - start)
"""
BOTO3_CLIENT = "boto3.client"
# Handlers that build some of their clients at import (their init, so SnapStart snapshots them): the
# bench does not build those again, and builds the others from the same session, as the handler will.
BUILT_AT_IMPORT = {"redirect": ("dynamodb",)}
SHARED_SESSION_CLIENT = "__import__('brandlink.aws_session').aws_session.client"


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


# Variables of the developer's shell that would make the child differ from a deployed function.
_NOT_IN_LAMBDA = ("POWERTOOLS_TRACE_DISABLED", "POWERTOOLS_DEV", "PYTHONDONTWRITEBYTECODE", "AWS_ENDPOINT_URL")


def lambda_environment(spec: resources.FunctionSpec, bytecode_cache: Path) -> dict[str, str]:
    """What ``spec``'s function sees at init in AWS, reading bytecode from ``bytecode_cache``."""
    env = {name: value for name, value in os.environ.items() if name not in _NOT_IN_LAMBDA}
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT}",
            "PYTHONPYCACHEPREFIX": str(bytecode_cache),
            "LAMBDA_TASK_ROOT": str(ROOT / "functions"),
            "AWS_LAMBDA_FUNCTION_NAME": f"brandlink-{spec.logical}",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_SERVICE_NAME": f"brandlink-{spec.logical.replace('_', '-')}",
            "POWERTOOLS_METRICS_NAMESPACE": "Brandlink",
            "BRANDLINK_MODE": "aws",
        }
    )
    return env


def _drop_asset_bytecode(bytecode_cache: Path) -> None:
    """Forget the bytecode of what the Lambda asset ships (dependencies, brandlink), keep the stdlib's."""
    for source in (Path(sysconfig.get_paths()["purelib"]), ROOT / "functions"):
        shutil.rmtree(bytecode_cache / source.absolute().relative_to(source.absolute().anchor), ignore_errors=True)


def _time_once(body: str, clients: list[str], env: dict[str, str], factory: str = BOTO3_CLIENT) -> float:
    code = _TIMER.format(body=body, clients=clients, factory=factory)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(runs: int, *, compile_every_run: bool = False, only: tuple[str, ...] = ()) -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT / "functions"))
    specs = [spec for spec in resources.DECLARED_FUNCTIONS if not only or spec.logical in only]
    with tempfile.TemporaryDirectory(prefix="brandlink-bench-pyc-") as cache:
        return [_measure_function(spec, runs, Path(cache), compile_every_run) for spec in specs]


def _measure_function(
    spec: resources.FunctionSpec, runs: int, bytecode_cache: Path, compile_every_run: bool
) -> dict[str, object]:
    module = spec.handler.rsplit(".", 1)[0]
    clients = clients_of(spec)
    if not spec.built or importlib.util.find_spec(module) is None:
        return {"function": spec.logical, "module": module, "clients": clients, "built": False}
    env = lambda_environment(spec, bytecode_cache)
    built = BUILT_AT_IMPORT.get(spec.logical, ())
    rest = [name for name in clients if name not in built]
    factory = SHARED_SESSION_CLIENT if built else BOTO3_CLIENT
    # A warm-up run fills the private bytecode cache and the OS file cache.
    _time_once(f"import {module}; import boto3", rest, env, factory)
    if compile_every_run:
        _drop_asset_bytecode(bytecode_cache)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    floor, init = [], []
    for _ in range(runs):
        floor.append(_time_once("import boto3", clients, env))
        init.append(_time_once(f"import {module}; import boto3", rest, env, factory))
    return {
        "function": spec.logical,
        "module": module,
        "clients": clients,
        "built": True,
        "floor_ms": statistics.median(floor) * 1000,
        "init_ms": statistics.median(init) * 1000,
        # Each run measures the floor and then the handler: the median of those pairs' differences and
        # ratios cancels the load of a shared machine better than the difference of the two medians.
        "paired_cost_ms": statistics.median(i - f for f, i in zip(floor, init, strict=True)) * 1000,
        "paired_ratio": statistics.median(i / f for f, i in zip(floor, init, strict=True)),
    }


REDIRECT_HANDLER = "import brandlink.handlers.redirect; import boto3"
# What the redirect leaves off its init, each added back on its own (``--redirect-variants``).
REDIRECT_VARIANTS = {
    "as built": REDIRECT_HANDLER,
    "+ Powertools Logger and Metrics built at init": (
        f"{REDIRECT_HANDLER}; from aws_lambda_powertools import Logger, Metrics; Logger(); Metrics()"
    ),
    "+ brandlink.observability (Powertools Tracer: X-Ray SDK, botocore patched)": (
        f"{REDIRECT_HANDLER}; import brandlink.observability"
    ),
    "+ pynamodb and a store model (brandlink.store.domains)": f"{REDIRECT_HANDLER}; import brandlink.store.domains",
    "+ Powertools APIGatewayHttpResolver": (
        f"{REDIRECT_HANDLER}; from aws_lambda_powertools.event_handler import APIGatewayHttpResolver; "
        "APIGatewayHttpResolver()"
    ),
}


def redirect_variants(runs: int) -> str:
    """The redirect's init with each piece it leaves out added back, against the same floor."""
    sys.path.insert(0, str(ROOT / "functions"))
    spec = next(spec for spec in resources.DECLARED_FUNCTIONS if spec.logical == "redirect")
    clients, rest = clients_of(spec), [name for name in clients_of(spec) if name not in BUILT_AT_IMPORT["redirect"]]
    with tempfile.TemporaryDirectory(prefix="brandlink-bench-pyc-") as cache:
        env = lambda_environment(spec, Path(cache))
        for body in REDIRECT_VARIANTS.values():  # warm-up: bytecode and file caches
            _time_once(body, rest, env, SHARED_SESSION_CLIENT)
        floor: list[float] = []
        times: dict[str, list[float]] = {name: [] for name in REDIRECT_VARIANTS}
        for _ in range(runs):  # alternating, so load drifts affect every variant alike
            floor.append(_time_once("import boto3", clients, env))
            for name, body in REDIRECT_VARIANTS.items():
                times[name].append(_time_once(body, rest, env, SHARED_SESSION_CLIENT))
    base = statistics.median(floor)
    lines = [
        f"Redirect init variants: median of {runs} alternating runs; floor (boto3 + {', '.join(clients)}) "
        f"{base * 1000:.0f} ms",
        "",
        "| redirect init | ms | over the floor |",
        "|---|---:|---:|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median * 1000:.0f} | {(median - base) * 1000:+.0f} ms ({median / base:.2f}x) |")
    return "\n".join(lines)


def render(rows: list[dict[str, object]], runs: int, *, compile_every_run: bool = False) -> str:
    bytecode = "every module compiled from source" if compile_every_run else "bytecode cached"
    lines = [
        f"Cold start: median of {runs} fresh processes, Python {sys.version.split()[0]}, {bytecode}",
        "",
        "| function | clients | floor: boto3 + clients (ms) | handler import + clients (ms) "
        "| handler's own cost (ms) | ratio | paired: own cost (ms) | paired: ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        clients = ", ".join(row["clients"]) or "none"  # type: ignore[arg-type]
        if not row["built"]:
            lines.append(f"| {row['function']} | {clients} | - | not built yet | - | - | - | - |")
            continue
        floor, init = float(row["floor_ms"]), float(row["init_ms"])  # type: ignore[arg-type]
        cost, ratio = float(row["paired_cost_ms"]), float(row["paired_ratio"])  # type: ignore[arg-type]
        lines.append(
            f"| {row['function']} | {clients} | {floor:.0f} | {init:.0f} | {init - floor:+.0f} | {init / floor:.2f}x "
            f"| {cost:+.0f} | {ratio:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print raw JSON rows")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="compile every module on each run (an asset without .pyc files)"
    )
    parser.add_argument(
        "--function", action="append", default=[], help="measure only this function (repeatable), e.g. redirect"
    )
    parser.add_argument(
        "--redirect-variants", action="store_true", help="the redirect's init with each left-out piece added back"
    )
    args = parser.parse_args(argv)
    if args.redirect_variants:
        print(redirect_variants(args.runs))
        return
    rows = measure(args.runs, compile_every_run=args.no_bytecode, only=tuple(args.function))
    print(json.dumps(rows, indent=2) if args.json else render(rows, args.runs, compile_every_run=args.no_bytecode))


if __name__ == "__main__":
    main()
