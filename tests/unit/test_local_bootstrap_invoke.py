"""Bootstrap (local account, seeders) and `python -m local.invoke`, on moto."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from brandlink import resources
from local.bootstrap import create_local_account, run_seeders
from local.events import http_event
from local.invoke import InvokeError, default_event, invoke, main
from local.provision import provision
from local.seed import SEEDERS
from local.seeding import SeedContext
from local.state import LocalState, write_state


@pytest.fixture
def provisioned() -> Iterator[dict[str, str]]:
    with mock_aws():
        yield provision()


def test_the_local_account_authenticates_with_its_token(provisioned: dict[str, str]) -> None:
    from brandlink.core.accounts.actions import authenticate
    from brandlink.store.accounts import DynamoAccountRepository

    sid, token = create_local_account()

    assert authenticate(DynamoAccountRepository(), sid, token).friendly_name == "Local account"


def test_seeders_run_in_order_and_a_failing_one_does_not_stop_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    context = SeedContext("http://api", "http://links", "AC1", "token")

    def demo_service(ctx: SeedContext) -> dict[str, str]:
        return {"Messaging service": f"MG-for-{ctx.account_sid}"}

    def broken(ctx: SeedContext) -> dict[str, str]:
        raise RuntimeError("domain already exists")

    def demo_domain(ctx: SeedContext) -> dict[str, str]:
        return {"Domain": ctx.redirect_url}

    results = run_seeders(context, [demo_service, broken, demo_domain])

    assert [r.values for r in results] == [{"Messaging service": "MG-for-AC1"}, {}, {"Domain": "http://links"}]
    assert results[1].error == "RuntimeError: domain already exists"
    assert "broken" in results[1].seeder
    assert "Seeder" in caplog.text and "domain already exists" in caplog.text


def test_the_seeder_list_holds_only_callables() -> None:
    assert all(callable(seeder) for seeder in SEEDERS)


def basic(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def spec(name: str) -> resources.FunctionSpec:
    return next(s for s in resources.DECLARED_FUNCTIONS if s.logical == name)


def test_default_events_by_trigger() -> None:
    scheduled = [s for s in resources.FUNCTIONS if s.schedule_expression]
    for each in scheduled:
        event = default_event(each, "us-east-1", "http://api", "http://links")
        assert event["detail-type"] == "Scheduled Event"
    with pytest.raises(InvokeError, match="fed by the SQS queue 'send'"):
        default_event(spec("dispatch"), "us-east-1", "http://api", "http://links")
    with pytest.raises(InvokeError, match="serves HTTP at http://links"):
        default_event(spec("redirect"), "us-east-1", "http://api", "http://links")


def write_running_state(path: Path, environment: dict[str, str], pid: int, sid: str = "AC1", token: str = "t") -> None:
    write_state(path, LocalState("http://api", "http://links", sid, token, environment, pid))


def test_invoke_runs_a_function_with_the_stack_environment(provisioned: dict[str, str], tmp_path: Path) -> None:
    sid, token = create_local_account()
    state_file = tmp_path / "local.json"
    write_running_state(state_file, provisioned, os.getpid(), sid, token)
    event_file = tmp_path / "event.json"
    event = http_event(
        "GET",
        f"/2010-04-01/Accounts/{sid}.json",
        headers={"host": "127.0.0.1:8080", "x-forwarded-proto": "http", "authorization": basic(sid, token)},
    )
    event_file.write_text(json.dumps(event))

    result = invoke("api", state_file, str(event_file))

    assert result["statusCode"] == 200
    assert json.loads(result["body"])["sid"] == sid


def test_invoke_refuses_unknown_functions_stale_state_and_bad_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = tmp_path / "local.json"
    assert main(["cert_expiry", "--state", str(state_file)]) == 2
    assert "make run" in capsys.readouterr().err

    write_running_state(state_file, {}, 2**22 + 12345)
    with pytest.raises(InvokeError, match="no longer running"):
        invoke("cert_expiry", state_file, None)
    with pytest.raises(InvokeError, match="choose one of: api, redirect"):
        invoke("no_such_function", state_file, None)

    write_running_state(state_file, {}, os.getpid())
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(InvokeError, match="must hold a JSON object"):
        invoke("api", state_file, str(bad))
    bad.write_text("{oops")
    with pytest.raises(InvokeError, match="is not JSON"):
        invoke("api", state_file, str(bad))


def test_invoking_a_function_that_is_not_built_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unbuilt = resources.FunctionSpec(
        "nightly", "brandlink.handlers.not_written_yet.handler", "test", schedule_expression="rate(1 day)"
    )
    monkeypatch.setattr(resources, "DECLARED_FUNCTIONS", (*resources.DECLARED_FUNCTIONS, unbuilt))
    state_file = tmp_path / "local.json"
    write_running_state(state_file, {}, os.getpid())

    with pytest.raises(InvokeError, match="nightly function is not part of this build yet"):
        invoke("nightly", state_file, None)
