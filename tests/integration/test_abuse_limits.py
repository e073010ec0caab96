"""Security finding 5 on moto: per-account abuse limits, set by the operator (``brandlink set-limits``).

Destination countries (21408 at create, again at dispatch), the send rate (a token bucket in the
``rate_limits`` table shared by every API environment: 20429), the daily segment cap (30023 at
create for send-now, counted once per message at dispatch) and the scheduled cap per account (35125).
The clocks of the limits are fixed, so no test depends on when in a second or a day it runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from brandlink import wiring
from brandlink.core.messaging.admission import SendAdmission
from brandlink.store.common.rate_limits import DynamoTokenWindows
from ops import cli
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    dispatch_payload,
    messages_path,
    register_number,
    run_dispatch,
    send,
    service_with_numbers,
)
from tests.integration.test_messages_scheduling import schedule, schedule_of

LONDON = "+447400123456"
NOW = 1_800_000_000.5  # a fixed instant, mid-second and mid-day (UTC)


@pytest.fixture(autouse=True)
def fixed_clocks(aws: dict[str, str]) -> Iterator[list[float]]:
    now = [NOW]
    wiring.send_admission().clock = lambda: now[0]
    wiring.dispatch_guard().clock = lambda: now[0]
    yield now


def set_limits(capsys: pytest.CaptureFixture[str], account: ApiClient, *options: str) -> Any:
    assert account.sid is not None
    assert cli.main(["set-limits", account.sid, *options]) == 0
    return json.loads(capsys.readouterr().out)


def create(api: ApiClient, **params: Any) -> tuple[int, Any]:
    return api.post(messages_path(api), params)


def test_a_destination_outside_the_allowed_countries_is_refused_with_21408(
    api: ApiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    register_number(api)
    status, error = create(api, To=LONDON, From=SENDER, Body="Pumped?")
    assert (status, error["code"]) == (400, 21408)
    assert "Permission to send an SMS has not been enabled for the region" in error["message"]
    assert "GB" in error["message"]
    assert create(api, To=RECIPIENT, From=SENDER, Body="US is allowed by default")[0] == 201

    shown = set_limits(capsys, api, "--countries", "us,ca,gb")
    assert shown["effective"]["countries"] == "CA,GB,US" and shown["overrides"] == {"countries": "CA,GB,US"}
    assert create(api, To=LONDON, From=SENDER, Body="Now allowed")[0] == 201
    set_limits(capsys, api, "--countries", "*")
    assert create(api, To="+33612345678", From=SENDER, Body="Everywhere")[0] == 201
    set_limits(capsys, api, "--countries", "default")
    assert create(api, To="+33612345678", From=SENDER, Body="x")[1]["code"] == 21408


def test_a_country_removed_after_scheduling_is_refused_at_dispatch(
    api: ApiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    set_limits(capsys, api, "--countries", "US,GB")
    service = service_with_numbers(api, SENDER)
    body = send(
        api,
        To=LONDON,
        MessagingServiceSid=service,
        Body="Later",
        ScheduleType="fixed",
        SendAt=schedule(api, service)[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    set_limits(capsys, api, "--countries", "US")
    assert dispatch_payload(schedule_of(body["sid"])["Target"]["Input"]) == {"batchItemFailures": []}
    message = api.get(messages_path(api, body["sid"]))[1]
    assert (message["status"], message["error_code"]) == ("failed", 21408)
    assert api.get("/v1/Outbox")[1]["messages"] == [] or all(
        m["message_sid"] != body["sid"] for m in api.get("/v1/Outbox")[1]["messages"]
    )


def test_the_send_rate_is_per_account_and_per_second(
    new_account: Callable[[], ApiClient], capsys: pytest.CaptureFixture[str], fixed_clocks: list[float]
) -> None:
    a, b = new_account(), new_account()
    register_number(a)
    register_number(b, "+14155552672")
    set_limits(capsys, a, "--send-rate", "2")
    assert [create(a, To=RECIPIENT, From=SENDER, Body="x")[0] for _ in range(2)] == [201, 201]
    status, error = create(a, To=RECIPIENT, From=SENDER, Body="x")
    assert (status, error["code"], error["status"]) == (429, 20429, 429)
    assert "2 messages per second" in error["message"]
    assert create(b, To=RECIPIENT, From="+14155552672", Body="another account")[0] == 201  # its own bucket
    fixed_clocks[0] += 1  # the next second
    assert create(a, To=RECIPIENT, From=SENDER, Body="x")[0] == 201


def test_the_send_rate_is_shared_by_every_environment(api: ApiClient) -> None:
    """Two API environments (two ``SendAdmission``s, each claiming blocks from the shared table)
    together admit no more than the account's rate in one second."""
    assert api.sid is not None
    account = replace(wiring.accounts().get(api.sid), limits=replace(wiring.accounts().get(api.sid).limits))  # type: ignore[arg-type]
    defaults = replace(wiring.sending_defaults(), send_rate=25)
    environments = [
        SendAdmission(defaults, DynamoTokenWindows("send"), wiring.segment_counts(), clock=lambda: NOW)
        for _ in range(2)
    ]
    admitted = 0
    for _ in range(20):
        for environment in environments:
            try:
                environment.admit(account, RECIPIENT, 1, send_now=True)
                admitted += 1
            except Exception as exc:
                assert getattr(exc, "code", None) == 20429
    assert admitted == 25


