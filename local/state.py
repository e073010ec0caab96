"""The state file a running local stack leaves for other processes (tests, the brandlink command, invoke)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LocalState:
    api_url: str
    redirect_url: str
    account_sid: str
    auth_token: str
    # Every variable a separate process needs to reach this stack's moto server and tables.
    environment: dict[str, str]
    pid: int
    # What the seeders of local/seed.py returned, by label.
    seeded: dict[str, str] = field(default_factory=dict)


class StateFileError(RuntimeError):
    pass


def write_state(path: Path, state: LocalState) -> None:
    """Atomically, and readable by this user only: the file holds an auth token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(state), handle, indent=2)
    os.replace(partial, path)


def read_state(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise StateFileError(f"{path} not found: start the local stack with `make run` first.") from None
    except (json.JSONDecodeError, TypeError, ValueError):
        raise StateFileError(f"{path} is not a local stack state file; remove it and run `make run`.") from None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_stack_pid(path: Path) -> int | None:
    """The pid of another live stack that owns this state file, if any."""
    try:
        pid = int(read_state(path).get("pid", 0))
    except (StateFileError, ValueError, TypeError):
        return None
    return pid if pid > 0 and pid != os.getpid() and process_alive(pid) else None


def remove_state(path: Path) -> None:
    """Remove the file if this process wrote it (a newer stack may own it by now)."""
    try:
        if int(read_state(path).get("pid", 0)) == os.getpid():
            path.unlink()
    except (StateFileError, ValueError, TypeError, FileNotFoundError):
        pass
