"""The sweeper on moto: the sparse ``by_sending`` index finds messages stuck in ``sending``; the sweeper
function settles them ``failed`` 30008 with a signed callback, and leaves fresh or moved-on ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from brandlink.core.common.dates import utcnow
from brandlink.core.messaging.model import SENDING
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.message_helpers import (
    CallbackReceiver,
    messages_path,
    receiver_fixture,
    register_number,
    run_status_callbacks,
    send,
)

__all__ = ["receiver_fixture"]


def crashed_while_sending(api: ApiClient, message: dict[str, Any], minutes_ago: int) -> None:
    """What a dispatch that died after its claim leaves: ``sending``, one attempt, dated at the claim."""
    from brandlink import wiring

    assert api.sid is not None
    stored = wiring.messages().get(api.sid, message["sid"])
    assert stored is not None
    claimed = replace(stored, status=SENDING, attempts=1, date_updated=utcnow() - timedelta(minutes=minutes_ago))
    assert wiring.messages().replace(claimed, expected_statuses=frozenset({stored.status}))


def sweep() -> dict[str, int]:
    from brandlink.handlers.sweeper import handler

    return handler({"source": "aws.events", "detail-type": "Scheduled Event"}, lambda_context())


def test_the_sweeper_settles_only_what_is_stuck_past_the_timeout(api: ApiClient, receiver: CallbackReceiver) -> None:
    from brandlink.store.messaging.messages import DynamoMessageRepository

    register_number(api)
    stuck = send(api, To="+14155550100", From="+14155552671", Body="lost", StatusCallback=receiver.url())
    fresh = send(api, To="+14155550100", From="+14155552671", Body="slow", StatusCallback=receiver.url())
    crashed_while_sending(api, stuck, minutes_ago=31)
    crashed_while_sending(api, fresh, minutes_ago=5)

    assert [m.sid for m in DynamoMessageRepository().stuck_sending(utcnow() - timedelta(minutes=30), 10)] == [
        stuck["sid"]
    ]
    assert sweep() == {"found": 1, "settled": 1}
    run_status_callbacks()

    _status, settled = api.get(messages_path(api, stuck["sid"]))
    assert (settled["status"], settled["error_code"]) == ("failed", 30008)
    _status, waiting = api.get(messages_path(api, fresh["sid"]))
    assert waiting["status"] == "sending"
    assert receiver.statuses() == ["failed"]
    assert receiver.received[0].params["ErrorCode"] == "30008"
    # Out of ``sending``, the message left the sparse index: the next run finds nothing.
    assert sweep() == {"found": 0, "settled": 0}
