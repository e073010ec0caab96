"""SnapStart after-restore hooks: registered when the runtime has ``snapshot_restore_py``, and the wiring
registers what must not survive a restore (the slug block and the rate-limit tokens in hand)."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator

import pytest

from brandlink.adapters.common.snapstart import register_after_restore
from brandlink.config import settings


@pytest.fixture(name="snapstart_runtime")
def snapstart_runtime_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[[], object]]]:
    """A stand-in for Lambda's ``snapshot_restore_py`` module that records the registered hooks."""
    hooks: list[Callable[[], object]] = []
    module = types.ModuleType("snapshot_restore_py")
    module.register_after_restore = hooks.append  # type: ignore[attr-defined]
    module.register_before_snapshot = lambda hook: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    settings.cache_clear()
    yield hooks
    settings.cache_clear()


def test_hooks_are_registered_with_the_runtime(snapstart_runtime: list[Callable[[], object]]) -> None:
    def hook() -> None:
        return None

    assert register_after_restore(hook) is True
    assert snapstart_runtime == [hook]


def test_without_snapstart_registering_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda
    assert register_after_restore(lambda: None) is False


def test_the_wiring_registers_the_slug_minter_and_the_rate_limiter(
    snapstart_runtime: list[Callable[[], object]],
) -> None:
    from brandlink import wiring

    minter = wiring.slug_minter()
    limiter = wiring.shortening_rate_limiter()
    assert minter.reset_after_restore in snapstart_runtime
    assert limiter.reset_after_restore in snapstart_runtime
    assert limiter.block == 10 and limiter.limit == settings().shorten_rate_per_second
