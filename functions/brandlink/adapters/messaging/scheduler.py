"""EventBridge Scheduler one-time schedules that put a message on the send queue at ``SendAt``."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError

from brandlink.core.messaging.scheduling import OneTimeSchedule

# Scheduler retries a failed delivery to SQS for up to a day, then parks it in the DLQ (if set).
MAX_RETRY_ATTEMPTS = 185
MAX_EVENT_AGE_SECONDS = 24 * 3600


class EventBridgeMessageScheduler:
    def __init__(
        self,
        *,
        group: str,
        target_arn: str | None,
        role_arn: str | None,
        region: str,
        dead_letter_arn: str | None = None,
    ) -> None:
        self._group = group
        self._target_arn = target_arn
        self._role_arn = role_arn
        self._region = region
        self._dead_letter_arn = dead_letter_arn

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("scheduler", self._region)

    def create(self, schedule: OneTimeSchedule) -> None:
        if not self._target_arn or not self._role_arn:
            raise RuntimeError(
                "Scheduling needs BRANDLINK_SEND_QUEUE_ARN and BRANDLINK_SCHEDULER_ROLE_ARN (set by the stack)."
            )
        target: dict[str, Any] = {
            "Arn": self._target_arn,
            "RoleArn": self._role_arn,
            "Input": schedule.payload,
            "RetryPolicy": {
                "MaximumRetryAttempts": MAX_RETRY_ATTEMPTS,
                "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
            },
        }
        if self._dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self._dead_letter_arn}
        self.client.create_schedule(
            Name=schedule.name,
            GroupName=self._group,
            ScheduleExpression=schedule.expression,
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            State="ENABLED",
            Target=target,
        )

    def delete(self, name: str) -> bool:
        try:
            self.client.delete_schedule(Name=name, GroupName=self._group)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True
