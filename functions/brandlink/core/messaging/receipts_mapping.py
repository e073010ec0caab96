"""Per provider, how a receipt reads as a ``DeliveryReport``: the mapping tables of docs/receipts.md.

Pure data and parsing (no signatures, no I/O): the API checks a receipt's signature before it gets
here, and the receipts function maps End User Messaging's events as they come off the queue.
A receipt that says nothing final or new (``TEXT_QUEUED``, Twilio's ``sending``) maps to None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.model import DELIVERED, FAILED, SENT, UNDELIVERED
from brandlink.core.messaging.receipts import DeliveryReport

Mapped = tuple[str, ErrorCode | None]

EUM_EVENTS: dict[str, Mapped | None] = {
    "TEXT_DELIVERED": (DELIVERED, None),
    # Accepted by the recipient's carrier (Twilio's ``sent``); where it is the final event, the
    # message stays ``sent``, as on Twilio for carriers that return no handset receipt.
    "TEXT_SUCCESSFUL": (SENT, None),
    "TEXT_QUEUED": None,
    "TEXT_PENDING": None,
    "TEXT_BLOCKED": (UNDELIVERED, ErrorCode.MESSAGE_BLOCKED),
    "TEXT_CARRIER_BLOCKED": (UNDELIVERED, ErrorCode.CARRIER_FILTERED),
    "TEXT_SPAM": (UNDELIVERED, ErrorCode.CARRIER_FILTERED),
    "TEXT_PROTECT_BLOCKED": (UNDELIVERED, ErrorCode.MESSAGE_BLOCKED),
    "TEXT_TTL_EXPIRED": (UNDELIVERED, ErrorCode.UNREACHABLE_HANDSET),
    "TEXT_UNREACHABLE": (UNDELIVERED, ErrorCode.UNREACHABLE_HANDSET),
    "TEXT_CARRIER_UNREACHABLE": (UNDELIVERED, ErrorCode.UNREACHABLE_CARRIER),
    "TEXT_INVALID": (UNDELIVERED, ErrorCode.UNKNOWN_HANDSET),
    "TEXT_INVALID_MESSAGE": (UNDELIVERED, ErrorCode.UNKNOWN_ERROR),
    "TEXT_UNKNOWN": (UNDELIVERED, ErrorCode.UNKNOWN_ERROR),
}
"""AWS End User Messaging SMS ``eventType`` → status and Twilio code (None: not a status change)."""

TWILIO_STATUSES: dict[str, str | None] = {
    "sent": SENT,
    "delivered": DELIVERED,
    "read": DELIVERED,  # WhatsApp/RCS read receipts imply delivery; Brandlink has no ``read`` status
    "undelivered": UNDELIVERED,
    "failed": FAILED,
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "canceled": None,
}
"""Twilio's ``MessageStatus`` → Brandlink's (None: nothing to record)."""

DELIVERY_CODES = frozenset(
    {
        ErrorCode.OPTED_OUT,
        ErrorCode.QUEUE_OVERFLOW,
        ErrorCode.UNREACHABLE_HANDSET,
        ErrorCode.MESSAGE_BLOCKED,
        ErrorCode.UNKNOWN_HANDSET,
        ErrorCode.UNREACHABLE_CARRIER,
        ErrorCode.CARRIER_FILTERED,
        ErrorCode.UNKNOWN_ERROR,
    }
)
"""The codes a receipt may carry through as they are; any other becomes 30008."""


class NotAReceipt(ValueError):
    """The payload is not a receipt this provider sends; the sentence says what is missing."""


def _code(raw: object) -> int | None:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if value in DELIVERY_CODES else int(ErrorCode.UNKNOWN_ERROR)


def from_eum_event(event: Mapping[str, Any]) -> DeliveryReport | None:
    """An End User Messaging SMS event (SNS raw delivery); its ``context`` holds the SIDs dispatch set."""
    event_type = event.get("eventType")
    if not isinstance(event_type, str):
        raise NotAReceipt("an End User Messaging event has an eventType")
    context = event.get("context") or {}
    message_sid, account_sid = context.get("MessageSid"), context.get("AccountSid")
    if not isinstance(message_sid, str) or not isinstance(account_sid, str):
        raise NotAReceipt("the event's context has no MessageSid/AccountSid: it is not a Brandlink message's")
    mapped = EUM_EVENTS.get(event_type)
    if mapped is None:
        return None
    status, code = mapped
    description = event.get("messageStatusDescription")
    return DeliveryReport(
        account_sid=account_sid,
        message_sid=message_sid,
        status=status,
        source="sms",
        error_code=int(code) if code is not None else None,
        error_message=f"End User Messaging: {event_type}" + (f" ({description})" if description else "")
        if code is not None
        else None,
    )


def from_twilio_callback(account_sid: str, message_sid: str, form: Mapping[str, str]) -> DeliveryReport | None:
    """Twilio's status callback (form fields) for the Brandlink message named in the callback's URL."""
    raw_status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if raw_status not in TWILIO_STATUSES:
        raise NotAReceipt(f"MessageStatus {raw_status!r} is not one of Twilio's message statuses")
    status = TWILIO_STATUSES[raw_status]
    if status is None:
        return None
    code = _code(form.get("ErrorCode")) if status in (UNDELIVERED, FAILED) else None
    return DeliveryReport(
        account_sid=account_sid,
        message_sid=message_sid,
        status=status,
        source="twilio",
        error_code=code,
        error_message=f"Twilio reported error {form.get('ErrorCode')}" if code is not None else None,
    )


def from_webhook_receipt(payload: Mapping[str, Any]) -> DeliveryReport:
    """The webhook provider's receipt: ``{"message_sid", "account_sid", "status", "error_code"?, "from"?}``
    (``from``: the sender the message was posted with, so a receipt of an earlier attempt is told apart)."""
    message_sid, account_sid, status = payload.get("message_sid"), payload.get("account_sid"), payload.get("status")
    if not isinstance(message_sid, str) or not isinstance(account_sid, str):
        raise NotAReceipt("a receipt names the message_sid and account_sid it was sent with")
    if status not in (SENT, DELIVERED, UNDELIVERED, FAILED):
        raise NotAReceipt("status is one of sent, delivered, undelivered, failed")
    code = _code(payload.get("error_code")) if status in (UNDELIVERED, FAILED) else None
    if status in (UNDELIVERED, FAILED) and code is None:
        code = int(ErrorCode.UNKNOWN_ERROR)
    sender = payload.get("from")
    return DeliveryReport(
        account_sid=account_sid,
        message_sid=message_sid,
        status=str(status),
        source="webhook",
        from_=sender if isinstance(sender, str) and sender else None,
        error_code=code,
        error_message=f"The webhook reported the message {status}." if code is not None else None,
    )
