"""`python -m local` as a child process, for end-to-end tests over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous ceilings, not expectations: a loaded 2-core machine (other test runs, a CPU hog) must
# never fail a test that would pass on an idle one.
READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0
CLI_TIMEOUT_SECONDS = 120.0


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without AWS or Brandlink settings (the stack makes its own)."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "BRANDLINK_", "POWERTOOLS_"))
    }
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "functions"), str(REPO_ROOT)])
    environment["PYTHONUNBUFFERED"] = "1"
    environment.update(extra or {})
    return environment


class LocalStackProcess:
    """One local stack: start it, wait for its state file, talk to it, stop it with a signal."""

    def __init__(self, state_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir
        self.state_file = state_dir / "local.json"
        self.log_file = state_dir / "stack.log"
        self._extra_env = {
            "BRANDLINK_API_PORT": "0",
            "BRANDLINK_LINKS_PORT": "0",
            "BRANDLINK_STATE_DIR": str(state_dir),
            **(extra_env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self.state: dict[str, Any] = {}

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "local"],
                cwd=REPO_ROOT,
                env=child_environment(self._extra_env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> dict[str, Any]:
        process = self._require_process()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"`python -m local` exited with {process.returncode}:\n{self.output()}")
            if self.state_file.exists():
                self.state = json.loads(self.state_file.read_text())
                return self.state
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"No state file after {timeout:.0f} s; output so far:\n{self.output()}")

    def stop(self, signal_number: int = signal.SIGINT, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Send the signal and return the exit code; fails (after killing it) if it does not exit in time."""
        process = self._require_process()
        if process.poll() is None:
            process.send_signal(signal_number)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"The stack did not stop within {timeout:.0f} s:\n{self.output()}") from None

    def wait_exit(self, timeout: float = READY_TIMEOUT_SECONDS) -> int:
        """The exit code of a stack that stops by itself (e.g. on a start-up error)."""
        try:
            return self._require_process().wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"The stack did not exit within {timeout:.0f} s:\n{self.output()}") from None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def run_python(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``python <args>`` from the repository root, as a user runs the CLIs in another terminal."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            env=child_environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
        )

    @property
    def api_url(self) -> str:
        return str(self.state["api_url"])

    @property
    def redirect_url(self) -> str:
        return str(self.state["redirect_url"])

    @property
    def account_sid(self) -> str:
        return str(self.state["account_sid"])

    @property
    def auth_token(self) -> str:
        return str(self.state["auth_token"])

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.state["environment"])

    @property
    def pid(self) -> int:
        return self._require_process().pid

    def _require_process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("start() the stack first")
        return self._process
