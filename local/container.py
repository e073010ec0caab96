"""One Lambda execution environment ("container"): a process that imports one handler and runs
one event at a time, as ``python -m local.container FD HANDLER FUNCTION``.

Why a process and not a thread of the runner: handler modules keep per-invocation state in
module-level objects, as Lambda allows (each container has its own interpreter). Powertools'
event handler stores the current event on a class attribute shared by every resolver, and its
``BatchProcessor`` and Logger keys live on shared instances; two invocations on two threads of one
interpreter would read each other's event, batch and log keys. A process per container also gives
each function its own ``POWERTOOLS_SERVICE_NAME`` and lets invocations use every core.

The runner (``local.lambda_runtime``) talks to the container over the socket ``FD`` with
length-prefixed JSON frames (``multiprocessing.connection``): the container sends one init frame
(``{"init": "ready"}``, ``{"init": "not_built", ...}`` or ``{"init": "error", ...}``), then answers
each ``{"event": ..., "context": {...}}`` with ``{"result": ...}`` or ``{"error": {...}}`` in
Lambda's error shape (``errorType``, ``errorMessage``, ``stackTrace``). The container ends when the
runner closes the socket. Its stdout and stderr are the runner's, so handler logs appear there.

This module is imported by every container before the handler: keep its imports light.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any


class HandlerNotBuilt(LookupError):
    """The function's handler module (or its handler attribute) does not exist in this build."""


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: None = None
    client_context: None = None
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))

    def fields(self) -> dict[str, Any]:
        """What crosses to a container (the clock starts again there, when the event arrives)."""
        return {
            "function_name": self.function_name,
            "memory_limit_in_mb": self.memory_limit_in_mb,
            "invoked_function_arn": self.invoked_function_arn,
            "timeout_seconds": self.timeout_seconds,
            "aws_request_id": self.aws_request_id,
            "function_version": self.function_version,
            "log_group_name": self.log_group_name,
            "log_stream_name": self.log_stream_name,
        }


def split_handler(dotted: str) -> tuple[str, str]:
    module, _, attribute = dotted.rpartition(".")
    return module, attribute


def module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def load_handler(dotted: str, function_name: str) -> Any:
    """Import ``package.module.attribute`` and return the callable, as Lambda's init does."""
    module_name, attribute = split_handler(dotted)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the handler module itself (or its package) being absent means "not built yet";
        # a missing dependency inside it is a real failure and propagates.
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise HandlerNotBuilt(
                f"The {function_name} function is not part of this build yet: module {module_name} does not exist."
            ) from None
        raise
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise HandlerNotBuilt(f"The {function_name} function's module {module_name} has no handler {attribute!r}.")
    return handler


def describe_error(exc: BaseException) -> dict[str, Any]:
    """Lambda's error shape for an exception raised by a handler (or by its import)."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def _send(connection: Connection, frame: dict[str, Any]) -> None:
    connection.send_bytes(json.dumps(frame).encode())


def _answer(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    context = LocalLambdaContext(**request["context"])
    try:
        result = handler(request["event"], context)
    except Exception as exc:
        return {"error": describe_error(exc)}
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return {
            "error": {
                "errorType": "Runtime.MarshalError",
                "errorMessage": f"Unable to marshal response: {exc}",
                "stackTrace": [],
            }
        }
    return {"result": result}


def serve(connection: Connection, handler_path: str, function_name: str) -> int:
    try:
        handler = load_handler(handler_path, function_name)
    except HandlerNotBuilt as exc:
        _send(connection, {"init": "not_built", "message": str(exc)})
        return 0
    except Exception as exc:
        _send(connection, {"init": "error", "error": describe_error(exc)})
        return 1
    _send(connection, {"init": "ready"})
    while True:
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):  # the runner closed the container
            return 0
        reply = _answer(handler, request)
        sys.stdout.flush()
        sys.stderr.flush()
        _send(connection, reply)


def main(argv: list[str]) -> int:
    # Ctrl+C in `make run` reaches the whole process group; the runner decides when containers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from local.clock import install_from_environment
    from local.logs import configure_logging

    configure_logging()
    install_from_environment(os.environ)  # before the handler's init, as its only clock
    fd, handler_path, function_name = int(argv[0]), argv[1], argv[2]
    connection = Connection(fd)
    try:
        return serve(connection, handler_path, function_name)
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
