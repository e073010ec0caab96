"""A status-callback receiver that is down: one warning line per failed post, no traceback, and the
records stay on the queue to be retried (then dead-lettered), as before."""

from __future__ import annotations

import socket

import boto3
import pytest

from brandlink.config import settings
from local.events import sqs_event
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.message_helpers import RECIPIENT, SENDER, register_number, run_dispatch, send


def closed_port_url() -> str:
    """A loopback URL nobody listens on: a bound socket that never listens refuses connections."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    holder.close()
    return f"http://127.0.0.1:{port}/status"


def test_a_receiver_that_is_down_gets_one_warning_per_post_and_a_retry(
    api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    from brandlink.handlers.status_callbacks import handler

    url = closed_port_url()
    register_number(api)
    send(api, To=RECIPIENT, From=SENDER, Body="Hi", StatusCallback=url)
    run_dispatch()
    sqs = boto3.client("sqs", region_name=settings().region)
    queue_url = settings().queue_url("status_callbacks")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert len(messages) == 2  # "sending" and "sent"
    caplog.clear()

    result = handler(sqs_event(messages, arn), lambda_context())  # every record failed: no BatchProcessingError

    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {m["MessageId"] for m in messages}
    assert "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == len(messages), caplog.text
    assert all(w.startswith(f"status callback to {url} failed (attempt 1): ") for w in warnings), warnings
    in_flight = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert in_flight["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "2"  # back after the visibility timeout
