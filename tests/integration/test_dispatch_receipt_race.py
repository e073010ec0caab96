"""On moto: a delivery receipt the receipts function applies while dispatch is still waiting on the
provider. The receipt's status, error and callback stand; dispatch adds the provider's message ID and
posts no late ``sent``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from brandlink import wiring
from brandlink.core.messaging.delivery import OutgoingMessage
from brandlink.core.messaging.model import DELIVERED, SENDING, SENT, UNDELIVERED, Message
from brandlink.core.messaging.receipts import DeliveryReport
from brandlink.handlers.receipts import handler as receipts_handler
from brandlink.store.messaging.messages import DynamoMessageRepository
from testkit.messaging_fakes import RacingProvider
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    CallbackReceiver,
    _pump,
    messages_path,
    receiver_fixture,
    register_number,
    run_dispatch,
    run_status_callbacks,
    send,
)

__all__ = ["receiver_fixture"]


def stored(api: ApiClient, sid: str) -> Message:
    assert api.sid is not None
    message = DynamoMessageRepository().get(api.sid, sid)
    assert message is not None
    return message


def receipts_while_sending(monkeypatch: pytest.MonkeyPatch, *reports: tuple[str, int | None]) -> RacingProvider:
    """Dispatch's provider takes the message, then the carrier's receipts go through the receipts queue
    and function before the provider answers."""

    def carrier(message: OutgoingMessage) -> None:
        before = DynamoMessageRepository().get(message.account_sid, message.message_sid)
        assert before is not None and before.status == SENDING  # dispatch has not written yet
        queue = wiring.receipt_queue()
        queue.enqueue(
            [
                DeliveryReport(message.account_sid, message.message_sid, status, "outbox", code, from_=message.from_)
                for status, code in reports
            ]
        )
        assert _pump("receipts", receipts_handler, retry_failed=False) == len(reports)

    provider = RacingProvider(carrier)
    real = wiring.dispatcher
    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), provider=provider))
    return provider


@pytest.mark.parametrize(("status", "code"), [(DELIVERED, None), (UNDELIVERED, 30005)])
def test_a_receipt_before_dispatchs_final_write_keeps_its_status_and_gets_the_provider_id(
    api: ApiClient, receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch, status: str, code: int | None
) -> None:
    register_number(api)
    message = send(api, To=RECIPIENT, From=SENDER, Body="hi", StatusCallback=receiver.url())
    provider = receipts_while_sending(monkeypatch, (status, code))

    assert run_dispatch() == 1
    run_status_callbacks()

    assert len(provider.sent) == 1
    _status, fetched = api.get(messages_path(api, message["sid"]))
    assert (fetched["status"], fetched["error_code"], fetched["from"]) == (status, code, SENDER)
    assert fetched["num_segments"] == "1"
    assert stored(api, message["sid"]).provider_message_id == "p-1"
    # One callback per change, none for a ``sent`` the message never stood at (order: see the unit test).
    assert sorted(receiver.statuses()) == sorted([SENDING, status])


def test_sent_then_delivered_before_dispatchs_final_write(
    api: ApiClient, receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_number(api)
    message = send(api, To=RECIPIENT, From=SENDER, Body="hi", StatusCallback=receiver.url())
    receipts_while_sending(monkeypatch, (SENT, None), (DELIVERED, None))

    assert run_dispatch() == 1
    run_status_callbacks()

    kept = stored(api, message["sid"])
    assert (kept.status, kept.provider_message_id, kept.from_) == (DELIVERED, "p-1", SENDER)
    assert sorted(receiver.statuses()) == sorted([SENDING, SENT, DELIVERED])


def test_the_store_writes_only_over_the_same_attempt_and_sender(api: ApiClient) -> None:
    register_number(api)
    sid = send(api, To=RECIPIENT, From=SENDER, Body="hi")["sid"]
    run_dispatch()
    repository = DynamoMessageRepository()
    sent = stored(api, sid)
    assert sent.status == SENT and sent.provider_message_id is not None
    moved_on = frozenset({SENT, DELIVERED})

    later = replace(sent, provider_message_id="from-a-late-dispatch")
    assert not repository.record_provider_message_id(replace(later, from_="+14155559999"), expected_statuses=moved_on)
    assert not repository.record_provider_message_id(replace(later, attempts=2), expected_statuses=moved_on)
    assert not repository.record_provider_message_id(later, expected_statuses=frozenset({SENDING}))
    assert not repository.record_provider_message_id(
        replace(later, account_sid="AC" + "0" * 32), expected_statuses=moved_on
    )
    assert not repository.replace(later, expected_statuses=moved_on, expected_from="+14155559999")  # another sender
    assert stored(api, sid) == sent

    assert repository.record_provider_message_id(later, expected_statuses=moved_on)
    assert stored(api, sid) == replace(sent, provider_message_id="from-a-late-dispatch")  # nothing else changed
