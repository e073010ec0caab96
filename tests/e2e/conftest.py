"""End-to-end fixtures: one local stack (`python -m local`) per test session, and clients for it.

Mark e2e test modules with ``pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]`` so
`make test` runs them on one worker, sharing the session's stack.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from twilio.rest import Client

from local.twilio_client import make_client
from tests.e2e.stack_process import REPO_ROOT, LocalStackProcess, child_environment

# Short enough that an e2e test can schedule a message a few seconds ahead.
SCHEDULE_MIN_SECONDS = "2"
# The operator command `make venv` installs, as the README and the banner spell it.
BRANDLINK_CLI = REPO_ROOT / ".venv" / "bin" / "brandlink"
# A request queued for a busy function waits this long before a 429: a ceiling for a loaded
# machine (cold starts of ten containers next to other test runs), so load never fails a test.
QUEUE_SECONDS = "120"
# Functions get four times their Lambda timeout: under a CPU hog, with moto in one process, a 5 s
# redirect was seen to take 6-8 s during the 1,000-tap load test (502 from the timeout). The suite checks
# that functions end and what they do, not AWS latency (bench/ measures that).
TIMEOUT_FACTOR = "4"
# Click-event retries 1 s, then 2 s each: a receiver's three 500s cost seconds, and a message reaches
# the clicks DLQ (8 receives) in about 15 s instead of hours.
CALLBACK_RETRY = {"BRANDLINK_CALLBACK_RETRY_BASE_SECONDS": "1", "BRANDLINK_CALLBACK_RETRY_MAX_SECONDS": "2"}


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """A running stack on free ports; its state (URLs, credentials, environment) is ``.state``."""
    stack = LocalStackProcess(
        tmp_path_factory.mktemp("local-stack"),
        {
            "BRANDLINK_SCHEDULE_MIN_SECONDS": SCHEDULE_MIN_SECONDS,
            "BRANDLINK_LOCAL_QUEUE_SECONDS": QUEUE_SECONDS,
            "BRANDLINK_LOCAL_TIMEOUT_FACTOR": TIMEOUT_FACTOR,
            **CALLBACK_RETRY,
        },
    )
    stack.start()
    try:
        stack.wait_ready()
    except BaseException:
        stack.kill()
        raise
    yield stack
    exit_code = stack.stop(signal.SIGINT)
    output = stack.output()
    assert exit_code == 0, f"the stack exited with {exit_code} on SIGINT:\n{output}"
    assert "Brandlink stopped cleanly." in output, output
    assert not stack.state_file.exists(), "the stack left its state file behind"


@pytest.fixture
def twilio_client(local_stack: LocalStackProcess) -> Client:
    """The official twilio client, authenticated as the stack's bootstrap account."""
    return make_client(local_stack.api_url, local_stack.account_sid, local_stack.auth_token)


def run_cli(local_stack: LocalStackProcess, *args: str) -> Any:
    """Run ``.venv/bin/brandlink --local ARGS...`` (``BRANDLINK_STATE_DIR`` = the stack's) and return
    its JSON output."""
    assert BRANDLINK_CLI.exists(), f"{BRANDLINK_CLI.relative_to(REPO_ROOT)} is missing: run `make venv`"
    result = subprocess.run(
        [str(BRANDLINK_CLI), "--local", *args],
        cwd=REPO_ROOT,
        env=child_environment({"BRANDLINK_STATE_DIR": str(local_stack.state_dir)}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def give_senders(local_stack: LocalStackProcess, account_sid: str, *senders: str) -> None:
    """The operator's part before an account may use a sender: ``+E164``, ``sc:CC:digits`` or
    ``alpha:TEXT``. A number or short code is released first (another test of this session may hold
    it; its registrations go), then assigned to ``account_sid``."""
    for sender in senders:
        if sender.startswith("alpha:"):
            run_cli(local_stack, "allow-alpha", account_sid, sender.removeprefix("alpha:"))
            continue
        if sender.startswith("sc:"):
            _sc, country, digits = sender.split(":")
            where = ["--short-code", digits, "--country", country]
        else:
            where = [sender]
        subprocess.run(
            [str(BRANDLINK_CLI), "--local", "release-sender", *where],
            cwd=REPO_ROOT,
            env=child_environment({"BRANDLINK_STATE_DIR": str(local_stack.state_dir)}),
            capture_output=True,
            timeout=60,
        )
        run_cli(local_stack, "assign-sender", account_sid, *where)


@pytest.fixture
def admin(local_stack: LocalStackProcess) -> Callable[..., Any]:
    """``run_cli`` bound to the session's stack."""
    return partial(run_cli, local_stack)


@pytest.fixture
def fresh_account(admin: Callable[..., Any]) -> tuple[str, str]:
    """A new account of its own (sid, auth token), for tests that must not share data."""
    created = admin("create-account", "--name", "e2e")
    return created["account_sid"], created["auth_token"]


@pytest.fixture
def advanced_clock(admin: Callable[..., Any]) -> Iterator[Callable[[str], Any]]:
    """Moves the stack's clock forward (``brandlink --local clock advance DURATION``); always puts it
    back when the test ends, as the following tests share the stack (e2e tests run one at a time)."""
    try:
        yield lambda duration: admin("clock", "advance", duration)
    finally:
        assert admin("clock", "reset")["offset_seconds"] == 0


from tests.e2e.landing import landing  # noqa: E402, F401  (the landing page server of short-link tests)
