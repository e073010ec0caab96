"""The local runner's own settings: ports, state directory and region, read from the environment.

These variables configure the runner, not the handlers; the handlers' configuration stays in
``brandlink.config`` and is filled in by ``local.provision``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
API_PORT_VARIABLE = "BRANDLINK_API_PORT"
LINKS_PORT_VARIABLE = "BRANDLINK_LINKS_PORT"
MOTO_PORT_VARIABLE = "BRANDLINK_MOTO_PORT"
STATE_DIR_VARIABLE = "BRANDLINK_STATE_DIR"
CONCURRENCY_VARIABLE = "BRANDLINK_LOCAL_CONCURRENCY"
QUEUE_SECONDS_VARIABLE = "BRANDLINK_LOCAL_QUEUE_SECONDS"
TIMEOUT_FACTOR_VARIABLE = "BRANDLINK_LOCAL_TIMEOUT_FACTOR"
RUNNER_VARIABLES = frozenset(
    {
        API_PORT_VARIABLE,
        LINKS_PORT_VARIABLE,
        MOTO_PORT_VARIABLE,
        STATE_DIR_VARIABLE,
        CONCURRENCY_VARIABLE,
        QUEUE_SECONDS_VARIABLE,
        TIMEOUT_FACTOR_VARIABLE,
    }
)
DEFAULT_CONCURRENCY = 10
# API Gateway's own integration timeout: no client of the gateway waits longer than that anyway.
DEFAULT_QUEUE_SECONDS = 30.0
MAX_CONCURRENCY = 100
MAX_TIMEOUT_FACTOR = 20
STATE_FILE_NAME = "local.json"
DEFAULT_STATE_DIR = ".brandlink"


class LocalConfigError(ValueError):
    """A runner variable has a value the runner cannot use; the message names the variable."""


@dataclass(frozen=True)
class LocalConfig:
    api_port: int
    links_port: int
    moto_port: int
    state_dir: Path
    region: str
    host: str = HOST
    # Containers per function when its spec reserves none (Lambda's unreserved pool, scaled down).
    concurrency: int = DEFAULT_CONCURRENCY
    # How long an invocation waits for a free container before it is throttled (429).
    queue_seconds: float = DEFAULT_QUEUE_SECONDS
    # Every function's timeout is its spec's times this: 1 behaves as Lambda; the e2e suite, which runs
    # beside a CPU hog on two cores with moto in one process, gives functions room to end.
    timeout_factor: int = 1

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE_NAME


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise LocalConfigError(f"{name} must be a port number from 0 to 65535 (0 picks a free port), got {raw!r}.")
    return int(raw)


def _concurrency(env: Mapping[str, str]) -> int:
    raw = env.get(CONCURRENCY_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_CONCURRENCY
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CONCURRENCY:
        raise LocalConfigError(
            f"{CONCURRENCY_VARIABLE} must be a whole number from 1 to {MAX_CONCURRENCY} "
            f"(containers per function), got {raw!r}."
        )
    return int(raw)


def _queue_seconds(env: Mapping[str, str]) -> float:
    raw = env.get(QUEUE_SECONDS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_QUEUE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 900:
        raise LocalConfigError(
            f"{QUEUE_SECONDS_VARIABLE} must be a number of seconds from 0 to 900 (how long a request waits "
            f"for a free container before a 429), got {raw!r}."
        )
    return seconds


def _timeout_factor(env: Mapping[str, str]) -> int:
    raw = env.get(TIMEOUT_FACTOR_VARIABLE, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_TIMEOUT_FACTOR:
        raise LocalConfigError(
            f"{TIMEOUT_FACTOR_VARIABLE} must be a whole number from 1 to {MAX_TIMEOUT_FACTOR} (each function's "
            f"timeout is its spec's times this), got {raw!r}."
        )
    return int(raw)


def load_local_config(env: Mapping[str, str]) -> LocalConfig:
    config = LocalConfig(
        api_port=_port(env, API_PORT_VARIABLE, 8080),
        links_port=_port(env, LINKS_PORT_VARIABLE, 8081),
        moto_port=_port(env, MOTO_PORT_VARIABLE, 0),
        state_dir=Path(env.get(STATE_DIR_VARIABLE, "").strip() or DEFAULT_STATE_DIR),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        concurrency=_concurrency(env),
        queue_seconds=_queue_seconds(env),
        timeout_factor=_timeout_factor(env),
    )
    fixed = [port for port in (config.api_port, config.links_port, config.moto_port) if port]
    if len(fixed) != len(set(fixed)):
        raise LocalConfigError(
            f"{API_PORT_VARIABLE}, {LINKS_PORT_VARIABLE} and {MOTO_PORT_VARIABLE} must be different ports."
        )
    return config


def default_state_file(env: Mapping[str, str]) -> Path:
    return Path(env.get(STATE_DIR_VARIABLE, "").strip() or DEFAULT_STATE_DIR) / STATE_FILE_NAME
