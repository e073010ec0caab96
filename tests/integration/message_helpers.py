"""Shared pieces of the Messages tests: senders and services, the queue pumps, a callback receiver."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from brandlink.config import settings
from local.events import sqs_event
from tests.integration.conftest import ApiClient, lambda_context, own

SENDER = "+14155552671"
RECIPIENT = "+14155550100"


def messages_path(api: ApiClient, sid: str | None = None) -> str:
    base = f"/2010-04-01/Accounts/{api.sid}/Messages"
    return f"{base}.json" if sid is None else f"{base}/{sid}.json"


def register_number(api: ApiClient, number: str = SENDER) -> dict[str, Any]:
    own(api, number)
    status, body = api.post(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": number})
    assert status == 201, body
    return body


def service_with_numbers(api: ApiClient, *numbers: str, **settings_: str) -> str:
    status, service = api.post("/v1/Services", {"FriendlyName": "Notifications", **settings_})
    assert status == 201, service
    own(api, *numbers)
    for number in numbers:
        status, body = api.post(f"/v1/Services/{service['sid']}/PhoneNumbers", {"PhoneNumber": number})
        assert status == 201, body
    return str(service["sid"])


def send(api: ApiClient, **params: Any) -> dict[str, Any]:
    status, body = api.post(messages_path(api), params)
    assert status == 201, body
    return body


def _pump(queue: str, handler: Callable[[dict[str, Any], Any], dict[str, Any]], *, retry_failed: bool) -> int:
    """Deliver everything visible on ``queue`` to ``handler`` as the event source mapping does; records
    reported as failed stay on the queue, invisible until their visibility timeout, or (``retry_failed``)
    visible again at once, the pump then stopping so the caller decides when they come back."""
    sqs = boto3.client("sqs", region_name=settings().region)
    url = settings().queue_url(queue)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    delivered = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        try:
            result = handler(sqs_event(messages, arn), lambda_context())
            failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            elif retry_failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        delivered += len(messages) - len(failed)
        if failed and retry_failed:
            break
    return delivered


def run_dispatch(*, retry_failed: bool = False) -> int:
    """Dispatch what is on the send queue; returns how many records succeeded (``retry_failed``: see
    ``_pump``; the next receive of a failed record is then a redelivery, as after a crash)."""
    from brandlink.handlers.dispatch import handler

    return _pump("send", handler, retry_failed=retry_failed)


def run_status_callbacks(*, retry_failed: bool = False) -> int:
    """Post what is on the status-callback queue; returns how many records succeeded."""
    from brandlink.handlers.status_callbacks import handler

    return _pump("status_callbacks", handler, retry_failed=retry_failed)


def dispatch_payload(payload: str) -> dict[str, Any]:
    """Call the dispatch function with one record carrying ``payload`` (a schedule's Input)."""
    from brandlink.handlers.dispatch import handler

    record = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "r", "Body": payload}
    return handler(sqs_event([record], settings().send_queue_arn or "arn:aws:sqs:us-east-1:0:send"), lambda_context())


def queue_depth(queue: str) -> int:
    sqs = boto3.client("sqs", region_name=settings().region)
    attributes = sqs.get_queue_attributes(
        QueueUrl=settings().queue_url(queue),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesDelayed"])


@dataclass
class ReceivedCallback:
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def signature(self) -> str | None:
        return self.headers.get("X-Twilio-Signature")

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class CallbackReceiver:
    """An HTTP server on 127.0.0.1 (free port) that records POSTs and answers from ``replies``
    (``(status, body)``, first in first out), else 204. Refused requests are not recorded."""

    received: list[ReceivedCallback] = field(default_factory=list)
    replies: list[tuple[int, bytes]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/status") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def statuses(self) -> list[str]:
        return [callback.params["MessageStatus"] for callback in self.received]

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, reply = receiver.replies.pop(0) if receiver.replies else (204, b"")
                if 200 <= status < 300:
                    receiver.received.append(ReceivedCallback(receiver.url(self.path), dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[CallbackReceiver]:
    receiver = CallbackReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler_class())
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="callback-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
