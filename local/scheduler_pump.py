"""EventBridge Scheduler's missing part: moto stores one-time schedules but never fires them; this does.

Every tick lists the schedules of the Brandlink group, and for each enabled ``at(...)`` schedule
whose time (in its ``ScheduleExpressionTimezone``) has come, sends the target's ``Input`` to the
target SQS queue. A failed delivery is retried on the next tick, never dropped; a delivered
schedule is never delivered twice.

A schedule with ``ActionAfterCompletion=DELETE`` is deleted *before* its message is sent: the
delete is the claim. Whoever reads the queue never finds the schedule still listed after the
message arrived (EventBridge deletes it "soon" after; tests poll for it rather than assume), and
a schedule deleted meanwhile (a message canceled just before its time) is not delivered. A send
that fails after the claim is kept in memory and retried on every tick until it succeeds. Before
claiming, the pump checks that it can deliver (an SQS target whose queue exists), so a schedule
it cannot deliver stays listed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import ClientError

from local.pump import Pump

logger = logging.getLogger("local.scheduler")

AT_EXPRESSION = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
# Log a failing delivery on its first attempt, then once per this many attempts (about a minute).
FAILURE_LOG_EVERY = 120


class UnsupportedTarget(ValueError):
    """The local scheduler delivers to SQS queues only (Brandlink's only schedule target)."""


def due_time(expression: str, timezone: str | None) -> datetime | None:
    """When a one-time ``at(...)`` schedule fires, in UTC; ``None`` for rate/cron expressions."""
    match = AT_EXPRESSION.match(expression.strip())
    if match is None:
        return None
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown ScheduleExpressionTimezone {timezone!r}") from None
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC)


def render_input(template: str, schedule_arn: str, scheduled_time: datetime, attempt: int) -> str:
    """Substitute Scheduler's context attributes, as it does in a target's Input."""
    values = {
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.scheduled-time>": scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


@dataclass(frozen=True)
class _Delivery:
    """A claimed schedule's message, sent on every tick until SQS accepts it."""

    name: str
    message: dict[str, Any]
    attempts: int = 1


@dataclass
class _Tracked:
    """What the pump knows of one version (LastModificationDate) of a schedule."""

    version: Any
    detail: dict[str, Any]
    due: datetime | None
    delivered: bool = False
    attempts: int = 0


class SchedulerPump(Pump):
    def __init__(
        self,
        scheduler: Any,
        sqs: Any,
        group_name: str,
        interval_seconds: float = 0.5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(name=f"scheduler-{group_name}")
        self._scheduler = scheduler
        self._sqs = sqs
        self._group = group_name
        self._interval = interval_seconds
        self._clock = clock
        self._tracked: dict[str, _Tracked] = {}
        self._queue_urls: dict[str, str] = {}
        self._claimed: list[_Delivery] = []

    def step(self) -> float:
        self.fire_due()
        return self._interval

    def fire_due(self) -> list[str]:
        """Deliver every due schedule; returns the names delivered by this call."""
        now = self._clock()
        delivered = self._retry_claimed()
        listed: set[str] = set()
        for summary in self._summaries():
            name = summary["Name"]
            listed.add(name)
            if summary.get("State", "ENABLED") != "ENABLED":
                continue
            tracked = self._track(name, summary.get("LastModificationDate"))
            if tracked is None or tracked.due is None or tracked.due > now:
                continue
            if self._complete(name, tracked):
                delivered.append(name)
        for gone in set(self._tracked) - listed:
            del self._tracked[gone]
        return delivered

    def _summaries(self) -> Iterator[dict[str, Any]]:
        for page in self._scheduler.get_paginator("list_schedules").paginate(GroupName=self._group):
            yield from page.get("Schedules", [])

    def _track(self, name: str, version: Any) -> _Tracked | None:
        tracked = self._tracked.get(name)
        if tracked is not None and tracked.version == version:
            return tracked
        try:
            detail = self._scheduler.get_schedule(GroupName=self._group, Name=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None  # deleted since it was listed
            raise
        try:
            due = due_time(detail.get("ScheduleExpression", ""), detail.get("ScheduleExpressionTimezone"))
        except ValueError as exc:
            logger.error("Schedule %s cannot fire: %s", name, exc)
            due = None
        tracked = _Tracked(version=version, detail=detail, due=due)
        self._tracked[name] = tracked
        return tracked

    @property
    def claimed(self) -> list[str]:
        """Schedules deleted (claimed) whose message SQS has not accepted yet."""
        return [delivery.name for delivery in self._claimed]

    def _retry_claimed(self) -> list[str]:
        delivered: list[str] = []
        still: list[_Delivery] = []
        for delivery in self._claimed:
            if self._send(delivery):
                delivered.append(delivery.name)
            else:
                still.append(replace(delivery, attempts=delivery.attempts + 1))
        self._claimed = still
        return delivered

    def _complete(self, name: str, tracked: _Tracked) -> bool:
        if tracked.delivered:
            return False
        tracked.attempts += 1
        try:
            message = self._message(tracked)
        except Exception as exc:
            if tracked.attempts % FAILURE_LOG_EVERY == 1:
                logger.warning("Schedule %s: delivery attempt %d failed, retrying: %s", name, tracked.attempts, exc)
            return False
        if tracked.detail.get("ActionAfterCompletion") == "DELETE":
            self._tracked.pop(name, None)
            if not self._claim(name):
                return False
            delivery = _Delivery(name, message, tracked.attempts)
            if self._send(delivery):
                return True
            self._claimed.append(delivery)
            return False
        if not self._send(_Delivery(name, message, tracked.attempts)):
            return False
        tracked.delivered = True
        return True

    def _claim(self, name: str) -> bool:
        """Delete the schedule; ``False`` when it was deleted meanwhile (canceled): not ours to send."""
        try:
            self._scheduler.delete_schedule(GroupName=self._group, Name=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                logger.info("Schedule %s was deleted before it fired; not delivered", name)
                return False
            raise
        return True

    def _send(self, delivery: _Delivery) -> bool:
        try:
            self._sqs.send_message(**delivery.message)
        except Exception as exc:
            if delivery.attempts % FAILURE_LOG_EVERY == 1:
                logger.warning(
                    "Schedule %s: delivery attempt %d failed, retrying: %s", delivery.name, delivery.attempts, exc
                )
            return False
        logger.info("Schedule %s fired", delivery.name)
        return True

    def _message(self, tracked: _Tracked) -> dict[str, Any]:
        """The SendMessage request for a schedule; raises when it cannot be delivered (yet)."""
        target = tracked.detail["Target"]
        arn = target["Arn"]
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "sqs":
            raise UnsupportedTarget(f"target {arn} is not an SQS queue; the local scheduler delivers to SQS only")
        scheduled_time = tracked.due or self._clock()
        body = render_input(target.get("Input") or "{}", tracked.detail["Arn"], scheduled_time, tracked.attempts)
        message: dict[str, Any] = {
            "QueueUrl": self._queue_url(arn, name=parts[5], owner=parts[4]),
            "MessageBody": body,
        }
        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        if group_id:
            message["MessageGroupId"] = group_id
        return message

    def _queue_url(self, arn: str, name: str, owner: str) -> str:
        if arn not in self._queue_urls:
            self._queue_urls[arn] = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"]
        return self._queue_urls[arn]
