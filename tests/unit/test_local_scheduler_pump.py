"""The local EventBridge Scheduler pump, on moto: due at() schedules are delivered once, never dropped."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.scheduler_pump import SchedulerPump, due_time, render_input

GROUP = "brandlink"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Scheduling:
    scheduler: Any
    sqs: Any
    queue_url: str
    queue_arn: str
    clock: Clock
    pump: SchedulerPump

    def create(
        self,
        name: str,
        at: datetime | str,
        body: str = '{"sid": "SM1"}',
        timezone: str | None = None,
        action: str = "DELETE",
        target_arn: str | None = None,
        state: str = "ENABLED",
    ) -> None:
        expression = at if isinstance(at, str) else f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})"
        kwargs: dict[str, Any] = {
            "Name": name,
            "GroupName": GROUP,
            "ScheduleExpression": expression,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": target_arn or self.queue_arn, "RoleArn": ROLE, "Input": body},
            "ActionAfterCompletion": action,
            "State": state,
        }
        if timezone:
            kwargs["ScheduleExpressionTimezone"] = timezone
        self.scheduler.create_schedule(**kwargs)

    def names(self) -> set[str]:
        return {s["Name"] for s in self.scheduler.list_schedules(GroupName=GROUP)["Schedules"]}

    def received(self, queue_url: str | None = None) -> list[str]:
        bodies: list[str] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=queue_url or self.queue_url, MaxNumberOfMessages=10)
            if not messages.get("Messages"):
                return bodies
            for message in messages["Messages"]:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=queue_url or self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def scheduling() -> Iterator[Scheduling]:
    with mock_aws():
        scheduler = boto3.client("scheduler", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        scheduler.create_schedule_group(Name=GROUP)
        url = sqs.create_queue(QueueName="send")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        clock = Clock()
        yield Scheduling(scheduler, sqs, url, arn, clock, SchedulerPump(scheduler, sqs, GROUP, clock=clock))


def test_a_due_schedule_sends_its_input_to_the_queue_and_is_deleted(scheduling: Scheduling) -> None:
    scheduling.create("due", NOW - timedelta(seconds=1), body='{"message_sid": "SM1"}')

    assert scheduling.pump.fire_due() == ["due"]

    assert scheduling.received() == ['{"message_sid": "SM1"}']
    assert scheduling.names() == set()


def test_a_schedule_waits_for_its_time(scheduling: Scheduling) -> None:
    scheduling.create("later", NOW + timedelta(seconds=5))

    assert scheduling.pump.fire_due() == []
    scheduling.clock.now = NOW + timedelta(seconds=4)
    assert scheduling.pump.fire_due() == []
    assert scheduling.received() == []

    scheduling.clock.now = NOW + timedelta(seconds=5)
    assert scheduling.pump.fire_due() == ["later"]
    assert len(scheduling.received()) == 1


def test_the_at_time_is_read_in_the_schedule_timezone(scheduling: Scheduling) -> None:
    # 12:00 in New York (winter, UTC-5) is 17:00 UTC.
    scheduling.create("ny", "at(2030-01-01T12:00:00)", timezone="America/New_York")
    scheduling.clock.now = datetime(2030, 1, 1, 16, 59, 59, tzinfo=UTC)
    assert scheduling.pump.fire_due() == []

    scheduling.clock.now = datetime(2030, 1, 1, 17, 0, 0, tzinfo=UTC)
    assert scheduling.pump.fire_due() == ["ny"]


def test_a_schedule_kept_after_completion_is_delivered_only_once(scheduling: Scheduling) -> None:
    scheduling.create("keep", NOW, action="NONE")

    assert scheduling.pump.fire_due() == ["keep"]
    assert scheduling.pump.fire_due() == []

    assert len(scheduling.received()) == 1
    assert scheduling.names() == {"keep"}


def test_a_failed_delivery_is_retried_on_the_next_tick_and_never_dropped(scheduling: Scheduling) -> None:
    missing_queue_arn = scheduling.queue_arn.rsplit(":", 1)[0] + ":created-later"
    scheduling.create("retry", NOW, body='{"attempt": "<aws.scheduler.attempt-number>"}', target_arn=missing_queue_arn)

    assert scheduling.pump.fire_due() == []
    assert scheduling.names() == {"retry"}

    later_url = scheduling.sqs.create_queue(QueueName="created-later")["QueueUrl"]
    assert scheduling.pump.fire_due() == ["retry"]
    assert scheduling.received(later_url) == ['{"attempt": "2"}']
    assert scheduling.names() == set()


class WatchingSqs:
    """The SQS client, noting which schedules were still listed at the moment of each send, and
    failing the first ``failures`` sends."""

    def __init__(self, scheduling: Scheduling, failures: int = 0) -> None:
        self._scheduling = scheduling
        self.failures = failures
        self.listed_at_send: list[set[str]] = []

    def get_queue_url(self, **kwargs: Any) -> Any:
        return self._scheduling.sqs.get_queue_url(**kwargs)

    def send_message(self, **kwargs: Any) -> Any:
        self.listed_at_send.append(self._scheduling.names())
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SQS is unreachable")
        return self._scheduling.sqs.send_message(**kwargs)


def test_a_schedule_is_deleted_before_its_message_is_sent(scheduling: Scheduling) -> None:
    """Whoever receives the message never finds the schedule still listed (the old race)."""
    watching = WatchingSqs(scheduling)
    pump = SchedulerPump(scheduling.scheduler, watching, GROUP, clock=scheduling.clock)
    scheduling.create("due", NOW)

    assert pump.fire_due() == ["due"]

    assert watching.listed_at_send == [set()]
    assert scheduling.received() == ['{"sid": "SM1"}']


def test_a_send_that_fails_after_the_claim_is_retried_from_memory_until_it_succeeds(scheduling: Scheduling) -> None:
    watching = WatchingSqs(scheduling, failures=2)
    pump = SchedulerPump(scheduling.scheduler, watching, GROUP, clock=scheduling.clock)
    scheduling.create("flaky", NOW)

    assert pump.fire_due() == []
    assert (scheduling.names(), pump.claimed) == (set(), ["flaky"])
    assert pump.fire_due() == []

    assert pump.fire_due() == ["flaky"]
    assert pump.claimed == []
    assert scheduling.received() == ['{"sid": "SM1"}']
    assert pump.fire_due() == []
    assert scheduling.received() == []


class CancelingScheduler:
    """The Scheduler client, with each schedule deleted by "someone else" right after it is read."""

    def __init__(self, scheduler: Any) -> None:
        self._scheduler = scheduler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scheduler, name)

    def get_schedule(self, **kwargs: Any) -> Any:
        detail = self._scheduler.get_schedule(**kwargs)
        self._scheduler.delete_schedule(**kwargs)
        return detail


def test_a_schedule_deleted_just_before_it_fires_is_not_delivered(scheduling: Scheduling) -> None:
    pump = SchedulerPump(CancelingScheduler(scheduling.scheduler), scheduling.sqs, GROUP, clock=scheduling.clock)
    scheduling.create("canceled", NOW)

    assert pump.fire_due() == []

    assert scheduling.received() == []
    assert pump.claimed == []


def test_a_non_sqs_target_is_kept_for_retry_not_dropped(scheduling: Scheduling) -> None:
    scheduling.create("lambda", NOW, target_arn="arn:aws:lambda:us-east-1:123456789012:function:f")

    assert scheduling.pump.fire_due() == []
    assert scheduling.pump.fire_due() == []
    assert scheduling.names() == {"lambda"}


def test_disabled_and_recurring_schedules_do_not_fire(scheduling: Scheduling) -> None:
    scheduling.create("off", NOW, state="DISABLED")
    scheduling.create("rate", "rate(5 minutes)")

    assert scheduling.pump.fire_due() == []
    assert scheduling.names() == {"off", "rate"}


def test_every_page_of_schedules_is_checked(scheduling: Scheduling) -> None:
    for n in range(60):  # more than one ListSchedules page (50)
        scheduling.create(f"s{n:02d}", NOW, body=json.dumps({"n": n}))

    assert len(scheduling.pump.fire_due()) == 60
    assert sorted(json.loads(body)["n"] for body in scheduling.received()) == list(range(60))


def test_context_attributes_in_the_input_are_substituted(scheduling: Scheduling) -> None:
    template = json.dumps(
        {
            "arn": "<aws.scheduler.schedule-arn>",
            "time": "<aws.scheduler.scheduled-time>",
            "attempt": "<aws.scheduler.attempt-number>",
        }
    )
    scheduling.create("ctx", datetime(2030, 1, 1, 11, 30, 0, tzinfo=UTC), body=template)

    scheduling.pump.fire_due()

    (body,) = scheduling.received()
    assert json.loads(body) == {
        "arn": f"arn:aws:scheduler:us-east-1:123456789012:schedule/{GROUP}/ctx",
        "time": "2030-01-01T11:30:00Z",
        "attempt": "1",
    }


def test_the_pump_thread_fires_schedules_until_stopped(scheduling: Scheduling) -> None:
    scheduling.create("threaded", NOW)
    pump = SchedulerPump(scheduling.scheduler, scheduling.sqs, GROUP, interval_seconds=0.05, clock=scheduling.clock)

    pump.start()
    try:
        bodies: list[str] = []
        deadline = time.monotonic() + 60
        while not bodies and time.monotonic() < deadline:
            time.sleep(0.05)
            bodies += scheduling.received()
    finally:
        pump.stop()
        pump.join(timeout=60)

    assert not pump.is_alive()
    assert len(bodies) == 1


@pytest.mark.parametrize(
    ("expression", "timezone", "expected"),
    [
        ("at(2030-06-01T08:00:00)", None, datetime(2030, 6, 1, 8, 0, tzinfo=UTC)),
        ("at(2030-06-01T08:00:00)", "UTC", datetime(2030, 6, 1, 8, 0, tzinfo=UTC)),
        ("at(2030-06-01T08:00:00)", "Europe/Paris", datetime(2030, 6, 1, 6, 0, tzinfo=UTC)),
        (" at(2030-06-01T08:00:00) ", "Asia/Kolkata", datetime(2030, 6, 1, 2, 30, tzinfo=UTC)),
        ("rate(5 minutes)", None, None),
        ("cron(0 12 * * ? *)", None, None),
        ("at(2030-06-01 08:00:00)", None, None),
    ],
)
def test_due_time(expression: str, timezone: str | None, expected: datetime | None) -> None:
    assert due_time(expression, timezone) == expected


def test_due_time_rejects_an_unknown_timezone() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        due_time("at(2030-06-01T08:00:00)", "Mars/Olympus")


def test_render_input_leaves_other_text_alone() -> None:
    rendered = render_input('{"a": "<aws.scheduler.execution-id>", "b": "<other>"}', "arn:x", NOW, 3)
    values = json.loads(rendered)
    assert len(values["a"]) == 36 and values["b"] == "<other>"
