from __future__ import annotations

import json

import pytest

from brandlink import admin
from tests.integration.conftest import ApiClient


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert admin.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


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


def test_suspended_account_cannot_authenticate(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    created = run_cli(capsys, "create-account")
    run_cli(capsys, "set-status", created["account_sid"], "suspended")
    client = ApiClient(created["account_sid"], created["auth_token"])
    status, body = client.get(f"/2010-04-01/Accounts/{created['account_sid']}.json")
    assert (status, body["code"]) == (401, 20003)


def test_list_accounts(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, "create-account", "--name", "One")
    listed = run_cli(capsys, "list-accounts")
    assert {"sid": first["account_sid"], "friendly_name": "One", "status": "active"} in listed
    assert all("auth_token" not in row and "token_hash" not in row for row in listed)


def test_rotate_unknown_account_exits_with_message(aws: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as info:
        admin.main(["rotate-token", "AC" + "0" * 32])
    assert "not found" in str(info.value.code)


def test_retention_below_minimum_is_refused(aws: dict[str, str]) -> None:
    with pytest.raises(SystemExit):
        admin.main(["create-account", "--retention-days", "3"])


def test_token_is_never_stored_in_clear(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    created = run_cli(capsys, "create-account")
    table = aws["BRANDLINK_TABLE_ACCOUNTS"]
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert created["auth_token"] not in json.dumps(items)


def test_signing_token_is_the_current_auth_token(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from brandlink.adapters.token_key import token_master_key
    from brandlink.core.accounts import signing_token
    from brandlink.store.accounts import DynamoAccountRepository

    created = run_cli(capsys, "create-account")
    repo = DynamoAccountRepository()
    account = repo.get(created["account_sid"])
    assert signing_token(account, token_master_key()) == created["auth_token"]
    rotated = run_cli(capsys, "rotate-token", created["account_sid"])
    assert signing_token(repo.get(created["account_sid"]), token_master_key()) == rotated["auth_token"]
