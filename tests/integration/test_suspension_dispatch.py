"""Security finding 4 (dispatch half) on moto: a message queued or scheduled before its account was
suspended or closed, or before its sender was released or reassigned, fails unsent when its trigger
arrives; nothing reaches the provider; reactivation restores sending for new messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from brandlink import wiring
from brandlink.core.accounts import actions as accounts
from brandlink.core.senders import ownership
from tests.integration.conftest import ApiClient, own
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    CallbackReceiver,
    dispatch_payload,
    messages_path,
    register_number,
    run_dispatch,
    run_status_callbacks,
    send,
    service_with_numbers,
)
from tests.integration.message_helpers import receiver_fixture as receiver_fixture
from tests.integration.test_messages_scheduling import schedule, schedule_of, scheduled_count


def stored(account_sid: str, sid: str) -> Any:
    """The message as stored (the API refuses an inactive account's requests, 10001)."""
    message = wiring.messages().get(account_sid, sid)
    assert message is not None
    return message


def outbox_size() -> int:
    """Messages the (outbox) provider took, every account's."""
    import boto3

    from brandlink.config import settings

    table = settings().table_name("outbox")
    return int(boto3.client("dynamodb", region_name=settings().region).scan(TableName=table)["Count"])


def set_status(account_sid: str, status: str) -> None:
    assert accounts.set_status(wiring.accounts(), account_sid, status) is not None


@pytest.mark.parametrize("status", ["suspended", "closed"])
def test_a_queued_message_of_a_suspended_account_fails_unsent_with_30002(
    api: ApiClient, receiver: CallbackReceiver, status: str
) -> None:
    assert api.sid is not None
    register_number(api)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Queued before", StatusCallback=receiver.url())
    set_status(api.sid, status)
    run_dispatch()
    message = stored(api.sid, created["sid"])
    assert (message.status, message.error_code) == ("failed", 30002)
    assert "suspended" in (message.error_message or "").lower()
    assert outbox_size() == 0
    assert run_status_callbacks() == 1
    (callback,) = receiver.received
    assert (callback.params["MessageStatus"], callback.params["ErrorCode"]) == ("failed", "30002")

    set_status(api.sid, "active")
    assert api.get(messages_path(api, created["sid"]))[1]["status"] == "failed"  # stays failed
    again = send(api, To=RECIPIENT, From=SENDER, Body="After reactivation")
    run_dispatch()
    assert api.get(messages_path(api, again["sid"]))[1]["status"] == "sent"
    assert outbox_size() == 1


def test_a_scheduled_message_of_a_suspended_account_is_not_sent_when_it_fires(api: ApiClient) -> None:
    assert api.sid is not None
    service = service_with_numbers(api, SENDER)
    body, _ = schedule(api, service)
    payload = schedule_of(body["sid"])["Target"]["Input"]
    set_status(api.sid, "suspended")
    assert dispatch_payload(payload) == {"batchItemFailures": []}
    message = stored(api.sid, body["sid"])
    assert (message.status, message.error_code) == ("failed", 30002)
    assert outbox_size() == 0
    assert scheduled_count(api.sid) == 0  # its slot under the scheduled cap is released
    assert dispatch_payload(payload) == {"batchItemFailures": []}  # Scheduler's retry finds nothing to do
    assert stored(api.sid, body["sid"]).status == "failed"


def test_a_message_whose_sender_was_released_fails_with_21606(api: ApiClient) -> None:
    assert api.sid is not None
    register_number(api)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Before the release")
    ownership.release(wiring.sender_claims(), wiring.senders(), "phone_number", SENDER)
    run_dispatch()
    message = stored(api.sid, created["sid"])
    assert (message.status, message.error_code) == ("failed", 21606)
    assert outbox_size() == 0


def test_a_message_whose_sender_went_to_another_account_is_not_sent_from_it(
    new_account: Callable[[], ApiClient],
) -> None:
    a, b = new_account(), new_account()
    assert a.sid is not None and b.sid is not None
    register_number(a)
    created = send(a, To=RECIPIENT, From=SENDER, Body="A's, queued")
    ownership.release(wiring.sender_claims(), wiring.senders(), "phone_number", SENDER)
    own(b, SENDER)
    run_dispatch()
    assert (stored(a.sid, created["sid"]).status, stored(a.sid, created["sid"]).error_code) == ("failed", 21606)
    assert outbox_size() == 0


def test_a_retry_of_a_suspended_account_stops_too(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A message already ``sending`` (its first provider call failed, retryable) is not tried again."""
    from brandlink.core.common.errors import ErrorCode
    from brandlink.core.messaging.delivery import DeliveryError

    assert api.sid is not None
    register_number(api)
    provider = wiring.provider()
    calls: list[str] = []

    def busy(outgoing: Any) -> Any:
        calls.append(outgoing.message_sid)
        raise DeliveryError(ErrorCode.UNREACHABLE_HANDSET, "busy", retryable=True)

    monkeypatch.setattr(provider, "send", busy)
    created = send(api, To=RECIPIENT, From=SENDER, Body="Retried")
    run_dispatch()
    assert stored(api.sid, created["sid"]).status == "sending" and len(calls) == 1
    set_status(api.sid, "suspended")
    from brandlink.core.messaging.send_queue import DispatchRequest

    assert dispatch_payload(DispatchRequest(api.sid, created["sid"], 1).to_json()) == {"batchItemFailures": []}
    message = stored(api.sid, created["sid"])
    assert (message.status, message.error_code, len(calls)) == ("failed", 30002, 1)
