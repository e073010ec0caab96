"""The local clock: an offset file the runner owns, read by every function container through
``brandlink.core.common.dates``, moved by ``brandlink --local clock``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandlink.core.common import dates
from local import clock
from ops.cli import main as cli_main


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / clock.CLOCK_FILE_NAME


@pytest.fixture
def system_clock_afterwards() -> Iterator[None]:
    yield
    dates.use_clock(None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("91d", 91 * 86400), ("12h", 43200), ("1d12h", 129600), ("90s", 90), ("2w", 14 * 86400), (" 5M ", 300)],
)
def test_durations(text: str, seconds: int) -> None:
    assert clock.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "91", "d", "-1d", "1.5d", "91 d", "1y", "91dd", "tomorrow"])
def test_a_duration_that_is_not_one_says_how_to_write_it(text: str) -> None:
    with pytest.raises(clock.ClockError, match="write it like 91d"):
        clock.parse_duration(text)


def test_advance_adds_up_and_reset_returns_to_real_time(clock_file: Path) -> None:
    assert clock.read_offset(clock_file) == 0
    assert clock.advance(clock_file, 86400) == 86400
    assert clock.advance(clock_file, 3600) == 90000
    assert json.loads(clock_file.read_text()) == {"offset_seconds": 90000}

    clock.reset(clock_file)
    assert not clock_file.exists() and clock.read_offset(clock_file) == 0


def test_a_broken_clock_file_is_reported_with_the_fix(clock_file: Path) -> None:
    clock_file.write_text("{not json")
    with pytest.raises(clock.ClockError, match="clock reset"):
        clock.read_offset(clock_file)


def test_the_local_clock_follows_the_file_as_it_changes(clock_file: Path) -> None:
    local = clock.LocalClock(clock_file)
    assert abs(local() - time.time()) < 5

    clock.advance(clock_file, 91 * 86400)
    assert abs(local() - time.time() - 91 * 86400) < 5
    clock.advance(clock_file, 86400)
    assert abs(local.offset() - 92 * 86400) < 1e-6

    clock.reset(clock_file)
    assert local.offset() == 0


def test_a_container_installs_the_clock_the_runner_names(clock_file: Path, system_clock_afterwards: None) -> None:
    assert clock.install_from_environment({}) is None
    assert abs(dates.now_epoch() - time.time()) < 5

    installed = clock.install_from_environment({clock.CLOCK_FILE_VARIABLE: str(clock_file)})
    clock.advance(clock_file, 91 * 86400)

    assert installed is not None
    assert abs(dates.now_epoch() - time.time() - 91 * 86400) < 5
    assert (dates.utcnow() - datetime.now(UTC)).days in (90, 91)


def test_the_clock_command_moves_the_local_stacks_clock(
    clock_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "local.json"
    state.write_text(
        json.dumps(
            {
                "api_url": "http://127.0.0.1:1",
                "redirect_url": "http://127.0.0.1:2",
                "account_sid": "AC" + "0" * 32,
                "auth_token": "t",
                "environment": {clock.CLOCK_FILE_VARIABLE: str(clock_file)},
                "pid": os.getpid(),
            }
        )
    )
    monkeypatch.delenv(clock.CLOCK_FILE_VARIABLE, raising=False)

    assert cli_main(["--state", str(state), "clock", "advance", "91d"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["offset_seconds"] == 91 * 86400 and shown["offset_days"] == 91
    assert clock.read_offset(clock_file) == 91 * 86400

    assert cli_main(["clock", "reset", "--state", str(state)]) == 0
    assert json.loads(capsys.readouterr().out)["offset_seconds"] == 0
    assert not clock_file.exists()

    assert cli_main(["--state", str(state), "clock", "advance"]) == 1
    assert "needs a duration" in capsys.readouterr().err
    assert cli_main(["--state", str(state), "clock", "advance", "soon"]) == 1
    assert "write it like 91d" in capsys.readouterr().err


def test_the_clock_command_refuses_anything_but_a_local_stack(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRANDLINK_TABLE_ACCOUNTS", "brandlink-accounts")
    monkeypatch.delenv(clock.CLOCK_FILE_VARIABLE, raising=False)

    assert cli_main(["clock", "show"]) == 1
    assert "local stack's clock only" in capsys.readouterr().err
