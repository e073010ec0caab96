"""Per-account auth tokens (security finding 2): random, hashed for login, sealed under KMS for signing.

moto's KMS refuses a Decrypt whose encryption context differs from the Encrypt's, as KMS does, so
these tests show the binding of a sealed token to its account for real, not through a fake.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from twilio.request_validator import RequestValidator

from brandlink.core.accounts.tokens import TokenUnavailable, derive_auth_token, hash_token
from brandlink.core.messaging.status_callbacks import StatusCallbackJob
from local.events import sqs_event
from ops import cli
from tests.integration.conftest import ApiClient, lambda_context


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()  # what the handlers logged before
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _account(sid: str) -> Any:
    from brandlink import wiring

    return wiring.accounts().get(sid)


class RecordingPoster:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def post_form(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> int:
        self.posts.append((url, dict(params), dict(headers)))
        return 204


@pytest.fixture
def poster(monkeypatch: pytest.MonkeyPatch) -> RecordingPoster:
    from brandlink import wiring

    recording = RecordingPoster()
    monkeypatch.setattr(wiring, "form_poster", lambda: recording)
    return recording


def _post_status_callback(account_sid: str) -> dict[str, Any]:
    from brandlink.handlers.status_callbacks import handler

    job = StatusCallbackJob(account_sid, "https://hooks.example.com/status", {"MessageStatus": "sent"})
    record = {"MessageId": "m1", "ReceiptHandle": "r", "Body": job.to_json(), "attributes": {}}
    return handler(sqs_event([record], "arn:aws:sqs:us-east-1:000000000000:status"), lambda_context())


def _signed_with(poster: RecordingPoster, token: str) -> bool:
    url, params, headers = poster.posts[-1]
    return bool(RequestValidator(token).validate(url, params, headers["X-Twilio-Signature"]))


def test_tokens_are_random_and_stored_only_hashed_and_sealed(aws: dict[str, str], capsys: Any) -> None:
    first, second = run_cli(capsys, "create-account"), run_cli(capsys, "create-account")
    assert first["auth_token"] != second["auth_token"]
    item = boto3.client("dynamodb").get_item(
        TableName=aws["BRANDLINK_TABLE_ACCOUNTS"], Key={"sid": {"S": first["account_sid"]}}
    )["Item"]
    assert first["auth_token"] not in json.dumps(item)
    assert item["token_sealed"]["S"]


def test_status_callbacks_are_signed_with_the_decrypted_token(
    aws: dict[str, str], capsys: Any, poster: RecordingPoster
) -> None:
    created = run_cli(capsys, "create-account")
    assert _post_status_callback(created["account_sid"]) == {"batchItemFailures": []}
    assert _signed_with(poster, created["auth_token"])
    assert not _signed_with(poster, "0" * 32)


def test_another_accounts_sealed_token_opens_for_nobody_else(aws: dict[str, str], capsys: Any) -> None:
    """A holder of A's ciphertext (a table dump, a bug that copies it) cannot use it as B's."""
    from brandlink import wiring

    alice, bob = run_cli(capsys, "create-account"), run_cli(capsys, "create-account")
    alices_sealed = _account(alice["account_sid"]).token_sealed
    vault = wiring.token_vault()
    assert vault.open(alice["account_sid"], alices_sealed) == alice["auth_token"]
    with pytest.raises(TokenUnavailable):
        vault.open(bob["account_sid"], alices_sealed)
    # Written onto B's item, it signs nothing for B: the callback fails (and is retried), unsigned.
    boto3.client("dynamodb").update_item(
        TableName=aws["BRANDLINK_TABLE_ACCOUNTS"],
        Key={"sid": {"S": bob["account_sid"]}},
        UpdateExpression="SET token_sealed = :s",
        ExpressionAttributeValues={":s": {"S": alices_sealed}},
    )
    with pytest.raises(TokenUnavailable):
        wiring.signing_tokens().for_account(_account(bob["account_sid"]))


def test_rotation_changes_login_and_signing_together(aws: dict[str, str], capsys: Any, poster: RecordingPoster) -> None:
    created = run_cli(capsys, "create-account")
    sid = created["account_sid"]
    _post_status_callback(sid)
    assert _signed_with(poster, created["auth_token"])
    rotated = run_cli(capsys, "rotate-token", sid)
    path = f"/2010-04-01/Accounts/{sid}.json"
    assert ApiClient(sid, created["auth_token"]).get(path)[0] == 401
    assert ApiClient(sid, rotated["auth_token"]).get(path)[0] == 200
    _post_status_callback(sid)  # the same warm container: its cache holds the old token's ciphertext
    assert _signed_with(poster, rotated["auth_token"])
    assert not _signed_with(poster, created["auth_token"])


def test_a_rename_racing_a_rotation_cannot_bring_the_old_token_back(aws: dict[str, str], capsys: Any) -> None:
    from brandlink import wiring
    from brandlink.core.accounts import actions

    created = run_cli(capsys, "create-account")
    sid = created["account_sid"]
    stale = _account(sid)  # a rename request read the account ...
    rotated = run_cli(capsys, "rotate-token", sid)  # ... the operator rotated meanwhile ...
    wiring.accounts().save(actions.update_account(stale, "Renamed", None))  # ... then the rename is saved
    path = f"/2010-04-01/Accounts/{sid}.json"
    assert ApiClient(sid, created["auth_token"]).get(path)[0] == 401
    assert ApiClient(sid, rotated["auth_token"]).get(path)[1]["friendly_name"] == "Renamed"


# ---- migration from a deployment whose tokens were derived from one master key -------------------

MASTER_KEY = "m" * 64


def _legacy_account(aws: dict[str, str], version: int = 1) -> tuple[str, str]:
    """An account as the old deployment wrote it: a derived token, its hash, no sealed copy."""
    from brandlink.core.common.sids import new_sid

    sid = new_sid("AC")
    token = derive_auth_token(MASTER_KEY.encode(), sid, version)
    salt, digest = hash_token(token)
    now = "2024-01-01T00:00:00.000000+0000"
    boto3.client("dynamodb").put_item(
        TableName=aws["BRANDLINK_TABLE_ACCOUNTS"],
        Item={
            "sid": {"S": sid},
            "friendly_name": {"S": "Old customer"},
            "status": {"S": "active"},
            "token_salt": {"S": salt},
            "token_hash": {"S": digest},
            "date_created": {"S": now},
            "date_updated": {"S": now},
            "token_version": {"N": str(version)},
        },
    )
    return sid, token


@pytest.fixture
def master_key_secret(aws: dict[str, str]) -> str:
    return str(boto3.client("secretsmanager").create_secret(Name="TokenKeySecret", SecretString=MASTER_KEY)["ARN"])


def test_migration_keeps_existing_tokens_working(
    aws: dict[str, str],
    capsys: Any,
    poster: RecordingPoster,
    master_key_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from brandlink.config import settings

    old_sid, old_token = _legacy_account(aws)
    rotated_sid, rotated_token = _legacy_account(aws, version=4)
    new = run_cli(capsys, "create-account")

    # Before the migration, without the retired key: the callback cannot be signed (retried, not lost).
    assert _post_status_callback(old_sid) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    # During the upgrade (legacyTokenKeySecretArn set): signed with the derived token.
    monkeypatch.setenv("BRANDLINK_LEGACY_TOKEN_KEY_SECRET_ARN", master_key_secret)
    settings.cache_clear()
    assert _post_status_callback(old_sid) == {"batchItemFailures": []}
    assert _signed_with(poster, old_token)

    report = run_cli(capsys, "migrate-tokens", "--master-key-secret", master_key_secret)
    outcomes = {row["account_sid"]: row["outcome"] for row in report}
    assert outcomes == {old_sid: "sealed", rotated_sid: "sealed", new["account_sid"]: "already_sealed"}
    assert run_cli(capsys, "migrate-tokens", "--master-key-secret", master_key_secret) == [
        {"account_sid": sid, "outcome": "already_sealed"} for sid in (row["account_sid"] for row in report)
    ]

    # After it, and with the retired key gone: the customers' tokens are unchanged for login and signing.
    monkeypatch.delenv("BRANDLINK_LEGACY_TOKEN_KEY_SECRET_ARN")
    settings.cache_clear()
    for sid, token in ((old_sid, old_token), (rotated_sid, rotated_token)):
        assert ApiClient(sid, token).get(f"/2010-04-01/Accounts/{sid}.json")[0] == 200
        assert _post_status_callback(sid) == {"batchItemFailures": []}
        assert _signed_with(poster, token)


def test_migration_with_the_wrong_master_key_seals_nothing(aws: dict[str, str], capsys: Any) -> None:
    sid, _token = _legacy_account(aws)
    wrong = boto3.client("secretsmanager").create_secret(Name="Other", SecretString="x" * 64)["ARN"]
    [row] = run_cli(capsys, "migrate-tokens", "--master-key-secret", wrong)
    assert (row["account_sid"], row["outcome"]) == (sid, "hash_mismatch")
    assert _account(sid).token_sealed is None


def test_migration_needs_the_old_secret(aws: dict[str, str], capsys: Any) -> None:
    assert cli.main(["migrate-tokens"]) == 1
    assert "--master-key-secret" in capsys.readouterr().err
