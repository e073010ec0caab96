"""Scheduled sends (``ScheduleType=fixed`` + ``SendAt``): validation, the window and the schedule.

A scheduled message becomes one EventBridge Scheduler one-time schedule, ``at(...)`` in UTC, whose
target is the send queue with the same payload a send-now message gets; the schedule deletes itself
after it fires. This module holds the pure part: which request is valid and what the schedule is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from brandlink.core.common.dates import parse_datetime
from brandlink.core.common.errors import ErrorCode, TwilioError

SCHEDULE_TYPE_FIXED = "fixed"


@dataclass(frozen=True)
class ScheduleWindow:
    """``SendAt`` must be more than ``min_seconds`` and at most ``max_seconds`` after the request."""

    min_seconds: int = 300
    max_seconds: int = 35 * 24 * 3600


@dataclass(frozen=True)
class OneTimeSchedule:
    name: str
    expression: str  # ``at(yyyy-mm-ddThh:mm:ss)``, interpreted in UTC
    payload: str  # the send-queue message body


class MessageScheduler(Protocol):
    def create(self, schedule: OneTimeSchedule) -> None: ...

    def delete(self, name: str) -> bool:
        """Remove the schedule; False when it no longer exists (already fired or deleted)."""
        ...


def parse_send_at(
    schedule_type: str | None,
    send_at: str | None,
    messaging_service_sid: str | None,
    *,
    now: datetime,
    window: ScheduleWindow,
) -> datetime | None:
    """The UTC send time of a scheduled message, None for send-now; raises the 351xx errors."""
    has_type = bool(schedule_type and schedule_type.strip())
    has_send_at = bool(send_at and send_at.strip())
    if not has_type and not has_send_at:
        return None
    if has_type and schedule_type.strip().lower() != SCHEDULE_TYPE_FIXED:  # type: ignore[union-attr]
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER,
            f"Invalid parameter ScheduleType: the only value is 'fixed', got {schedule_type!r}.",
        )
    if not has_send_at:
        raise TwilioError(
            ErrorCode.SEND_AT_MISSING, "SendAt is required with ScheduleType=fixed: give an ISO-8601 UTC time."
        )
    if not has_type:
        raise TwilioError(
            ErrorCode.SCHEDULE_TYPE_MISSING, "SendAt needs ScheduleType=fixed: add it, or leave SendAt out to send now."
        )
    if not messaging_service_sid:
        raise TwilioError(ErrorCode.SERVICE_REQUIRED, "Scheduling a message needs a MessagingServiceSid: add one.")
    try:
        when = parse_datetime(send_at)  # type: ignore[arg-type]
    except ValueError:
        raise TwilioError(
            ErrorCode.SEND_AT_OUT_OF_WINDOW,
            f"SendAt must be an ISO-8601 time such as 2030-01-31T09:00:00Z, got {send_at!r}.",
        ) from None
    when = _ceil_to_second(when)
    lead = (when - now).total_seconds()
    if lead <= window.min_seconds or lead > window.max_seconds:
        raise TwilioError(
            ErrorCode.SEND_AT_OUT_OF_WINDOW,
            f"SendAt must be more than {window.min_seconds} seconds and at most {window.max_seconds} seconds "
            f"({window.max_seconds // 86400} days) after the request; it is {int(lead)} seconds away.",
        )
    return when


def _ceil_to_second(value: datetime) -> datetime:
    """A schedule fires on whole seconds; rounding up never sends before ``SendAt``."""
    if value.microsecond == 0:
        return value
    return value.replace(microsecond=0) + timedelta(seconds=1)


def schedule_name(message_sid: str) -> str:
    """One schedule per message, named after it (EventBridge names: up to 64 of [0-9A-Za-z-_.])."""
    return f"message-{message_sid}"


def at_expression(when: datetime) -> str:
    utc = when.astimezone(UTC)
    return f"at({utc.strftime('%Y-%m-%dT%H:%M:%S')})"
