"""Run one function now against a running local stack, as a fresh Lambda container would.

    python -m local.invoke cert_expiry                 # a scheduled-rule function: a Scheduled Event
    python -m local.invoke dispatch --event event.json # any function, with an event of your own

It reads the stack's state file (``$BRANDLINK_STATE_DIR/local.json``), takes its environment (the
moto endpoint, table and queue names), runs the handler in this process and prints its result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from brandlink import resources
from local.config import default_state_file
from local.events import scheduled_event
from local.rules import rule_arn
from local.state import StateFileError, process_alive, read_state


class InvokeError(RuntimeError):
    pass


def default_event(spec: resources.FunctionSpec, region: str, api_url: str, redirect_url: str) -> dict[str, Any]:
    if spec.schedule_expression:
        return scheduled_event(rule_arn(spec.logical, region))
    if spec.queue_trigger:
        raise InvokeError(
            f"{spec.logical} is fed by the SQS queue {spec.queue_trigger.queue!r}, which the running stack "
            "polls: send a message to that queue, or pass --event with an SQS event."
        )
    url = api_url if spec.http_api == "management" else redirect_url
    raise InvokeError(f"{spec.logical} serves HTTP at {url}: call it there, or pass --event with an HTTP API event.")


def load_event(source: str) -> dict[str, Any]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvokeError(f"--event {source} is not JSON: {exc}") from None
    if not isinstance(event, dict):
        raise InvokeError(f"--event {source} must hold a JSON object.")
    return event


def invoke(function_name: str, state_file: Path, event_source: str | None) -> Any:
    specs = {spec.logical: spec for spec in resources.DECLARED_FUNCTIONS}
    spec = specs.get(function_name)
    if spec is None:
        raise InvokeError(f"No function {function_name!r}; choose one of: {', '.join(specs)}.")
    try:
        state = read_state(state_file)
    except StateFileError as exc:
        raise InvokeError(str(exc)) from None
    if not process_alive(int(state.get("pid", 0))):
        raise InvokeError(f"The stack that wrote {state_file} is no longer running: start it with `make run`.")
    environment: dict[str, str] = state["environment"]
    from local.lambda_runtime import HandlerNotBuilt, LambdaFunction, service_name

    # Before the handler is imported: Powertools reads its service name at import time, and the
    # settings are read once. This process is the function's container, as in Lambda.
    os.environ.update(environment)
    os.environ["POWERTOOLS_SERVICE_NAME"] = service_name(spec.logical)
    from brandlink.config import settings

    settings.cache_clear()

    region = environment.get("AWS_REGION", "us-east-1")
    if event_source is not None:
        event = load_event(event_source)
    else:
        event = default_event(spec, region, state["api_url"], state["redirect_url"])
    try:
        return LambdaFunction(spec, region, isolation="in_process").invoke(event)
    except HandlerNotBuilt as exc:
        raise InvokeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("function", help="logical name from brandlink.resources.DECLARED_FUNCTIONS, e.g. cert_expiry")
    parser.add_argument("--event", help="a JSON file with the event to send ('-' reads standard input)")
    parser.add_argument("--state", type=Path, default=None, help="the stack's state file")
    args = parser.parse_args(argv)
    state_file = args.state or default_state_file(os.environ)
    try:
        result = invoke(args.function, state_file, args.event)
    except InvokeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
