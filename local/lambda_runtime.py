"""Run a function of ``brandlink.resources.FUNCTIONS`` the way Lambda does: up to N invocations at
once, each in a container of its own that handles one event at a time.

A function owns ``concurrency`` slots (the spec's ``reserved_concurrency``, else the runner's
default). An invocation takes a free slot, preferring one whose container is warm, and starts a
container in it when it has none (a cold start); when every slot is busy it waits its turn, first
come first served, for up to ``queue_seconds`` and is then refused with :class:`Throttled` (the
gateway answers 429, as API Gateway does when Lambda throttles). A container is a process
(``local.container``), so invocations of one function run in parallel without sharing module
state, and each function logs with its own ``POWERTOOLS_SERVICE_NAME``. An invocation that runs
past the spec's timeout is stopped and its container replaced, as Lambda does.

``isolation="in_process"`` runs the handler in this process instead, one event at a time: for
``python -m local.invoke``, which is itself a one-off container, and for tests on in-process moto.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

from brandlink import resources
from local.config import DEFAULT_CONCURRENCY, DEFAULT_QUEUE_SECONDS
from local.container import (
    HandlerNotBuilt,
    LocalLambdaContext,
    load_handler,
    module_exists,
    split_handler,
)
from local.provision import ACCOUNT_ID

__all__ = [
    "ContainerPool",
    "FunctionError",
    "FunctionTimeout",
    "HandlerNotBuilt",
    "Invocable",
    "LambdaFunction",
    "LocalLambdaContext",
    "Throttled",
    "build_functions",
    "context_for",
    "service_name",
]

logger = logging.getLogger("local.lambda")

# Lambda allows 10 s of init; a shared 2-core machine starting ten containers at once needs more.
INIT_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 5.0


class Invocable(Protocol):
    """What the gateway and the pumps need of a function."""

    @property
    def name(self) -> str: ...

    def invoke(self, event: dict[str, Any]) -> Any: ...


class Throttled(RuntimeError):
    """Every container of the function stayed busy for the whole queueing time."""


class FunctionError(RuntimeError):
    """The handler raised (or its container failed); carries Lambda's error shape from the container."""

    def __init__(self, function: str, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.error_message = message
        self.stack_trace = "".join(stack_trace or ())

    def log_text(self) -> str:
        return self.stack_trace or str(self)


class FunctionTimeout(FunctionError):
    """The invocation ran past the function's timeout; its container was stopped."""


def service_name(logical: str) -> str:
    """The ``POWERTOOLS_SERVICE_NAME`` (and function name) the CDK gives a function (infra/functions.py)."""
    return f"brandlink-{logical.replace('_', '-')}"


def context_for(
    function_name: str, *, timeout_seconds: int = 30, memory_mb: int = 1024, region: str = "us-east-1"
) -> LocalLambdaContext:
    """A fresh context for one invocation of ``function_name`` (the runner, tests and benches use it)."""
    return LocalLambdaContext(
        function_name=function_name,
        memory_limit_in_mb=memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}",
        timeout_seconds=timeout_seconds,
        log_group_name=f"/aws/lambda/{function_name}",
    )


