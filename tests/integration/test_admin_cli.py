"""The ``brandlink`` operator command on moto: account commands, targets and their one-sentence errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.assets import copy_code
from local.state import LocalState, write_state
from ops import cli
from ops.target import NO_TARGET, TargetError, stack_environment, use_stack
from tests.integration.conftest import ApiClient

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def failure(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The error line of a command that must fail with exit status 1 and no traceback."""
    assert cli.main(list(argv)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    [line] = captured.err.strip().splitlines()
    assert line.startswith("brandlink: error: ")
    return line


def test_create_account_then_authenticate(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    created = run_cli(capsys, "create-account", "--name", "Acme")
    client = ApiClient(created["account_sid"], created["auth_token"])
    status, body = client.get(f"/2010-04-01/Accounts/{created['account_sid']}.json")
    assert status == 200 and body["friendly_name"] == "Acme"


def test_rotate_token_invalidates_old_one(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    created = run_cli(capsys, "create-account")
    rotated = run_cli(capsys, "rotate-token", created["account_sid"])
    assert rotated["auth_token"] != created["auth_token"]
    path = f"/2010-04-01/Accounts/{created['account_sid']}.json"
    assert ApiClient(created["account_sid"], created["auth_token"]).get(path)[0] == 401
    assert ApiClient(created["account_sid"], rotated["auth_token"]).get(path)[0] == 200


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_an_inactive_account_is_refused_with_10001_until_reactivated(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str], status: str
) -> None:
    """Security finding 4 (API half): a suspended or closed account makes no request; reactivation restores it."""
    created = run_cli(capsys, "create-account")
    sid = created["account_sid"]
    client = ApiClient(sid, created["auth_token"])
    assert client.post("/v1/Services", {"FriendlyName": "Before"})[0] == 201
    run_cli(capsys, "set-status", sid, status)
    for method, path, data in (
        ("GET", f"/2010-04-01/Accounts/{sid}.json", None),
        ("POST", "/v1/Services", {"FriendlyName": "During"}),
        ("POST", f"/2010-04-01/Accounts/{sid}/Messages.json", {"To": "+14155550100", "From": "+14155552671"}),
        ("GET", "/v1/Nowhere", None),
    ):
        code, body = client.call(method, path, data=data)
        assert (code, body["code"]) == (403, 10001), (method, path, body)
        assert "not active" in body["message"] and status in body["message"]
    # A wrong token still hears nothing about the status.
    code, body = ApiClient(sid, "0" * 32).get(f"/2010-04-01/Accounts/{sid}.json")
    assert (code, body["code"]) == (401, 20003)
    run_cli(capsys, "set-status", sid, "active")
    assert client.get(f"/2010-04-01/Accounts/{sid}.json")[0] == 200
    assert [s["friendly_name"] for s in client.get("/v1/Services")[1]["services"]] == ["Before"]


def test_list_accounts(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "create-account", "--name", "One")
    listed = run_cli(capsys, "list-accounts")
    assert {"sid": first["account_sid"], "friendly_name": "One", "status": "active"} in listed
    assert all("auth_token" not in row and "token_hash" not in row for row in listed)


def test_rotate_unknown_account_is_one_sentence(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "not found" in failure(capsys, "rotate-token", "AC" + "0" * 32)


def test_set_status_of_unknown_account_is_one_sentence(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "list-accounts" in failure(capsys, "set-status", "AC" + "0" * 32, "active")


def test_retention_below_minimum_is_refused(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert "--retention-days" in failure(capsys, "create-account", "--retention-days", "3")


def test_token_is_never_stored_in_clear(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    created = run_cli(capsys, "create-account")
    table = aws["BRANDLINK_TABLE_ACCOUNTS"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert created["auth_token"] not in json.dumps(items)


def test_signing_token_is_the_current_auth_token(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from brandlink import wiring
    from brandlink.store.accounts import DynamoAccountRepository

    created = run_cli(capsys, "create-account")
    repo = DynamoAccountRepository()
    assert wiring.signing_tokens().for_account(repo.get(created["account_sid"])) == created["auth_token"]
    rotated = run_cli(capsys, "rotate-token", created["account_sid"])
    assert wiring.signing_tokens().for_account(repo.get(created["account_sid"])) == rotated["auth_token"]


def test_the_target_options_work_after_the_command_too() -> None:
    parser = cli.build_parser()
    before = parser.parse_args(["--local", "list-accounts"])
    after = parser.parse_args(["list-accounts", "--local"])
    state_after = parser.parse_args(["env", "--state", "s.json"])
    assert before.local and after.local and state_after.state == "s.json"
    assert parser.parse_args(["--stack", "Brandlink", "create-account", "--name", "A"]).stack == "Brandlink"


def test_without_a_target_the_command_says_which_options_exist(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRANDLINK_TABLE_ACCOUNTS", raising=False)
    assert failure(capsys, "list-accounts") == f"brandlink: error: {NO_TARGET}"


def test_local_without_a_running_stack_is_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BRANDLINK_STATE_DIR", str(tmp_path))
    line = failure(capsys, "--local", "create-account")
    assert f"No local stack is running ({tmp_path / 'local.json'} not found): start one with `make run`" in line


def test_a_stale_state_file_is_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    state = LocalState("http://127.0.0.1:1", "http://127.0.0.1:2", "AC" + "1" * 32, "t" * 32, {}, dead_pid)
    write_state(tmp_path / "other.json", state)
    monkeypatch.setenv("BRANDLINK_STATE_DIR", str(tmp_path / "unused"))
    line = failure(capsys, "list-accounts", "--state", str(tmp_path / "other.json"))
    assert f"(pid {dead_pid}) is not running any more: start it with `make run`." in line


def test_local_and_stack_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not both" in failure(capsys, "--local", "--stack", "Brandlink", "list-accounts")


class FakeCloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        outputs = [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]
        return {"Stacks": [{"StackName": StackName, "Outputs": outputs}]}


def test_a_deployed_stack_is_found_through_its_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = {
        "TableAccounts": "Brandlink-TableAccounts-XYZ",
        "TableServiceDomains": "Brandlink-TableServiceDomains-XYZ",
        "TokenKeyArn": "arn:aws:kms:eu-west-1:1:key/token",
        "ManagementApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com",
    }
    for name in stack_environment(outputs):
        monkeypatch.setenv(name, "before")  # so that monkeypatch restores what use_stack sets
    target = use_stack("Brandlink", FakeCloudFormation(outputs))
    assert target.api_url == outputs["ManagementApiUrl"] and target.account_sid is None
    assert os.environ["BRANDLINK_TABLE_ACCOUNTS"] == "Brandlink-TableAccounts-XYZ"
    assert os.environ["BRANDLINK_TABLE_SERVICE_DOMAINS"] == "Brandlink-TableServiceDomains-XYZ"
    assert os.environ["BRANDLINK_TOKEN_KEY_ARN"] == outputs["TokenKeyArn"]
    assert cli.env_line(target, {}) == f"export API={outputs['ManagementApiUrl']}"


def test_a_stack_that_is_not_brandlink_is_refused() -> None:
    with pytest.raises(TargetError, match="no TableAccounts output"):
        use_stack("Other", FakeCloudFormation({"SomethingElse": "x"}))


def test_the_lambda_asset_does_not_ship_the_operator_command(tmp_path: Path) -> None:
    copy_code(REPO_ROOT / "functions" / "brandlink", tmp_path)
    shipped = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.py"))
    assert shipped and "brandlink/admin.py" not in shipped
    for path in tmp_path.rglob("*.py"):
        source = path.read_text()
        assert "import ops" not in source and "from ops" not in source and "argparse" not in source, path
