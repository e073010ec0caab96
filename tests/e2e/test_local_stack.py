"""`make run` end to end: the printed credentials, the twilio client, the admin CLI, the pumps, stopping."""

from __future__ import annotations

import base64
import json
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from twilio.rest import Client

from local.events import http_event
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def account_url(stack: LocalStackProcess, sid: str) -> str:
    return f"{stack.api_url}/2010-04-01/Accounts/{sid}.json"


def fetch_account(stack: LocalStackProcess, sid: str, token: str) -> requests.Response:
    return requests.get(account_url(stack, sid), auth=(sid, token), timeout=10)


def test_the_printed_credentials_fetch_the_account(local_stack: LocalStackProcess) -> None:
    response = fetch_account(local_stack, local_stack.account_sid, local_stack.auth_token)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["sid"] == local_stack.account_sid
    assert response.json()["status"] == "active"
    output = local_stack.output()
    assert f"AccountSid       {local_stack.account_sid}" in output
    credentials = f"{local_stack.account_sid}:{local_stack.auth_token}"
    assert f"curl -u {credentials} {account_url(local_stack, local_stack.account_sid)}" in output
    assert "Brandlink is running" in output
    # What the user set before `make run` reaches the handlers and the state file's environment.
    assert local_stack.environment["BRANDLINK_SCHEDULE_MIN_SECONDS"] == "2"


def test_a_wrong_token_is_refused_with_20003(local_stack: LocalStackProcess) -> None:
    response = fetch_account(local_stack, local_stack.account_sid, "0" * 32)

    assert response.status_code == 401
    assert response.json()["code"] == 20003


def test_the_official_twilio_client_works_against_the_stack(
    local_stack: LocalStackProcess, twilio_client: Client
) -> None:
    account = twilio_client.api.accounts(local_stack.account_sid).fetch()

    assert account.sid == local_stack.account_sid
    assert account.friendly_name == "Local account"


def test_admin_cli_creates_accounts_and_rotates_tokens_in_the_running_stack(
    local_stack: LocalStackProcess, admin: Callable[..., Any]
) -> None:
    created = admin("create-account", "--name", "Acme")
    sid, token = created["account_sid"], created["auth_token"]
    assert fetch_account(local_stack, sid, token).json()["friendly_name"] == "Acme"

    rotated = admin("rotate-token", sid)["auth_token"]

    old = fetch_account(local_stack, sid, token)
    assert old.status_code == 401 and old.json()["code"] == 20003
    assert fetch_account(local_stack, sid, rotated).status_code == 200


def test_local_invoke_runs_a_function_against_the_running_stack(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str], tmp_path: Path
) -> None:
    sid, token = fresh_account
    authorization = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
    event = http_event("GET", f"/2010-04-01/Accounts/{sid}.json", headers={"authorization": authorization})
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))

    result = local_stack.run_python(
        "-m", "local.invoke", "api", "--event", str(event_file), "--state", str(local_stack.state_file)
    )

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200 and json.loads(response["body"])["sid"] == sid


def test_due_one_time_schedules_are_delivered_by_the_stack(local_stack: LocalStackProcess) -> None:
    env = local_stack.environment
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name=env["AWS_REGION"],
    )
    sqs = session.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"])
    scheduler = session.client("scheduler", endpoint_url=env["AWS_ENDPOINT_URL"])
    queue_url = sqs.create_queue(QueueName="e2e-schedule-target")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fire_at = time.gmtime(time.time() + 1)
    scheduler.create_schedule(
        Name="e2e-one-time",
        GroupName=env["BRANDLINK_SCHEDULE_GROUP"],
        ScheduleExpression=f"at({time.strftime('%Y-%m-%dT%H:%M:%S', fire_at)})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": queue_arn, "RoleArn": env["BRANDLINK_SCHEDULER_ROLE_ARN"], "Input": '{"hello": "later"}'},
        ActionAfterCompletion="DELETE",
    )

    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10).get("Messages", [])

    assert [m["Body"] for m in messages] == ['{"hello": "later"}']
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=env["BRANDLINK_SCHEDULE_GROUP"])["Schedules"]]
    assert "e2e-one-time" not in names


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sigterm_stops_a_stack_cleanly_and_frees_its_ports(tmp_path: Path) -> None:
    stack = LocalStackProcess(tmp_path / "own-stack")
    stack.start()
    try:
        state = stack.wait_ready()
    except BaseException:
        stack.kill()
        raise
    ports = [
        urlsplit(url).port
        for url in (state["api_url"], state["redirect_url"], state["environment"]["AWS_ENDPOINT_URL"])
    ]
    assert not any(port_is_free(port) for port in ports if port)

    exit_code = stack.stop(signal.SIGTERM)

    assert exit_code == 0, stack.output()
    assert "Brandlink stopped cleanly." in stack.output()
    assert not stack.state_file.exists()
    assert all(port_is_free(port) for port in ports if port)


def test_a_taken_port_is_reported_with_the_variable_to_set(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        stack = LocalStackProcess(tmp_path / "clash", {"BRANDLINK_API_PORT": str(taken)})
        stack.start()
        exit_code = stack.wait_exit()

    assert exit_code == 2
    assert f"Port {taken} on 127.0.0.1 is already in use: set BRANDLINK_API_PORT" in stack.output()
    assert not stack.state_file.exists()