class ProcessContainer:
    """A ``python -m local.container`` child: the handler is imported at start (Lambda's init)."""

    def __init__(self, spec: resources.FunctionSpec, number: int) -> None:
        self._function = spec.logical
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{os.getpid()}-{number}"
        ours, theirs = socket.socketpair()
        with ours, theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "local.container", str(theirs.fileno()), spec.handler, spec.logical],
                pass_fds=[theirs.fileno()],
                env=self._environment(spec),
                stdin=subprocess.DEVNULL,
            )
            self._connection = Connection(os.dup(ours.fileno()))
        try:
            init = self._receive(INIT_TIMEOUT_SECONDS, "Runtime.InitTimeout")
        except BaseException:
            self.stop()
            raise
        if init.get("init") == "ready":
            return
        self.stop()
        if init.get("init") == "not_built":
            raise HandlerNotBuilt(str(init.get("message")))
        error = init.get("error") or {}
        raise FunctionError(
            self._function,
            str(error.get("errorType", "Runtime.InitError")),
            str(error.get("errorMessage", "")),
            list(error.get("stackTrace", [])),
        )

    @staticmethod
    def _environment(spec: resources.FunctionSpec) -> dict[str, str]:
        """This process's environment (the provisioned names, the moto endpoint), as Lambda's
        configuration, plus the function's own service name."""
        return {
            **os.environ,
            "POWERTOOLS_SERVICE_NAME": service_name(spec.logical),
            # The runner's import path, so that a container imports what the runner would.
            "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
            "PYTHONUNBUFFERED": "1",
        }

    def invoke(self, event: dict[str, Any], context: LocalLambdaContext) -> Any:
        request = json.dumps({"event": event, "context": context.fields()}).encode()
        try:
            self._connection.send_bytes(request)
        except OSError:  # it died while idle (killed from outside, out of memory)
            raise self._exit_error() from None
        reply = self._receive(float(context.timeout_seconds), "Runtime.Timeout")
        if "error" in reply:
            error = reply["error"]
            raise FunctionError(
                self._function, str(error["errorType"]), str(error["errorMessage"]), list(error["stackTrace"])
            )
        return reply["result"]

    def _receive(self, timeout: float, timeout_type: str) -> dict[str, Any]:
        try:
            ready = self._connection.poll(timeout)
            frame = self._connection.recv_bytes() if ready else None
        except (EOFError, OSError):
            raise self._exit_error() from None
        if frame is None:
            self.kill()
            self.stop()
            raise FunctionTimeout(self._function, timeout_type, f"Task timed out after {timeout:.2f} seconds")
        reply: dict[str, Any] = json.loads(frame)
        return reply

    def _exit_error(self) -> FunctionError:
        """The error for a container whose socket closed (it is exiting, or is killed if not)."""
        try:
            code = self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        return FunctionError(
            self._function, "Runtime.ExitError", f"The container exited (exit code {code}) before answering."
        )

    def stop(self) -> None:
        """Close the socket (the container exits at once when idle); kill it if it does not."""
        self._connection.close()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def kill(self) -> None:
        """Stop a container that may be running an event (at shutdown): its invoker gets an error."""
        if self._process.poll() is None:
            self._process.kill()


class InProcessContainer:
    """The handler imported into this process (``python -m local.invoke``, tests on in-process moto)."""

    def __init__(self, spec: resources.FunctionSpec, number: int) -> None:
        from local.clock import install_from_environment

        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{os.getpid()}-{number}"
        install_from_environment(os.environ)  # the running stack's clock, when this process has its environment
        self._handler = load_handler(spec.handler, spec.logical)

    def invoke(self, event: dict[str, Any], context: LocalLambdaContext) -> Any:
        return self._handler(event, context)

    def stop(self) -> None:
        return None

    def kill(self) -> None:
        return None


Container = ProcessContainer | InProcessContainer


@dataclass
class _Slot:
    number: int
    container: Container | None = None


class _Waiter:
    def __init__(self) -> None:
        self.ready = threading.Event()
        self.slot: _Slot | None = None


class ContainerPool:
    """``size`` slots handed out first come, first served: a released slot goes straight to the
    longest-waiting invocation, so a newcomer never overtakes a queued one; idle slots are reused
    warmest first (last released), as Lambda reuses a warm container before starting another."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._idle = [_Slot(number) for number in range(size, 0, -1)]
        self._waiters: collections.deque[_Waiter] = collections.deque()

    def acquire(self, timeout: float) -> _Slot | None:
        """A slot, or ``None`` when none came free within ``timeout`` seconds."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            waiter = _Waiter()
            self._waiters.append(waiter)
        if waiter.ready.wait(timeout):
            return waiter.slot
        with self._lock:
            if waiter.slot is not None:  # handed over just as the wait ended
                return waiter.slot
            self._waiters.remove(waiter)
        return None

    def release(self, slot: _Slot) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.slot = slot
                waiter.ready.set()
                return
            self._idle.append(slot)

    @property
    def waiting(self) -> int:
        """How many invocations wait for a slot now."""
        with self._lock:
            return len(self._waiters)

    @property
    def busy(self) -> int:
        with self._lock:
            return self.size - len(self._idle)


