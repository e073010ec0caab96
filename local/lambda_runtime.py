"""Run a function of ``brandlink.resources.FUNCTIONS`` the way Lambda does: lazily loaded, one event at a time."""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from brandlink import resources
from local.provision import ACCOUNT_ID


class HandlerNotBuilt(LookupError):
    """The function's handler module (or its handler attribute) does not exist in this build."""


class Invocable(Protocol):
    """What the gateway and the pumps need of a function."""

    @property
    def name(self) -> str: ...

    def invoke(self, event: dict[str, Any]) -> Any: ...


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


def _split_handler(dotted: str) -> tuple[str, str]:
    module, _, attribute = dotted.rpartition(".")
    return module, attribute


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


class LambdaFunction:
    """One function spec, as one Lambda container: the handler is imported on first use and
    handles one event at a time (a container never runs two invocations at once)."""

    def __init__(self, spec: resources.FunctionSpec, region: str) -> None:
        self.spec = spec
        self._region = region
        self._lock = threading.Lock()
        self._handler: Any = None

    @property
    def name(self) -> str:
        return self.spec.logical

    @property
    def deployed_name(self) -> str:
        return f"brandlink-{self.spec.logical.replace('_', '-')}"

    def is_built(self) -> bool:
        """Whether this build has the handler module, without importing it."""
        return _module_exists(_split_handler(self.spec.handler)[0])

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            handler = self._load()
            return handler(event, self.new_context())

    def new_context(self) -> LocalLambdaContext:
        return context_for(
            self.deployed_name,
            timeout_seconds=self.spec.timeout_seconds,
            memory_mb=self.spec.memory_mb,
            region=self._region,
        )

    def _load(self) -> Any:
        if self._handler is not None:
            return self._handler
        module_name, attribute = _split_handler(self.spec.handler)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only the handler module itself (or its package) being absent means "not built yet";
            # a missing dependency inside it is a real failure and propagates.
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                raise HandlerNotBuilt(
                    f"The {self.name} function is not part of this build yet: module {module_name} does not exist."
                ) from None
            raise
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise HandlerNotBuilt(f"The {self.name} function's module {module_name} has no handler {attribute!r}.")
        self._handler = handler
        return handler


def build_functions(region: str) -> dict[str, LambdaFunction]:
    return {spec.logical: LambdaFunction(spec, region) for spec in resources.FUNCTIONS}
