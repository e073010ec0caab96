"""Scheduled messages on moto: the EventBridge schedule, firing into the same dispatch path, cancel
before and after it fires, and the per-account counter."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from brandlink.config import settings
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    dispatch_payload,
    messages_path,
    queue_depth,
    run_dispatch,
    send,
    service_with_numbers,
)


def scheduler() -> Any:
    return boto3.client("scheduler", region_name=settings().region)


def schedule_of(sid: str) -> dict[str, Any]:
    return scheduler().get_schedule(Name=f"message-{sid}", GroupName=settings().schedule_group)


def schedule_exists(sid: str) -> bool:
    try:
        schedule_of(sid)
    except scheduler().exceptions.ResourceNotFoundException:
        return False
    return True


def scheduled_count(account_sid: str) -> int:
    from brandlink.store.messaging.messages import DynamoMessageRepository

    return DynamoMessageRepository().scheduled_count(account_sid)


@pytest.fixture(name="service")
def service_fixture(api: ApiClient) -> str:
    return service_with_numbers(api, SENDER)


def schedule(api: ApiClient, service: str, minutes: int = 60) -> tuple[dict[str, Any], datetime]:
    send_at = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0)
    body = send(
        api,
        To=RECIPIENT,
        MessagingServiceSid=service,
        Body="Later",
        ScheduleType="fixed",
        SendAt=send_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return body, send_at


def test_scheduling_creates_a_one_time_schedule(api: ApiClient, service: str) -> None:
    body, send_at = schedule(api, service)
    assert (body["status"], body["date_sent"], body["from"]) == ("scheduled", None, None)
    assert queue_depth("send") == 0
    detail = schedule_of(body["sid"])
    assert detail["ScheduleExpression"] == f"at({send_at.strftime('%Y-%m-%dT%H:%M:%S')})"
    assert detail["ScheduleExpressionTimezone"] == "UTC"
    assert detail["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert detail["ActionAfterCompletion"] == "DELETE"
    assert detail["GroupName"] == settings().schedule_group
    target = detail["Target"]
    assert (target["Arn"], target["RoleArn"]) == (settings().send_queue_arn, settings().scheduler_role_arn)
    assert json.loads(target["Input"]) == {"account_sid": api.sid, "message_sid": body["sid"], "attempt": 0}
    assert target["DeadLetterConfig"] == {"Arn": settings().send_dlq_arn}
    assert str(settings().send_dlq_arn).endswith(":brandlink-send-dlq")
    assert scheduled_count(api.sid) == 1


def test_a_fired_schedule_is_delivered_once(api: ApiClient, service: str) -> None:
    body, _ = schedule(api, service)
    payload = schedule_of(body["sid"])["Target"]["Input"]
    assert dispatch_payload(payload) == {"batchItemFailures": []}
    assert dispatch_payload(payload) == {"batchItemFailures": []}  # Scheduler retried the delivery
    message = api.get(messages_path(api, body["sid"]))[1]
    assert (message["status"], message["from"]) == ("sent", SENDER)
    assert len(api.get("/v1/Outbox")[1]["messages"]) == 1
    assert scheduled_count(api.sid) == 0
    status, error = api.post(messages_path(api, body["sid"]), {"Status": "canceled"})
    assert (status, error["code"]) == (400, 30409)


def test_cancel_before_it_fires(api: ApiClient, service: str) -> None:
    body, _ = schedule(api, service)
    payload = schedule_of(body["sid"])["Target"]["Input"]
    status, canceled = api.post(messages_path(api, body["sid"]), {"Status": "canceled"})
    assert status == 200
    assert (canceled["status"], canceled["date_sent"]) == ("canceled", None)
    assert not schedule_exists(body["sid"])
    assert scheduled_count(api.sid) == 0
    # A schedule that fired anyway (deleted too late) finds nothing to send.
    assert dispatch_payload(payload) == {"batchItemFailures": []}
    assert api.get("/v1/Outbox")[1]["messages"] == []
    assert api.get(messages_path(api, body["sid"]))[1]["status"] == "canceled"
    status, error = api.post(messages_path(api, body["sid"]), {"Status": "canceled"})
    assert (status, error["code"]) == (400, 30409)
    assert api.delete(messages_path(api, body["sid"])) == (204, None)


def test_scheduler_failure_leaves_no_message(api: ApiClient, service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlink.adapters.messaging.scheduler import EventBridgeMessageScheduler

    def unavailable(self: EventBridgeMessageScheduler, schedule: Any) -> None:
        raise ConnectionError("Scheduler is down")

    monkeypatch.setattr(EventBridgeMessageScheduler, "create", unavailable)
    send_at = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, _ = api.post(
        messages_path(api),
        {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "x", "ScheduleType": "fixed", "SendAt": send_at},
    )
    assert status == 500
    assert api.get(messages_path(api))[1]["messages"] == []
    assert scheduled_count(api.sid) == 0


def test_scheduled_and_send_now_messages_share_the_dispatch_path(api: ApiClient, service: str) -> None:
    now = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="Now")
    later, _ = schedule(api, service)
    dispatch_payload(schedule_of(later["sid"])["Target"]["Input"])
    assert run_dispatch() == 1
    statuses = {m["sid"]: m["status"] for m in api.get(messages_path(api))[1]["messages"]}
    assert statuses == {now["sid"]: "sent", later["sid"]: "sent"}