class LambdaFunction:
    """One function spec as Lambda runs it: a pool of containers, bounded by its concurrency."""

    def __init__(
        self,
        spec: resources.FunctionSpec,
        region: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        queue_seconds: float = DEFAULT_QUEUE_SECONDS,
        timeout_factor: int = 1,
        isolation: Literal["process", "in_process"] = "process",
    ) -> None:
        self.spec = spec
        self._region = region
        self._queue_seconds = queue_seconds
        self._timeout_seconds = spec.timeout_seconds * timeout_factor
        self._isolation = isolation
        # One interpreter cannot hold two invocations apart (see local.container): in-process is serial.
        limit = 1 if isolation == "in_process" else (spec.reserved_concurrency or concurrency)
        self._pool = ContainerPool(max(1, limit))
        self._containers: set[Container] = set()
        self._containers_lock = threading.Lock()
        self._closed = False
        self._built: bool | None = None

    @property
    def name(self) -> str:
        return self.spec.logical

    @property
    def deployed_name(self) -> str:
        return service_name(self.spec.logical)

    @property
    def concurrency(self) -> int:
        """How many invocations may run at once (Lambda's reserved concurrency, or the runner's default)."""
        return self._pool.size

    @property
    def pool(self) -> ContainerPool:
        return self._pool

    def is_built(self) -> bool:
        """Whether the spec says the function is built and the handler module is there (not imported)."""
        if self._built is None:
            self._built = self.spec.built and module_exists(split_handler(self.spec.handler)[0])
        return self._built

    def invoke(self, event: dict[str, Any]) -> Any:
        if self._isolation == "process" and not self.is_built():
            module = split_handler(self.spec.handler)[0]
            raise HandlerNotBuilt(
                f"The {self.name} function is not part of this build yet: module {module} does not exist."
            )
        slot = self._pool.acquire(self._queue_seconds)
        if slot is None:
            raise Throttled(
                f"The {self.name} function ran {self.concurrency} invocation(s) for {self._queue_seconds:g} s "
                "without a free container: it is throttled (raise BRANDLINK_LOCAL_CONCURRENCY for more)."
            )
        try:
            return self._run(slot, event)
        finally:
            self._pool.release(slot)

    def _run(self, slot: _Slot, event: dict[str, Any]) -> Any:
        if self._closed:
            raise FunctionError(self.name, "Runtime.Shutdown", "The local stack is stopping.")
        if slot.container is None:
            slot.container = self._start_container(slot.number)
        container = slot.container
        context = self.new_context()
        context.log_stream_name = container.log_stream_name
        try:
            return container.invoke(event, context)
        except FunctionError as exc:
            if isinstance(exc, FunctionTimeout) or exc.error_type == "Runtime.ExitError":
                self._forget(slot)  # gone or stopped: the next invocation in this slot starts a new one
            raise

    def _start_container(self, number: int) -> Container:
        started = time.perf_counter()
        container: Container
        if self._isolation == "process":
            container = ProcessContainer(self.spec, number)
        else:
            container = InProcessContainer(self.spec, number)
        with self._containers_lock:
            self._containers.add(container)
            closed = self._closed
        if closed:
            self._forget_container(container)
            raise FunctionError(self.name, "Runtime.Shutdown", "The local stack is stopping.")
        logger.debug("%s: container %d started in %.0f ms", self.name, number, (time.perf_counter() - started) * 1000)
        return container

    def _forget(self, slot: _Slot) -> None:
        if slot.container is not None:
            self._forget_container(slot.container)
            slot.container = None

    def _forget_container(self, container: Container) -> None:
        with self._containers_lock:
            self._containers.discard(container)
        container.kill()
        container.stop()

    def new_context(self) -> LocalLambdaContext:
        return context_for(
            self.deployed_name,
            timeout_seconds=self._timeout_seconds,
            memory_mb=self.spec.memory_mb,
            region=self._region,
        )

    def close(self) -> None:
        """Stop every container; an invocation still running gets an error (Runtime.ExitError)."""
        with self._containers_lock:
            self._closed = True
            containers = list(self._containers)
            self._containers.clear()
        for container in containers:
            container.kill()
        for container in containers:
            container.stop()


def build_functions(
    region: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    queue_seconds: float = DEFAULT_QUEUE_SECONDS,
    timeout_factor: int = 1,
) -> dict[str, LambdaFunction]:
    return {
        spec.logical: LambdaFunction(
            spec, region, concurrency=concurrency, queue_seconds=queue_seconds, timeout_factor=timeout_factor
        )
        for spec in resources.DECLARED_FUNCTIONS
    }
