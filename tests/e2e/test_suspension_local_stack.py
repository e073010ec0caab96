"""Security on the local stack, over HTTP: a suspended account's scheduled message is not sent when
its schedule fires (finding 4, dispatch half: 30002 and its status callback), and
reactivation restores sending; the operator's per-account limits (finding 5) apply at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
import requests

from brandlink.core.messaging.scheduling import schedule_name
from tests.e2e.conftest import give_senders
from tests.e2e.serving import serving
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NUMBER = "+14155552721"  # this module's own: a number belongs to one account of the deployment
RECIPIENT = "+14155550100"
DEADLINE_SECONDS = 60.0


class Callbacks:
    """Records the form POSTs Brandlink makes to 127.0.0.1 (free port)."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        callbacks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                callbacks.received.append(dict(parse_qsl(body, keep_blank_values=True)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/status"

    def of(self, message_sid: str) -> list[dict[str, str]]:
        return [params for params in self.received if params.get("MessageSid") == message_sid]


@pytest.fixture
def callbacks() -> Iterator[Callbacks]:
    receiver = Callbacks()
    with serving(receiver.server):
        yield receiver


def wait_until(check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {DEADLINE_SECONDS} s")


class Customer:
    def __init__(self, stack: LocalStackProcess, sid: str, token: str) -> None:
        self.base, self.sid, self.auth = stack.api_url.rstrip("/"), sid, (sid, token)

    def call(self, method: str, path: str, data: dict[str, str] | None = None, **query: str) -> tuple[int, Any]:
        response = requests.request(
            method, self.base + path, data=data, params=query, auth=self.auth, timeout=DEADLINE_SECONDS
        )
        return response.status_code, (response.json() if response.content else None)

    def schedule(self, service: str, body: str, callback: str, seconds: int) -> tuple[dict[str, Any], datetime]:
        send_at = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
        status, message = self.call(
            "POST",
            f"/2010-04-01/Accounts/{self.sid}/Messages.json",
            {
                "To": RECIPIENT,
                "MessagingServiceSid": service,
                "Body": body,
                "ScheduleType": "fixed",
                "SendAt": send_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "StatusCallback": callback,
            },
        )
        assert status == 201 and message["status"] == "scheduled", message
        return dict(message), send_at

    def message(self, sid: str) -> dict[str, Any]:
        status, body = self.call("GET", f"/2010-04-01/Accounts/{self.sid}/Messages/{sid}.json")
        assert status == 200, body
        return dict(body)

    def outbox(self, message_sid: str) -> list[Any]:
        status, body = self.call("GET", "/v1/Outbox", MessageSid=message_sid)
        assert status == 200, body
        return list(body["messages"])


@pytest.fixture
def customer(local_stack: LocalStackProcess, admin: Callable[..., Any]) -> Customer:
    created = admin("create-account", "--name", "Suspended later")
    customer = Customer(local_stack, created["account_sid"], created["auth_token"])
    give_senders(local_stack, customer.sid, NUMBER)
    return customer


def service_with_number(customer: Customer) -> str:
    status, service = customer.call("POST", "/v1/Services", {"FriendlyName": "Campaign"})
    assert status == 201, service
    status, body = customer.call("POST", f"/v1/Services/{service['sid']}/PhoneNumbers", {"PhoneNumber": NUMBER})
    assert status == 201, body
    return str(service["sid"])


def fire_schedule_now(stack: LocalStackProcess, message_sid: str) -> None:
    """Play EventBridge Scheduler for one message: send its schedule's target input to the target
    queue, then delete the schedule (``ActionAfterCompletion=DELETE``), as the stack's pump does when
    ``SendAt`` comes."""
    env = stack.environment
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name=env["AWS_REGION"],
    )
    scheduler = session.client("scheduler", endpoint_url=env["AWS_ENDPOINT_URL"])
    sqs = session.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"])
    name, group = schedule_name(message_sid), env["BRANDLINK_SCHEDULE_GROUP"]
    target = scheduler.get_schedule(Name=name, GroupName=group)["Target"]
    queue_url = sqs.get_queue_url(QueueName=target["Arn"].rsplit(":", 1)[1])["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=target["Input"])
    scheduler.delete_schedule(Name=name, GroupName=group)


def test_a_suspended_accounts_scheduled_message_is_not_sent(
    local_stack: LocalStackProcess, customer: Customer, admin: Callable[..., Any], callbacks: Callbacks
) -> None:
    service = service_with_number(customer)
    # Scheduled well beyond this test, then fired by the test itself once the account is suspended,
    # exactly as EventBridge Scheduler (and the stack's pump) fires it: no race with wall-clock time.
    scheduled, _due = customer.schedule(service, "Scheduled before the suspension", callbacks.url, seconds=3600)
    admin("set-status", customer.sid, "suspended")
    fire_schedule_now(local_stack, scheduled["sid"])

    # Dispatch fails it unsent and says so in the status callback.
    wait_until(lambda: any(c["MessageStatus"] == "failed" for c in callbacks.of(scheduled["sid"])))
    statuses = {(c["MessageStatus"], c.get("ErrorCode")) for c in callbacks.of(scheduled["sid"])}
    assert statuses == {("failed", "30002")}, statuses  # never "sending" or "sent"

    admin("set-status", customer.sid, "active")
    message = customer.message(scheduled["sid"])
    assert (message["status"], message["error_code"]) == ("failed", 30002)
    assert customer.outbox(scheduled["sid"]) == []

    # Reactivated, the account's new messages go out again.
    status, again = customer.call(
        "POST",
        f"/2010-04-01/Accounts/{customer.sid}/Messages.json",
        {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "Sent after reactivation"},
    )
    assert status == 201, again
    wait_until(lambda: customer.message(again["sid"])["status"] == "sent")
    assert [m["body"] for m in customer.outbox(again["sid"])] == ["Sent after reactivation"]


def test_the_operators_limits_apply_at_once(customer: Customer, admin: Callable[..., Any]) -> None:
    path = f"/2010-04-01/Accounts/{customer.sid}/Messages.json"
    london = {"To": "+447400123456", "From": NUMBER, "Body": "Hello London"}
    status, body = customer.call(
        "POST", f"/2010-04-01/Accounts/{customer.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": NUMBER}
    )
    assert status == 201, body
    status, body = customer.call("POST", path, london)
    assert (status, body["code"]) == (400, 21408), body
    shown = admin("set-limits", customer.sid, "--countries", "US,CA,GB")
    assert shown["effective"]["countries"] == "CA,GB,US"
    status, body = customer.call("POST", path, london)
    assert status == 201, body
