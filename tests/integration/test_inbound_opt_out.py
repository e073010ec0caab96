"""Advanced Opt-Out on moto: STOP → 21610, START → sends again, HELP → help reply, OptOutType, the API."""

from __future__ import annotations

from typing import Any

from brandlink.core.inbound.opt_out import DEFAULT_REPLIES, OptOutType
from tests.integration.conftest import ApiClient
from tests.integration.inbound_helpers import HANDSET, run_inbound, text_from_handset
from tests.integration.message_helpers import (
    SENDER,
    CallbackReceiver,
    messages_path,
    receiver_fixture,
    register_number,
    run_dispatch,
    send,
    service_with_numbers,
)

receiver = receiver_fixture
OTHER_HANDSET = "+14155550111"


def bodies_sent_to(api: ApiClient, to: str = HANDSET) -> list[str]:
    status, body = api.get("/v1/Outbox", query={"To": to})
    assert status == 200, body
    return [entry["body"] for entry in reversed(body["messages"])]


def try_send(api: ApiClient, **params: Any) -> tuple[int, Any]:
    return api.post(messages_path(api), params)


def test_stop_refuses_with_21610_until_start(api: ApiClient, receiver: CallbackReceiver) -> None:
    service = service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    text_from_handset(SENDER, " Stop ")
    run_inbound()
    assert receiver.received[0].params["OptOutType"] == "STOP"
    run_dispatch()
    assert bodies_sent_to(api) == [DEFAULT_REPLIES[OptOutType.STOP]]

    status, error = try_send(api, To=HANDSET, MessagingServiceSid=service, Body="Sale!")
    assert (status, error["code"]) == (400, 21610), error
    assert "START" in error["message"]
    status, error = try_send(api, To=HANDSET, From=SENDER, Body="Sale!")  # the number is in the service's pool
    assert (status, error["code"]) == (400, 21610), error
    send(api, To=OTHER_HANDSET, MessagingServiceSid=service, Body="others still get it")

    text_from_handset(SENDER, "start")
    run_inbound()
    assert receiver.received[1].params["OptOutType"] == "START"
    send(api, To=HANDSET, MessagingServiceSid=service, Body="Welcome back")
    run_dispatch()
    assert bodies_sent_to(api) == [
        DEFAULT_REPLIES[OptOutType.STOP],
        DEFAULT_REPLIES[OptOutType.START],
        "Welcome back",
    ]


def test_help_gets_the_help_reply_and_changes_nothing(api: ApiClient, receiver: CallbackReceiver) -> None:
    service = service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    text_from_handset(SENDER, "help")
    run_inbound()
    assert receiver.received[0].params["OptOutType"] == "HELP"
    run_dispatch()
    assert bodies_sent_to(api) == [DEFAULT_REPLIES[OptOutType.HELP]]
    send(api, To=HANDSET, MessagingServiceSid=service, Body="still subscribed")


def test_a_number_in_no_service_is_its_own_scope(api: ApiClient) -> None:
    register_number(api)
    other = "+14155552672"
    register_number(api, other)
    text_from_handset(SENDER, "STOP")
    run_inbound()
    status, error = try_send(api, To=HANDSET, From=SENDER, Body="x")
    assert (status, error["code"]) == (400, 21610)
    send(api, To=HANDSET, From=other, Body="another sender may still write")


def test_the_opt_out_api_sets_language_keywords_and_replies(api: ApiClient, receiver: CallbackReceiver) -> None:
    service = service_with_numbers(api, SENDER, InboundRequestUrl=receiver.url("/in"))
    path = f"/v1/Services/{service}/OptOut"
    status, settings = api.get(path)
    assert status == 200, settings
    assert settings["default"]["keywords"]["STOP"][0] == "STOP"
    assert settings["languages"] == {}

    status, settings = api.post(
        path, {"Language": "es", "StopKeywords": "baja, parar", "StopReply": "Baja confirmada.", "HelpReply": ""}
    )
    assert status == 200, settings
    assert settings["languages"]["es"]["keywords"]["STOP"] == ["BAJA", "PARAR"]
    assert settings["languages"]["es"]["keywords"]["START"] == ["START", "YES", "UNSTOP"]

    text_from_handset(SENDER, "Baja")
    run_inbound()
    run_dispatch()
    assert receiver.received[0].params["OptOutType"] == "STOP"
    assert bodies_sent_to(api) == ["Baja confirmada."]
    status, error = try_send(api, To=HANDSET, MessagingServiceSid=service, Body="x")
    assert error["code"] == 21610

    status, settings = api.post(path, {"Language": "es", "Remove": "true"})
    assert (status, settings["languages"]) == (200, {})


def test_the_opt_out_api_refuses_bad_input_with_a_sentence(api: ApiClient) -> None:
    service = service_with_numbers(api, SENDER)
    path = f"/v1/Services/{service}/OptOut"
    for params, name in (
        ({"Language": "spanish"}, "Language"),
        ({"Country": "MEX"}, "Country"),
        ({"Language": "es", "Country": "MX"}, "Country"),
        ({"StopKeywords": "stop now"}, "StopKeywords"),
        ({"StartKeywords": "STOP"}, "StartKeywords"),
    ):
        status, error = api.post(path, params)
        assert status == 400, (params, error)
        assert name in error["message"], error
    status, error = api.get("/v1/Services/MG" + "0" * 32 + "/OptOut")
    assert status == 404, error


def test_a_message_scheduled_before_stop_fails_with_21610_when_due(api: ApiClient) -> None:
    from datetime import UTC, datetime, timedelta

    from brandlink.core.messaging.send_queue import DispatchRequest
    from tests.integration.message_helpers import dispatch_payload

    service = service_with_numbers(api, SENDER)
    send_at = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = send(api, To=HANDSET, MessagingServiceSid=service, Body="Later", ScheduleType="fixed", SendAt=send_at)
    text_from_handset(SENDER, "STOP")
    run_inbound()
    dispatch_payload(DispatchRequest(str(api.sid), scheduled["sid"]).to_json())  # the schedule fires
    _status, message = api.get(messages_path(api, scheduled["sid"]))
    assert (message["status"], message["error_code"]) == ("failed", 21610)
    run_dispatch()  # the STOP confirmation still goes out
    assert bodies_sent_to(api) == [DEFAULT_REPLIES[OptOutType.STOP]]
