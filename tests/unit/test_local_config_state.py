"""Runner settings from the environment, and the state file other processes read."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from local.config import LocalConfigError, default_state_file, load_local_config
from local.state import LocalState, StateFileError, read_state, remove_state, running_stack_pid, write_state


def test_defaults() -> None:
    config = load_local_config({})
    assert (config.api_port, config.links_port, config.moto_port) == (8080, 8081, 0)
    assert config.state_file == Path(".brandlink/local.json")
    assert config.region == "us-east-1"
    assert config.host == "127.0.0.1"
    assert (config.concurrency, config.queue_seconds, config.timeout_factor) == (10, 30.0, 1)


def test_variables_override_the_defaults() -> None:
    config = load_local_config(
        {
            "BRANDLINK_API_PORT": "9000",
            "BRANDLINK_LINKS_PORT": "0",
            "BRANDLINK_MOTO_PORT": " 9002 ",
            "BRANDLINK_STATE_DIR": "/tmp/elsewhere",
            "AWS_REGION": "eu-west-1",
            "BRANDLINK_LOCAL_CONCURRENCY": "3",
            "BRANDLINK_LOCAL_QUEUE_SECONDS": "2.5",
            "BRANDLINK_LOCAL_TIMEOUT_FACTOR": "4",
        }
    )
    assert (config.concurrency, config.queue_seconds, config.timeout_factor) == (3, 2.5, 4)
    assert (config.api_port, config.links_port, config.moto_port) == (9000, 0, 9002)
    assert config.state_file == Path("/tmp/elsewhere/local.json")
    assert config.region == "eu-west-1"
    assert default_state_file({"BRANDLINK_STATE_DIR": "/tmp/elsewhere"}) == config.state_file


@pytest.mark.parametrize("value", ["http", "-1", "65536", "80.5"])
def test_a_bad_port_names_its_variable(value: str) -> None:
    with pytest.raises(LocalConfigError, match="BRANDLINK_LINKS_PORT must be a port number"):
        load_local_config({"BRANDLINK_LINKS_PORT": value})


@pytest.mark.parametrize("value", ["0", "-2", "ten", "101", "2.5"])
def test_a_bad_concurrency_says_what_to_set(value: str) -> None:
    with pytest.raises(LocalConfigError, match="BRANDLINK_LOCAL_CONCURRENCY must be a whole number from 1 to 100"):
        load_local_config({"BRANDLINK_LOCAL_CONCURRENCY": value})


@pytest.mark.parametrize("value", ["-1", "soon", "901", "nan"])
def test_a_bad_queueing_time_says_what_to_set(value: str) -> None:
    with pytest.raises(LocalConfigError, match="BRANDLINK_LOCAL_QUEUE_SECONDS must be a number of seconds"):
        load_local_config({"BRANDLINK_LOCAL_QUEUE_SECONDS": value})


def test_two_services_cannot_share_a_port() -> None:
    with pytest.raises(LocalConfigError, match="must be different ports"):
        load_local_config({"BRANDLINK_API_PORT": "9000", "BRANDLINK_LINKS_PORT": "9000"})


def state(pid: int) -> LocalState:
    return LocalState("http://a", "http://r", "AC1", "token", {"AWS_ENDPOINT_URL": "http://m"}, pid)


def test_the_state_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "local.json"

    write_state(path, state(os.getpid()))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_state(path) == {
        "api_url": "http://a",
        "redirect_url": "http://r",
        "account_sid": "AC1",
        "auth_token": "token",
        "environment": {"AWS_ENDPOINT_URL": "http://m"},
        "pid": os.getpid(),
        "seeded": {},
    }
    assert [p.name for p in path.parent.iterdir()] == ["local.json"]


def test_remove_state_removes_only_a_file_this_process_wrote(tmp_path: Path) -> None:
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_state(mine, state(os.getpid()))
    write_state(theirs, state(os.getppid()))

    remove_state(mine)
    remove_state(theirs)
    remove_state(tmp_path / "never-written.json")

    assert not mine.exists()
    assert theirs.exists()


def test_a_live_other_stack_owns_its_state_file(tmp_path: Path) -> None:
    path = tmp_path / "local.json"
    assert running_stack_pid(path) is None

    write_state(path, state(os.getppid()))
    assert running_stack_pid(path) == os.getppid()

    write_state(path, state(os.getpid()))
    assert running_stack_pid(path) is None  # this process is not "another" stack

    path.write_text(json.dumps({"pid": 2**22 + 12345}))  # above Linux's default pid_max
    assert running_stack_pid(path) is None


def test_reading_a_missing_or_broken_state_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="make run"):
        read_state(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(StateFileError, match="not a local stack state file"):
        read_state(broken)


@pytest.mark.parametrize("value", ["0", "21", "2.5", "slow"])
def test_a_bad_timeout_factor_says_what_to_set(value: str) -> None:
    with pytest.raises(LocalConfigError, match="BRANDLINK_LOCAL_TIMEOUT_FACTOR must be a whole number from 1 to 20"):
        load_local_config({"BRANDLINK_LOCAL_TIMEOUT_FACTOR": value})