def test_the_daily_segment_cap_counts_each_message_once_at_dispatch(
    api: ApiClient, capsys: pytest.CaptureFixture[str], fixed_clocks: list[float]
) -> None:
    assert api.sid is not None
    register_number(api)
    set_limits(capsys, api, "--daily-segments", "3")
    first = send(api, To=RECIPIENT, From=SENDER, Body="one segment")
    payload = json.dumps({"account_sid": api.sid, "message_sid": first["sid"], "attempt": 0})
    run_dispatch()
    assert dispatch_payload(payload) == {"batchItemFailures": []}  # a duplicate trigger: not counted again
    assert wiring.segment_counts().used(api.sid, int(NOW // 86400)) == 1
    assert send(api, To=RECIPIENT, From=SENDER, Body="x" * 200)["num_segments"] == "2"
    run_dispatch()
    assert wiring.segment_counts().used(api.sid, int(NOW // 86400)) == 3
    status, error = create(api, To=RECIPIENT, From=SENDER, Body="one too many")
    assert (status, error["code"]) == (429, 30023)
    assert "3 segments for today" in error["message"]
    fixed_clocks[0] += 86_400  # tomorrow (UTC)
    assert create(api, To=RECIPIENT, From=SENDER, Body="a new day")[0] == 201


def test_a_scheduled_message_over_the_daily_cap_fails_at_dispatch(
    api: ApiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    service = service_with_numbers(api, SENDER)
    set_limits(capsys, api, "--daily-segments", "1")
    first, _ = schedule(api, service, minutes=60)
    second, _ = schedule(api, service, minutes=61)
    for body in (first, second):
        assert dispatch_payload(schedule_of(body["sid"])["Target"]["Input"]) == {"batchItemFailures": []}
    assert api.get(messages_path(api, first["sid"]))[1]["status"] == "sent"
    message = api.get(messages_path(api, second["sid"]))[1]
    assert (message["status"], message["error_code"]) == ("failed", 30023)
    assert len(api.get("/v1/Outbox")[1]["messages"]) == 1


def test_the_scheduled_cap_is_per_account(
    new_account: Callable[[], ApiClient], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = new_account(), new_account()
    service_a = service_with_numbers(a, SENDER)
    service_b = service_with_numbers(b, "+14155552672")
    set_limits(capsys, a, "--scheduled-cap", "1")
    schedule(a, service_a)
    status, error = a.post(
        messages_path(a),
        {
            "To": RECIPIENT,
            "MessagingServiceSid": service_a,
            "Body": "second",
            "ScheduleType": "fixed",
            "SendAt": schedule(b, service_b)[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    assert (status, error["code"]) == (400, 35125)
    assert "already has 1 scheduled" in error["message"]
    schedule(b, service_b)  # b keeps the deployment's cap


def test_set_limits_refuses_bad_values_in_one_sentence(api: ApiClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert api.sid is not None
    for option, value in (("--send-rate", "0"), ("--send-rate", "fast"), ("--countries", "USA")):
        assert cli.main(["set-limits", api.sid, option, value]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("brandlink: error: ") and len(err.splitlines()) == 1 and "Traceback" not in err
    assert cli.main(["set-limits", "AC" + "0" * 32, "--send-rate", "5"]) == 1
    assert "list-accounts" in capsys.readouterr().err
    shown = set_limits(capsys, api)
    assert shown["overrides"] == {}
    assert shown["effective"] == {
        "send_rate": 100,
        "daily_segments": 2_000_000,
        "scheduled_cap": 500_000,
        "countries": "CA,US",
    }
