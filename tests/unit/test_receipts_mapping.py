"""Per-provider receipt mapping, table-driven: End User Messaging events, Twilio callbacks, webhook receipts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brandlink.core.messaging.receipts import DeliveryReport
from brandlink.core.messaging.receipts_mapping import (
    EUM_EVENTS,
    TWILIO_STATUSES,
    NotAReceipt,
    from_eum_event,
    from_twilio_callback,
    from_webhook_receipt,
)
from brandlink.handlers.receipts import report_of

ACCOUNT = "AC" + "a" * 32
SID = "SM" + "1" * 32


def eum_event(event_type: str, **extra: Any) -> dict[str, Any]:
    """The shape of the documented SMS event, with the context dispatch sets."""
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": 1686975103470,
        "isFinal": True,
        "originationPhoneNumber": "+12065550152",
        "destinationPhoneNumber": "+14255550156",
        "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
        "messageStatus": event_type.removeprefix("TEXT_"),
        "messageStatusDescription": "described",
        "context": {"MessageSid": SID, "AccountSid": ACCOUNT},
        **extra,
    }


@pytest.mark.parametrize(
    ("event_type", "status", "code"),
    [
        ("TEXT_DELIVERED", "delivered", None),
        ("TEXT_SUCCESSFUL", "sent", None),
        ("TEXT_BLOCKED", "undelivered", 30004),
        ("TEXT_CARRIER_BLOCKED", "undelivered", 30007),
        ("TEXT_SPAM", "undelivered", 30007),
        ("TEXT_PROTECT_BLOCKED", "undelivered", 30004),
        ("TEXT_TTL_EXPIRED", "undelivered", 30003),
        ("TEXT_UNREACHABLE", "undelivered", 30003),
        ("TEXT_CARRIER_UNREACHABLE", "undelivered", 30006),
        ("TEXT_INVALID", "undelivered", 30005),
        ("TEXT_INVALID_MESSAGE", "undelivered", 30008),
        ("TEXT_UNKNOWN", "undelivered", 30008),
    ],
)
def test_end_user_messaging_events(event_type: str, status: str, code: int | None) -> None:
    mapped = from_eum_event(eum_event(event_type))
    assert mapped is not None
    assert (mapped.account_sid, mapped.message_sid, mapped.status, mapped.error_code) == (ACCOUNT, SID, status, code)
    assert mapped.source == "sms"
    if code is not None:
        assert event_type in (mapped.error_message or "")


@pytest.mark.parametrize("event_type", ["TEXT_QUEUED", "TEXT_PENDING", "TEXT_SOMETHING_NEW"])
def test_end_user_messaging_events_that_change_nothing(event_type: str) -> None:
    assert from_eum_event(eum_event(event_type)) is None


def test_every_documented_event_is_in_the_table() -> None:
    assert {"TEXT_DELIVERED", "TEXT_BLOCKED", "TEXT_CARRIER_UNREACHABLE", "TEXT_INVALID"} <= set(EUM_EVENTS)


def test_an_event_without_brandlink_context_is_not_a_receipt() -> None:
    with pytest.raises(NotAReceipt, match="context"):
        from_eum_event(eum_event("TEXT_DELIVERED", context={}))
    with pytest.raises(NotAReceipt):
        from_eum_event({"context": {"MessageSid": SID, "AccountSid": ACCOUNT}})


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"MessageStatus": "sent"}, "sent", None),
        ({"MessageStatus": "delivered"}, "delivered", None),
        ({"MessageStatus": "read"}, "delivered", None),
        ({"MessageStatus": "undelivered", "ErrorCode": "30005"}, "undelivered", 30005),
        ({"MessageStatus": "undelivered", "ErrorCode": "30006"}, "undelivered", 30006),
        ({"MessageStatus": "failed", "ErrorCode": "30410"}, "failed", 30008),  # not a delivery code
        ({"MessageStatus": "undelivered"}, "undelivered", None),
        ({"SmsStatus": "delivered"}, "delivered", None),
        ({"MessageStatus": "delivered", "ErrorCode": "30005"}, "delivered", None),
    ],
)
def test_twilio_status_callbacks(form: dict[str, str], status: str, code: int | None) -> None:
    mapped = from_twilio_callback(ACCOUNT, SID, form)
    assert mapped is not None
    assert (mapped.status, mapped.error_code, mapped.source) == (status, code, "twilio")


@pytest.mark.parametrize("status", [s for s, mapped in TWILIO_STATUSES.items() if mapped is None])
def test_twilio_statuses_that_change_nothing(status: str) -> None:
    assert from_twilio_callback(ACCOUNT, SID, {"MessageStatus": status}) is None


def test_a_twilio_callback_without_a_status_is_not_a_receipt() -> None:
    with pytest.raises(NotAReceipt, match="MessageStatus"):
        from_twilio_callback(ACCOUNT, SID, {"MessageStatus": "exploded"})


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"status": "delivered"}, "delivered", None),
        ({"status": "sent"}, "sent", None),
        ({"status": "undelivered", "error_code": 30003}, "undelivered", 30003),
        ({"status": "undelivered", "error_code": "30007"}, "undelivered", 30007),
        ({"status": "undelivered"}, "undelivered", 30008),
        ({"status": "failed", "error_code": 12345}, "failed", 30008),
    ],
)
def test_webhook_receipts(payload: dict[str, Any], status: str, code: int | None) -> None:
    mapped = from_webhook_receipt({"message_sid": SID, "account_sid": ACCOUNT, **payload})
    assert (mapped.status, mapped.error_code, mapped.source) == (status, code, "webhook")


@pytest.mark.parametrize(
    "payload",
    [{"status": "delivered"}, {"message_sid": SID, "account_sid": ACCOUNT, "status": "queued"}, {"message_sid": 1}],
)
def test_malformed_webhook_receipts(payload: dict[str, Any]) -> None:
    with pytest.raises(NotAReceipt):
        from_webhook_receipt(payload)


def test_the_receipts_function_reads_both_kinds_of_record() -> None:
    report = DeliveryReport(ACCOUNT, SID, "delivered", "outbox")
    assert report_of(report.to_json()) == report
    from_event = report_of(json.dumps(eum_event("TEXT_CARRIER_UNREACHABLE")))
    assert from_event is not None and from_event.error_code == 30006
    assert report_of(json.dumps(eum_event("TEXT_QUEUED"))) is None
    with pytest.raises(ValueError):
        report_of("[1]")
