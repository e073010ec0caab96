"""``brandlink carrier`` and ``brandlink sweep`` on moto: the simulated carrier queues receipts only for
outbox messages, with a delivery code, and the receipts function applies them."""

from __future__ import annotations

from typing import Any

import pytest

from brandlink.handlers.receipts import handler as receipts_handler
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import _pump, messages_path, queue_depth, register_number, run_dispatch, send
from tests.integration.test_admin_cli import failure, run_cli


@pytest.fixture
def outbox_message(api: ApiClient) -> dict[str, Any]:
    register_number(api)
    message = send(api, To="+14155550100", From="+14155552671", Body="hi")
    run_dispatch()
    return message


def test_deliver_and_undeliver_with_a_code(
    api: ApiClient, outbox_message: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.sid is not None
    played = run_cli(capsys, "carrier", "undeliver", outbox_message["sid"], "--code", "30007", "--account", api.sid)
    assert played == {
        "message_sid": outbox_message["sid"],
        "account_sid": api.sid,
        "from": "+14155552671",
        "status": "undelivered",
        "error_code": 30007,
        "queued": True,
    }
    run_cli(capsys, "carrier", "deliver", outbox_message["sid"], "--account", api.sid)  # too late: ignored
    assert _pump("receipts", receipts_handler, retry_failed=False) == 2
    _status, fetched = api.get(messages_path(api, outbox_message["sid"]))
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", 30007)


def test_refusals_are_one_sentence(
    api: ApiClient, outbox_message: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert api.sid is not None
    sid = outbox_message["sid"]
    assert "not a delivery error code" in failure(
        capsys, "carrier", "undeliver", sid, "--code", "12", "--account", api.sid
    )
    assert "--code goes with undeliver or fail" in failure(
        capsys, "carrier", "deliver", sid, "--code", "30003", "--account", api.sid
    )
    assert "is no message of" in failure(capsys, "carrier", "deliver", "SM" + "0" * 32, "--account", api.sid)
    queued = send(api, To="+14155550100", From="+14155552671", Body="not yet sent")
    assert "not handed to the outbox" in failure(capsys, "carrier", "deliver", queued["sid"], "--account", api.sid)
    assert queue_depth("receipts") == 0


def test_sweep_runs_the_sweeper(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "sweep") == {"found": 0, "settled": 0}
