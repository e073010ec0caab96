"""`make run` end to end: the printed credentials, the twilio client, the admin CLI, the pumps, load,
the functions' own log service names, stopping."""

from __future__ import annotations

import base64
import http.client
import json
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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

# Ceilings for a loaded machine, never expectations: every wait below polls for its condition.
DEADLINE_SECONDS = 60.0


def wait_until(check: Callable[[], Any], what: str, timeout: float = DEADLINE_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


def account_url(stack: LocalStackProcess, sid: str) -> str:
    return f"{stack.api_url}/2010-04-01/Accounts/{sid}.json"


def fetch_account(stack: LocalStackProcess, sid: str, token: str) -> requests.Response:
    return requests.get(account_url(stack, sid), auth=(sid, token), timeout=DEADLINE_SECONDS)


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

    def listed() -> set[str]:
        return {s["Name"] for s in scheduler.list_schedules(GroupName=env["BRANDLINK_SCHEDULE_GROUP"])["Schedules"]}

    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"), "the delivery"
    )

    assert [m["Body"] for m in messages] == ['{"hello": "later"}']
    # EventBridge deletes a completed schedule "soon", not atomically with the delivery: poll for it.
    wait_until(lambda: "e2e-one-time" not in listed(), "the schedule's deletion")


def basic_auth(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def test_300_requests_from_50_concurrent_clients_are_all_answered(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str]
) -> None:
    """New connections in a burst, as http.client and the twilio client make them: none is reset.

    Half of them POST a form right after connecting, which is what a full listen backlog reset
    (the gateway used to have socketserver's backlog of 5)."""
    sid, token = fresh_account
    api = urlsplit(local_stack.api_url)
    path = f"/2010-04-01/Accounts/{sid}.json"
    start = threading.Barrier(50)

    def one(n: int) -> int | str:
        if n < 50:
            start.wait(timeout=DEADLINE_SECONDS)  # the first 50 connect at the same moment
        connection = http.client.HTTPConnection(api.hostname or "127.0.0.1", api.port, timeout=DEADLINE_SECONDS * 2)
        headers = {"Authorization": basic_auth(sid, token)}
        try:
            if n % 2:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                connection.request("POST", path, body=b"FriendlyName=load", headers=headers)
            else:
                connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException) as exc:  # a reset, a refusal, no answer
            return type(exc).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=50) as clients:
        answers = Counter(clients.map(one, range(300)))

    assert answers == Counter({200: 300})
    assert fetch_account(local_stack, sid, token).json()["friendly_name"] == "load"


def test_a_client_trickling_its_body_does_not_hold_up_the_others(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str]
) -> None:
    sid, token = fresh_account
    api = urlsplit(local_stack.api_url)
    body = b"FriendlyName=trickled"
    with socket.create_connection((api.hostname, api.port), timeout=DEADLINE_SECONDS) as slow:
        slow.sendall(
            f"POST /2010-04-01/Accounts/{sid}.json HTTP/1.1\r\nHost: {api.netloc}\r\n".encode()
            + f"Authorization: {basic_auth(sid, token)}\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:5]
        )

        others = [fetch_account(local_stack, sid, token) for _ in range(5)]  # while the body is still owed

        assert [response.status_code for response in others] == [200] * 5
        assert {response.json()["friendly_name"] for response in others} == {"e2e"}
        slow.sendall(body[5:])
        reply = b""
        while chunk := slow.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert fetch_account(local_stack, sid, token).json()["friendly_name"] == "trickled"


def test_each_function_logs_with_its_own_service_name(local_stack: LocalStackProcess) -> None:
    """The seeded certificate is installed by the certificates worker at start-up; its Powertools
    log line carries the function's service name, as POWERTOOLS_SERVICE_NAME does in AWS."""

    def certificate_lines() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in local_stack.output().splitlines() if line.startswith('{"level"')]
        return [line for line in lines if line.get("message") == "certificate job done"]

    (line, *_) = wait_until(certificate_lines, "the certificates worker's log line")

    assert line["service"] == "brandlink-certificates"
    assert line["function_name"] == "brandlink-certificates"
    assert '"service":"service_undefined"' not in local_stack.output().replace(" ", "")


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
