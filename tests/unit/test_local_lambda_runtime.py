"""Functions run as Lambda runs them: lazily, in containers (processes) that each handle one event
at a time, up to the function's concurrency, with Lambda's errors, timeouts and throttling.

Concurrency is observed with marker files the fake handlers write, and with the pool's own count of
queued invocations, never with timing: a handler waits for a file or for its peers, with a deadline
far beyond what any machine needs, so a broken runtime fails the test instead of passing it late.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from brandlink.resources import DECLARED_FUNCTIONS, FUNCTIONS, FunctionSpec
from local.lambda_runtime import (
    ContainerPool,
    FunctionError,
    FunctionTimeout,
    HandlerNotBuilt,
    LambdaFunction,
    Throttled,
    build_functions,
)

DEADLINE_SECONDS = 60.0

# Waits until released (a "release" file) or until ``together`` invocations have entered (then
# ``met``: they all ran at once); reports the most invocations it saw running and its process.
COORDINATED_HANDLER = """
import os, pathlib, time

def handler(event, context):
    folder = pathlib.Path(event["dir"])
    me = event["id"]
    (folder / f"running-{me}").touch()
    (folder / f"entered-{me}").write_text(str(os.getpid()))
    peak, met = 0, False
    deadline = time.monotonic() + event.get("deadline", 20)
    while time.monotonic() < deadline:
        peak = max(peak, len(list(folder.glob("running-*"))))
        if (folder / "release").exists():
            break
        if len(list(folder.glob("entered-*"))) >= event.get("together", 10**6):
            met = True  # none of the others can have left before the last one entered
            break
        time.sleep(0.005)
    (folder / f"running-{me}").unlink()
    return {"pid": os.getpid(), "peak": peak, "met": met}
"""


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.01)
    raise AssertionError(f"{what} did not happen within {DEADLINE_SECONDS:.0f} s")


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A fresh importable package under a unique name, for handler modules written by a test."""
    name = f"local_runtime_test_{uuid.uuid4().hex[:8]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name, tmp_path / name


@pytest.fixture
def make() -> Iterator[Callable[..., LambdaFunction]]:
    """Build LambdaFunctions whose containers are stopped when the test ends."""
    made: list[LambdaFunction] = []

    def build(spec: FunctionSpec, **options: Any) -> LambdaFunction:
        function = LambdaFunction(spec, "eu-west-1", **options)
        made.append(function)
        return function

    yield build
    for function in made:
        function.close()


def probe_spec(handler: str, timeout: int = 15, **changes: Any) -> FunctionSpec:
    return FunctionSpec("probe", handler, "test function", timeout_seconds=timeout, **changes)


def spec_of(logical: str, handler: str) -> FunctionSpec:
    """A real function's spec (its concurrency, timeout, name) with a test handler."""
    return dataclasses.replace(next(s for s in FUNCTIONS if s.logical == logical), handler=handler)


def in_threads(call: Callable[[dict[str, Any]], Any], events: list[dict[str, Any]]) -> list[Any]:
    results: list[Any] = [None] * len(events)

    def run(index: int) -> None:
        try:
            results[index] = call(events[index])
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(events))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_every_spec_becomes_a_function_with_its_concurrency() -> None:
    functions = build_functions("us-east-1", concurrency=7)

    assert set(functions) == {spec.logical for spec in DECLARED_FUNCTIONS}
    assert functions["api"].is_built()
    assert functions["certificates"].concurrency == 1  # reserved_concurrency in resources.py
    assert functions["api"].concurrency == 7
    assert functions["dispatch"].deployed_name == "brandlink-dispatch"


def test_a_missing_handler_module_is_reported_as_not_built(make: Callable[..., LambdaFunction]) -> None:
    missing = make(probe_spec("brandlink.handlers.no_such_handler_module.handler"))

    assert not missing.is_built()
    with pytest.raises(HandlerNotBuilt, match=r"not part of this build yet: module brandlink\.handlers\.no_such"):
        missing.invoke({})


def test_a_missing_package_is_reported_as_not_built(make: Callable[..., LambdaFunction]) -> None:
    assert not make(probe_spec("no_such_package_anywhere.handlers.x.handler")).is_built()


