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
from brandlink.core.messaging.receipts_fallback import LongCodeFallback
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.status_callbacks import CallbackQueue
from brandlink.core.messaging.status_order import RECEIPT_STATUSES, moves_forward
from brandlink.core.services.model import MessagingService
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
    from_: str | None = None
    """The sender the receipt is about, when the provider says: a receipt about a sender the message no
    longer uses (its short code, after Fallback to Long Code) is stale and ignored."""

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
                "from": self.from_,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DeliveryReport:
        """Raises ``ValueError`` for anything that is not a report (never retried: it cannot improve)."""
        account_sid, message_sid = data.get("account_sid"), data.get("message_sid")
        status, source = data.get("status"), data.get("source")
        code, text, sender = data.get("error_code"), data.get("error_message"), data.get("from")
        if not all(isinstance(value, str) and value for value in (account_sid, message_sid, status, source)):
            raise ValueError("a delivery report needs account_sid, message_sid, status and source")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise ValueError("a delivery report's error_code is a number")
        if text is not None and not isinstance(text, str):
            raise ValueError("a delivery report's error_message is text")
        if sender is not None and not isinstance(sender, str):
            raise ValueError("a delivery report's from is text")
        return cls(str(account_sid), str(message_sid), str(status), str(source), code, text, sender)


class ReceiptQueue(Protocol):
    def enqueue(self, reports: Sequence[DeliveryReport]) -> None: ...


class Applied(StrEnum):
    CHANGED = "changed"
    IGNORED = "ignored"  # not a step forward: a duplicate or a late receipt
    UNKNOWN_MESSAGE = "unknown_message"  # gone, expired or another account's
    FELL_BACK = "fell_back"  # undelivered from a short code: re-sent from a long code (receipts_fallback)


@dataclass
class ReceiptProcessor:
    messages: MessageRepository
    services: ServiceRepository
    callbacks: CallbackQueue
    clock: Callable[[], datetime] = utcnow
    fallback: LongCodeFallback | None = None

    def apply(self, report: DeliveryReport) -> Applied:
        for _ in range(_WRITE_ATTEMPTS):
            message = self.messages.get(report.account_sid, report.message_sid)
            if message is None:
                return Applied.UNKNOWN_MESSAGE
            if not moves_forward(message.status, report.status) or _stale(message, report):
                return Applied.IGNORED
            updated = self._moved(message, report)
            service = self._service(message)
            resent = self.fallback.plan(message, updated, service) if self.fallback is not None else None
            if resent is not None and self.fallback is not None:
                if self.messages.replace(resent, expected_statuses=frozenset({message.status})):
                    self.fallback.send(resent)
                    return Applied.FELL_BACK
                continue
            if self.messages.replace(updated, expected_statuses=frozenset({message.status})):
                job = callback_job(updated, service.status_callback if service else None)
                if job is not None:
                    self.callbacks.enqueue([job])
                return Applied.CHANGED
        return Applied.IGNORED

    def _service(self, message: Message) -> MessagingService | None:
        if not message.messaging_service_sid:
            return None
        return self.services.get(message.account_sid, message.messaging_service_sid)

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


def _stale(message: Message, report: DeliveryReport) -> bool:
    """A receipt about another sender than the message's: the first attempt's, after a fallback."""
    return report.from_ is not None and message.from_ is not None and report.from_ != message.from_


def _retention_applied(message: Message) -> Message:
    """``ContentRetention=discard`` / ``AddressRetention=obfuscate``, as dispatch applies them."""
    from brandlink.core.messaging.dispatch import obfuscate_address

    if message.options.content_retention == "discard":
        message = replace(message, body="")
    if message.options.address_retention == "obfuscate":
        message = replace(message, to=obfuscate_address(message.to))
    return message
