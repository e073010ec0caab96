"""Delivery receipts: what a carrier reports about a sent message, and how it moves the status.

Every provider's receipt becomes a ``DeliveryReport`` (``receipts_mapping`` holds the per-provider
tables) and travels on the receipts queue; the receipts function applies it here. A report moves
the message only forward (``status_order``) with a conditional write on the status it read, so a
late ``sent`` never overwrites ``delivered`` and a duplicated receipt finds nothing to change: it
posts no second callback. Each change queues the signed status callback, as dispatch does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.callback_jobs import callback_job
from brandlink.core.messaging.model import DELIVERED, FAILED, SENDING, SENT, UNDELIVERED, Message
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.status_callbacks import CallbackQueue
from brandlink.core.messaging.status_order import RECEIPT_STATUSES, moves_forward
from brandlink.core.services.repository import ServiceRepository

_WRITE_ATTEMPTS = 3
"""A write lost to a concurrent change (dispatch's own final write) is re-read and tried again."""

_DEFAULT_TEXT = {
    DELIVERED: None,
    SENT: None,
    UNDELIVERED: "The carrier reported the message as undelivered.",
    FAILED: "The carrier reported the message as failed.",
}


@dataclass(frozen=True)
class DeliveryReport:
    """One receipt, provider-neutral: the message it is about and what happened to it."""

    account_sid: str
    message_sid: str
    status: str  # one of status_order.RECEIPT_STATUSES
    source: str  # the provider that reported it: outbox, sms, twilio, webhook
    error_code: int | None = None
    error_message: str | None = None

    def __post_init__(self) -> None:
        if self.status not in RECEIPT_STATUSES:
            raise ValueError(f"a receipt reports one of {', '.join(sorted(RECEIPT_STATUSES))}, not {self.status!r}")

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": "delivery_report",
                "account_sid": self.account_sid,
                "message_sid": self.message_sid,
                "status": self.status,
                "source": self.source,
                "error_code": self.error_code,
                "error_message": self.error_message,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DeliveryReport:
        """Raises ``ValueError`` for anything that is not a report (never retried: it cannot improve)."""
        account_sid, message_sid = data.get("account_sid"), data.get("message_sid")
        status, source = data.get("status"), data.get("source")
        code, text = data.get("error_code"), data.get("error_message")
        if not all(isinstance(value, str) and value for value in (account_sid, message_sid, status, source)):
            raise ValueError("a delivery report needs account_sid, message_sid, status and source")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise ValueError("a delivery report's error_code is a number")
        if text is not None and not isinstance(text, str):
            raise ValueError("a delivery report's error_message is text")
        return cls(str(account_sid), str(message_sid), str(status), str(source), code, text)


class ReceiptQueue(Protocol):
    def enqueue(self, reports: Sequence[DeliveryReport]) -> None: ...


class Applied(StrEnum):
    CHANGED = "changed"
    IGNORED = "ignored"  # not a step forward: a duplicate or a late receipt
    UNKNOWN_MESSAGE = "unknown_message"  # gone, expired or another account's


class FallbackHook(Protocol):
    def __call__(self, before: Message, after: Message) -> Message | None:
        """Given a message a receipt just moved, the message as a fallback re-send left it (None: no
        fallback). Called before the callback is queued, so the customer hears the final word."""
        ...


@dataclass
class ReceiptProcessor:
    messages: MessageRepository
    services: ServiceRepository
    callbacks: CallbackQueue
    clock: Callable[[], datetime] = utcnow
    fallback: FallbackHook | None = None

    def apply(self, report: DeliveryReport) -> Applied:
        for _ in range(_WRITE_ATTEMPTS):
            message = self.messages.get(report.account_sid, report.message_sid)
            if message is None:
                return Applied.UNKNOWN_MESSAGE
            if not moves_forward(message.status, report.status):
                return Applied.IGNORED
            updated = self._moved(message, report)
            if self.messages.replace(updated, expected_statuses=frozenset({message.status})):
                self._after_change(message, updated)
                return Applied.CHANGED
        return Applied.IGNORED

    def _moved(self, message: Message, report: DeliveryReport) -> Message:
        now = self.clock()
        updated = replace(message, status=report.status, date_updated=now, date_sent=message.date_sent or now)
        if report.status in (UNDELIVERED, FAILED):
            code = report.error_code if report.error_code is not None else int(ErrorCode.UNKNOWN_ERROR)
            text = report.error_message or _DEFAULT_TEXT[report.status]
            updated = replace(updated, error_code=code, error_message=text)
        if message.status == SENDING:
            # Dispatch's own final write will now find the status moved and give way: apply what it
            # would have applied once the message is out of ``sending``.
            updated = _retention_applied(updated)
        return updated

    def _after_change(self, before: Message, after: Message) -> None:
        service = (
            self.services.get(after.account_sid, after.messaging_service_sid) if after.messaging_service_sid else None
        )
        service_callback = service.status_callback if service else None
        if self.fallback is not None:
            resent = self.fallback(before, after)
            if resent is not None:
                after = resent
        job = callback_job(after, service_callback)
        if job is not None:
            self.callbacks.enqueue([job])


def _retention_applied(message: Message) -> Message:
    """``ContentRetention=discard`` / ``AddressRetention=obfuscate``, as dispatch applies them."""
    from brandlink.core.messaging.dispatch import obfuscate_address

    if message.options.content_retention == "discard":
        message = replace(message, body="")
    if message.options.address_retention == "obfuscate":
        message = replace(message, to=obfuscate_address(message.to))
    return message