def test_a_module_without_the_handler_attribute_is_reported(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text("other = 1\n")

    with pytest.raises(HandlerNotBuilt, match="has no handler 'handler'"):
        make(probe_spec(f"{name}.fn.handler")).invoke({})


def test_a_missing_dependency_inside_a_handler_is_a_real_error(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        "import a_dependency_that_is_not_installed\n\ndef handler(event, context):\n    return 1\n"
    )

    with pytest.raises(
        FunctionError, match="ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed'"
    ):
        make(probe_spec(f"{name}.fn.handler")).invoke({})


def test_the_handler_is_imported_in_its_container_on_first_invocation(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        "import os, sys\n\ndef handler(event, context):\n    return {'got': event['n'], 'pid': os.getpid()}\n"
    )
    lazy = make(probe_spec(f"{name}.fn.handler"))

    assert lazy.is_built()
    first, second = lazy.invoke({"n": 7}), lazy.invoke({"n": 8})

    assert (first["got"], second["got"]) == (7, 8)
    assert first["pid"] != os.getpid()  # a container of its own, not the runner
    assert second["pid"] == first["pid"]  # warm: the same container serves the next event
    assert f"{name}.fn" not in sys.modules


def test_the_context_carries_what_powertools_reads(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        textwrap.dedent(
            """
            def handler(event, context):
                return {
                    "name": context.function_name,
                    "arn": context.invoked_function_arn,
                    "memory": context.memory_limit_in_mb,
                    "request": context.aws_request_id,
                    "remaining": context.get_remaining_time_in_millis(),
                    "stream": context.log_stream_name,
                }
            """
        )
    )
    probe = make(probe_spec(f"{name}.fn.handler", timeout=20))

    first, second = probe.invoke({}), probe.invoke({})

    assert first["name"] == "brandlink-probe"
    assert first["arn"] == "arn:aws:lambda:eu-west-1:000000000000:function:brandlink-probe"
    assert first["memory"] == 512
    assert 0 < first["remaining"] <= 20_000
    assert first["request"] != second["request"]
    assert "[$LATEST]" in first["stream"] and first["stream"] == second["stream"]


def test_a_handler_exception_comes_back_in_lambdas_error_shape_and_the_container_stays(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        "import os\n\ndef handler(event, context):\n"
        "    if event.get('fail'):\n        raise KeyError('no such table')\n    return os.getpid()\n"
    )
    function = make(probe_spec(f"{name}.fn.handler"))
    before = function.invoke({})

    with pytest.raises(FunctionError) as failure:
        function.invoke({"fail": True})

    assert (failure.value.error_type, failure.value.error_message) == ("KeyError", "'no such table'")
    assert "raise KeyError('no such table')" in failure.value.log_text()
    assert function.invoke({}) == before


def test_a_result_that_is_not_json_is_a_marshal_error(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text("def handler(event, context):\n    return {1, 2}\n")

    with pytest.raises(FunctionError, match=r"Runtime\.MarshalError: Unable to marshal response"):
        make(probe_spec(f"{name}.fn.handler")).invoke({})


def test_a_container_that_dies_is_replaced_on_the_next_invocation(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        "import os\n\ndef handler(event, context):\n"
        "    if event.get('die'):\n        os._exit(3)\n    return os.getpid()\n"
    )
    function = make(probe_spec(f"{name}.fn.handler"))
    first = function.invoke({})

    with pytest.raises(FunctionError, match=r"Runtime.ExitError: The container exited \(exit code 3\)"):
        function.invoke({"die": True})

    assert function.invoke({}) not in (first, None)


def test_a_container_killed_while_idle_is_replaced(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text("import os\n\ndef handler(event, context):\n    return os.getpid()\n")
    function = make(probe_spec(f"{name}.fn.handler"))
    first = function.invoke({})
    os.kill(first, signal.SIGKILL)  # e.g. the out-of-memory killer, between two invocations

    with pytest.raises(FunctionError, match=r"Runtime\.ExitError"):
        function.invoke({})

    assert function.invoke({}) not in (first, None)


def test_an_invocation_past_the_timeout_is_stopped_like_lambda_does(
    package: tuple[str, Path], tmp_path: Path, make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(COORDINATED_HANDLER)
    function = make(probe_spec(f"{name}.fn.handler", timeout=1))

    with pytest.raises(FunctionTimeout, match=r"Task timed out after 1\.00 seconds"):
        function.invoke({"dir": str(tmp_path), "id": "stuck", "deadline": DEADLINE_SECONDS})

    stuck_pid = int((tmp_path / "entered-stuck").read_text())
    with pytest.raises(ProcessLookupError):  # its container was stopped, not left running
        os.kill(stuck_pid, 0)


def test_the_timeout_factor_scales_every_invocations_timeout(make: Callable[..., LambdaFunction]) -> None:
    """BRANDLINK_LOCAL_TIMEOUT_FACTOR (the e2e suite's 4): the context and the runtime's deadline say
    the spec's timeout times the factor; 1 is Lambda's own."""
    assert make(probe_spec("x.handler", timeout=5)).new_context().get_remaining_time_in_millis() > 4_000
    scaled = make(probe_spec("x.handler", timeout=5), timeout_factor=4).new_context()
    assert 15_000 < scaled.get_remaining_time_in_millis() <= 20_000


def test_a_function_runs_several_invocations_at_once_each_in_its_own_container(
    package: tuple[str, Path], tmp_path: Path, make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(COORDINATED_HANDLER)
    api = make(spec_of("api", f"{name}.fn.handler"), concurrency=3)
    events = [{"dir": str(tmp_path), "id": str(n), "together": 3} for n in range(3)]

    results = in_threads(api.invoke, events)

    assert [r["met"] for r in results] == [True, True, True], results  # all three ran at the same time
    assert len({r["pid"] for r in results}) == 3


def test_a_function_with_reserved_concurrency_1_never_runs_two_at_once(
    package: tuple[str, Path], tmp_path: Path, make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(COORDINATED_HANDLER)
    certificates = make(spec_of("certificates", f"{name}.fn.handler"), concurrency=10)
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(certificates.invoke({"dir": str(tmp_path), "id": "a"})))
    first.start()
    wait_for(lambda: (tmp_path / "entered-a").exists(), "the first invocation")
    second = threading.Thread(target=lambda: results.append(certificates.invoke({"dir": str(tmp_path), "id": "b"})))
    second.start()

    wait_for(lambda: certificates.pool.waiting == 1, "the second invocation queueing")
    assert not (tmp_path / "entered-b").exists()
    (tmp_path / "release").touch()
    first.join()
    second.join()

    assert certificates.concurrency == 1
    assert [r["peak"] for r in results] == [1, 1]
    assert results[0]["pid"] == results[1]["pid"]  # one container, reused


def test_an_invocation_that_finds_every_container_busy_for_too_long_is_throttled(
    package: tuple[str, Path], tmp_path: Path, make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text(COORDINATED_HANDLER)
    certificates = make(spec_of("certificates", f"{name}.fn.handler"), queue_seconds=0.05)
    busy = threading.Thread(target=certificates.invoke, args=({"dir": str(tmp_path), "id": "busy"},))
    busy.start()
    wait_for(lambda: (tmp_path / "entered-busy").exists(), "the first invocation")

    try:
        with pytest.raises(Throttled, match="certificates function ran 1 invocation"):
            certificates.invoke({"dir": str(tmp_path), "id": "late"})
    finally:
        (tmp_path / "release").touch()
        busy.join()
    assert not (tmp_path / "entered-late").exists()


def test_the_pool_serves_queued_invocations_first_come_first_served() -> None:
    pool = ContainerPool(1)
    held = pool.acquire(0)
    assert held is not None
    order: list[str] = []

    def take(label: str) -> None:
        slot = pool.acquire(DEADLINE_SECONDS)
        assert slot is not None
        order.append(label)
        pool.release(slot)

    early = threading.Thread(target=take, args=("early",))
    early.start()
    wait_for(lambda: pool.waiting == 1, "the early waiter queueing")
    late = threading.Thread(target=take, args=("late",))
    late.start()
    wait_for(lambda: pool.waiting == 2, "the late waiter queueing")

    pool.release(held)
    early.join()
    late.join()

    assert order == ["early", "late"]
    assert pool.busy == 0


def test_each_function_logs_with_its_own_service_name(
    package: tuple[str, Path], make: Callable[..., LambdaFunction], capfd: pytest.CaptureFixture[str]
) -> None:
    name, path = package
    (path / "fn.py").write_text(
        textwrap.dedent(
            """
            from brandlink.observability import logger

            @logger.inject_lambda_context
            def handler(event, context):
                logger.info("hello from the handler")
                return "ok"
            """
        )
    )
    capfd.readouterr()
    for logical in ("api", "dispatch", "status_callbacks"):
        assert make(spec_of(logical, f"{name}.fn.handler")).invoke({}) == "ok"

    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    services = {line["function_name"]: line["service"] for line in lines if line["message"] == "hello from the handler"}
    assert services == {
        "brandlink-api": "brandlink-api",
        "brandlink-dispatch": "brandlink-dispatch",
        "brandlink-status-callbacks": "brandlink-status-callbacks",
    }


def test_close_stops_every_container(package: tuple[str, Path], make: Callable[..., LambdaFunction]) -> None:
    name, path = package
    (path / "fn.py").write_text("import os\n\ndef handler(event, context):\n    return os.getpid()\n")
    function = make(probe_spec(f"{name}.fn.handler"))
    pid = function.invoke({})

    function.close()

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(FunctionError, match="stopping"):
        function.invoke({})


def test_in_process_isolation_runs_the_handler_here_one_event_at_a_time(
    package: tuple[str, Path], make: Callable[..., LambdaFunction]
) -> None:
    name, path = package
    (path / "fn.py").write_text("import os\n\ndef handler(event, context):\n    return os.getpid()\n")
    here = make(dataclasses.replace(probe_spec(f"{name}.fn.handler"), reserved_concurrency=5), isolation="in_process")

    assert here.invoke({}) == os.getpid()
    assert here.concurrency == 1
    assert f"{name}.fn" in sys.modules
