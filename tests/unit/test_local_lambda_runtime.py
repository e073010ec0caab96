"""Functions run as Lambda runs them: imported lazily by their dotted handler, one event at a time."""

from __future__ import annotations

import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

from brandlink.resources import FUNCTIONS, FunctionSpec
from local.lambda_runtime import HandlerNotBuilt, LambdaFunction, build_functions


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A fresh importable package under a unique name, for handler modules written by a test."""
    name = f"local_runtime_test_{uuid.uuid4().hex[:8]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name, tmp_path / name


def function(handler: str, timeout: int = 15) -> LambdaFunction:
    return LambdaFunction(FunctionSpec("probe", handler, "test function", timeout_seconds=timeout), "eu-west-1")


def test_every_spec_becomes_a_function() -> None:
    functions = build_functions("us-east-1")
    assert set(functions) == {spec.logical for spec in FUNCTIONS}
    assert functions["api"].is_built()


def test_a_missing_handler_module_is_reported_as_not_built() -> None:
    missing = function("brandlink.handlers.no_such_handler_module.handler")

    assert not missing.is_built()
    with pytest.raises(HandlerNotBuilt, match=r"not part of this build yet: module brandlink\.handlers\.no_such"):
        missing.invoke({})


def test_a_missing_package_is_reported_as_not_built() -> None:
    assert not function("no_such_package_anywhere.handlers.x.handler").is_built()


def test_a_module_without_the_handler_attribute_is_reported(package: tuple[str, Path]) -> None:
    name, path = package
    (path / "fn.py").write_text("other = 1\n")

    with pytest.raises(HandlerNotBuilt, match="has no handler 'handler'"):
        function(f"{name}.fn.handler").invoke({})


def test_a_missing_dependency_inside_a_handler_is_a_real_error(package: tuple[str, Path]) -> None:
    name, path = package
    (path / "fn.py").write_text(
        "import a_dependency_that_is_not_installed\n\ndef handler(event, context):\n    return 1\n"
    )

    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed"):
        function(f"{name}.fn.handler").invoke({})


def test_the_handler_is_imported_on_first_invocation_not_before(package: tuple[str, Path]) -> None:
    name, path = package
    (path / "fn.py").write_text("def handler(event, context):\n    return {'got': event['n']}\n")
    lazy = function(f"{name}.fn.handler")

    assert lazy.is_built()
    assert f"{name}.fn" not in sys.modules
    assert lazy.invoke({"n": 7}) == {"got": 7}
    assert f"{name}.fn" in sys.modules


def test_the_context_carries_what_powertools_reads(package: tuple[str, Path]) -> None:
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
                }
            """
        )
    )
    probe = function(f"{name}.fn.handler", timeout=20)

    first, second = probe.invoke({}), probe.invoke({})

    assert first["name"] == "brandlink-probe"
    assert first["arn"] == "arn:aws:lambda:eu-west-1:000000000000:function:brandlink-probe"
    assert first["memory"] == 512
    assert 0 < first["remaining"] <= 20_000
    assert first["request"] != second["request"]


def test_a_function_handles_one_event_at_a_time(package: tuple[str, Path]) -> None:
    name, path = package
    (path / "fn.py").write_text(
        textwrap.dedent(
            """
            import threading, time
            lock = threading.Lock()
            running = 0
            peak = 0

            def handler(event, context):
                global running, peak
                with lock:
                    running += 1
                    peak = max(peak, running)
                time.sleep(0.02)
                with lock:
                    running -= 1
                return peak
            """
        )
    )
    serial = function(f"{name}.fn.handler")
    threads = [threading.Thread(target=serial.invoke, args=({},)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sys.modules[f"{name}.fn"].peak == 1
