"""The Messages resource through the real API handler on moto: shape, every error, cancel, redact,
delete, list filters and paging."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from brandlink.config import settings
from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import (
    RECIPIENT,
    SENDER,
    messages_path,
    queue_depth,
    register_number,
    run_dispatch,
    send,
    service_with_numbers,
)

FIELDS = {
    "account_sid",
    "api_version",
    "body",
    "date_created",
    "date_sent",
    "date_updated",
    "direction",
    "error_code",
    "error_message",
    "from",
    "messaging_service_sid",
    "num_media",
    "num_segments",
    "price",
    "price_unit",
    "sid",
    "status",
    "subresource_uris",
    "tags",
    "to",
    "uri",
}
ENVELOPE = {"end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri"}


@pytest.fixture(name="sender")
def sender_fixture(api: ApiClient) -> str:
    register_number(api)
    return SENDER


@pytest.fixture(name="service")
def service_fixture(api: ApiClient) -> str:
    return service_with_numbers(api, "+12125550199")


def in_minutes(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_names() -> list[str]:
    scheduler = boto3.client("scheduler", region_name=settings().region)
    return [s["Name"] for s in scheduler.list_schedules(GroupName=settings().schedule_group)["Schedules"]]


def test_send_now_from_a_number(api: ApiClient, sender: str) -> None:
    body = send(api, To=RECIPIENT, From=sender, Body="Hello there", Tags='{"campaign": "spring", "variant": "B"}')
    assert set(body) == FIELDS
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert (body["status"], body["from"], body["to"], body["messaging_service_sid"]) == (
        "queued",
        sender,
        RECIPIENT,
        None,
    )
    assert (body["num_segments"], body["num_media"], body["direction"], body["api_version"]) == (
        "1",
        "0",
        "outbound-api",
        "2010-04-01",
    )
    assert body["tags"] == {"campaign": "spring", "variant": "B"}
    assert body["date_sent"] is None and body["date_created"].endswith("+0000")
    assert body["uri"] == messages_path(api, body["sid"])
    assert body["subresource_uris"]["media"] == f"/2010-04-01/Accounts/{api.sid}/Messages/{body['sid']}/Media.json"
    assert queue_depth("send") == 1
    assert api.get(messages_path(api, body["sid"])) == (200, body)


def test_send_through_a_service_is_accepted(api: ApiClient, service: str) -> None:
    body = send(api, To=RECIPIENT, MessagingServiceSid=service, Body="Hi")
    assert (body["status"], body["from"], body["messaging_service_sid"]) == ("accepted", None, service)


def test_media_message_gets_an_mm_sid(api: ApiClient, sender: str) -> None:
    body = send(api, To=RECIPIENT, From=sender, MediaUrl=["https://example.com/a.png", "https://example.com/b.png"])
    assert body["sid"].startswith("MM") and body["num_media"] == "2" and body["body"] == ""


def test_num_segments_follow_the_encoding(api: ApiClient, sender: str, service: str) -> None:
    assert send(api, To=RECIPIENT, From=sender, Body="a" * 161)["num_segments"] == "2"
    assert send(api, To=RECIPIENT, From=sender, Body="€" * 80)["num_segments"] == "1"
    assert send(api, To=RECIPIENT, From=sender, Body="ł" * 71)["num_segments"] == "2"
    curly = "It\u2019s " + "a" * 100
    assert send(api, To=RECIPIENT, From=sender, Body=curly)["num_segments"] == "2"
    assert send(api, To=RECIPIENT, MessagingServiceSid=service, Body=curly)["num_segments"] == "1"


def test_whatsapp_addresses(api: ApiClient) -> None:
    register_number(api, f"whatsapp:{SENDER}")
    body = send(api, To=f"whatsapp:{RECIPIENT}", From=f"whatsapp:{SENDER}", Body="Hi")
    assert body["to"] == f"whatsapp:{RECIPIENT}"


LONG = "x" * 1601
BAD_INPUTS: list[tuple[dict[str, Any], int]] = [
    ({"From": SENDER, "Body": "Hi"}, 21604),
    ({"To": "", "From": SENDER, "Body": "Hi"}, 21604),
    ({"To": "4155550100", "From": SENDER, "Body": "Hi"}, 21211),
    ({"To": "+1415", "From": SENDER, "Body": "Hi"}, 21211),
    ({"To": "+15551234567", "From": SENDER, "Body": "Hi"}, 21211),
    ({"To": "whatsapp:415", "From": SENDER, "Body": "Hi"}, 21211),
    ({"To": "sms:+14155550100", "From": SENDER, "Body": "Hi"}, 21211),
    ({"To": RECIPIENT, "Body": "Hi"}, 21603),
    ({"To": RECIPIENT, "From": "+12025550123", "Body": "Hi"}, 21606),
    ({"To": RECIPIENT, "From": "Brandlink", "Body": "Hi"}, 21606),
    ({"To": f"whatsapp:{RECIPIENT}", "From": SENDER, "Body": "Hi"}, 21606),
    ({"To": RECIPIENT, "MessagingServiceSid": "MG123", "Body": "Hi"}, 21705),
    ({"To": RECIPIENT, "MessagingServiceSid": "MG" + "0" * 32, "Body": "Hi"}, 21701),
    ({"To": RECIPIENT, "From": SENDER}, 21619),
    ({"To": RECIPIENT, "From": SENDER, "Body": "   "}, 21602),
    ({"To": RECIPIENT, "From": SENDER, "Body": LONG}, 21617),
    ({"To": RECIPIENT, "From": SENDER, "MediaUrl": [f"https://example.com/{i}.png" for i in range(11)]}, 21623),
    ({"To": RECIPIENT, "From": SENDER, "MediaUrl": "ftp://example.com/a.png"}, 21620),
    ({"To": RECIPIENT, "From": SENDER, "MediaUrl": "not a url"}, 21620),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "StatusCallback": "javascript:alert(1)"}, 21609),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "StatusCallback": "http://"}, 21609),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ValidityPeriod": "0"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ValidityPeriod": "36001"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ValidityPeriod": "soon"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "SmartEncoded": "maybe"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ShortenUrls": "true"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "Tags": "campaign=spring"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "Tags": '["spring"]'}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "Tags": '{"n": 1}'}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "Tags": '{"": "x"}'}, 20001),
    (
        {
            "To": RECIPIENT,
            "From": SENDER,
            "Body": "Hi",
            "Tags": str({f"k{i}": "v" for i in range(11)}).replace("'", '"'),
        },
        20001,
    ),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "Attempt": "0"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "RiskCheck": "maybe"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ContentRetention": "forever"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "AddressRetention": "hide"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "PersistentAction": "no scheme"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ForceDelivery": "yes please"}, 20001),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ScheduleType": "fixed", "SendAt": in_minutes(60)}, 35118),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "SendAt": in_minutes(60)}, 35119),
    ({"To": RECIPIENT, "From": SENDER, "Body": "Hi", "ScheduleType": "fixed"}, 35111),
]
SERVICE_BAD_INPUTS: list[tuple[dict[str, Any], int]] = [
    ({"ScheduleType": "fixed"}, 35111),
    ({"ScheduleType": "fixed", "SendAt": ""}, 35111),
    ({"SendAt": in_minutes(60)}, 35119),
    ({"ScheduleType": "weekly", "SendAt": in_minutes(60)}, 20001),
    ({"ScheduleType": "fixed", "SendAt": in_minutes(4)}, 35114),
    ({"ScheduleType": "fixed", "SendAt": in_minutes(-10)}, 35114),
    # A day past the 35-day window: the value is computed at import, and a loaded run takes many minutes.
    ({"ScheduleType": "fixed", "SendAt": in_minutes(36 * 24 * 60)}, 35114),
    ({"ScheduleType": "fixed", "SendAt": "next tuesday"}, 35114),
    # ShortenUrls for a service without a domain is accepted (ContinueOnFailure's default):
    # tests/integration/test_links_dispatch.py.
]


def assert_nothing_written(api: ApiClient) -> None:
    assert api.get(messages_path(api))[1]["messages"] == []
    assert queue_depth("send") == 0
    assert schedule_names() == []


@pytest.mark.parametrize(("params", "code"), BAD_INPUTS)
def test_bad_input_gets_its_code_and_writes_nothing(
    api: ApiClient, sender: str, params: dict[str, Any], code: int
) -> None:
    status, body = api.post(messages_path(api), params)
    assert (status, body["code"]) == (400, code), body
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert_nothing_written(api)


@pytest.mark.parametrize(("params", "code"), SERVICE_BAD_INPUTS)
def test_bad_service_input_gets_its_code_and_writes_nothing(
    api: ApiClient, service: str, params: dict[str, Any], code: int
) -> None:
    status, body = api.post(
        messages_path(api), {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "Hi", **params}
    )
    assert (status, body["code"]) == (400, code), body
    assert_nothing_written(api)


def test_a_sender_of_another_account_is_21606(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    register_number(alice)
    status, body = bob.post(messages_path(bob), {"To": RECIPIENT, "From": SENDER, "Body": "Hi"})
    assert (status, body["code"]) == (400, 21606)
    service = service_with_numbers(alice)
    status, body = bob.post(messages_path(bob), {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "Hi"})
    assert (status, body["code"]) == (400, 21701)


def test_messages_of_another_account_are_404(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    register_number(alice)
    sid = send(alice, To=RECIPIENT, From=SENDER, Body="Hi")["sid"]
    foreign = f"/2010-04-01/Accounts/{bob.sid}/Messages/{sid}.json"
    for method in ("GET", "POST", "DELETE"):
        status, body = bob.call(method, foreign, data={"Status": "canceled"} if method == "POST" else None)
        assert (status, body["code"]) == (404, 20404)
    status, body = bob.get(messages_path(alice, sid))
    assert (status, body["code"]) == (404, 20404)
    assert bob.get(messages_path(bob))[1]["messages"] == []


@pytest.mark.parametrize("sid", ["SM123", "XX" + "0" * 32, "SM" + "0" * 32, "sm" + "0" * 32])
def test_unknown_message_is_404(api: ApiClient, sid: str) -> None:
    status, body = api.get(messages_path(api, sid))
    assert (status, body["code"]) == (404, 20404)


def test_queue_failure_leaves_no_message(api: ApiClient, sender: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlink.adapters.messaging.queues import SqsSendQueue

    def unavailable(self: SqsSendQueue, request: Any, *, delay_seconds: int = 0) -> None:
        raise ConnectionError("SQS is down")

    monkeypatch.setattr(SqsSendQueue, "enqueue", unavailable)
    status, body = api.post(messages_path(api), {"To": RECIPIENT, "From": sender, "Body": "Hi"})
    assert status == 500 and body["code"] == 20500
    assert api.get(messages_path(api))[1]["messages"] == []


def test_cancel_and_redact_rules(api: ApiClient, sender: str) -> None:
    sid = send(api, To=RECIPIENT, From=sender, Body="secret")["sid"]
    path = messages_path(api, sid)
    status, body = api.post(path, {"Status": "canceled"})
    assert (status, body["code"]) == (400, 30409)
    for params in ({}, {"Status": "sent"}, {"Body": "edited"}, {"Status": "canceled", "Body": ""}):
        status, body = api.post(path, params)
        assert (status, body["code"]) == (400, 30400), params
    status, body = api.post(path, {"Body": ""})
    assert (status, body["code"]) == (400, 30400)  # still queued: not finished yet
    status, body = api.delete(path)
    assert (status, body["code"]) == (409, 20009)
    assert run_dispatch() == 1
    status, body = api.post(path, {"Body": ""})
    assert (status, body["status"], body["body"]) == (200, "sent", "")
    assert api.get(path)[1]["body"] == ""
    assert api.post(path, {"Status": "canceled"})[1]["code"] == 30409
    assert api.delete(path) == (204, None)
    assert api.get(path)[0] == 404
    assert api.delete(path)[0] == 404


def test_retention_sets_expiry_and_expired_messages_are_gone(
    new_account: Callable[[], ApiClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink import wiring
    from brandlink.core.accounts.model import Account
    from brandlink.store.messaging.messages import MessageItem

    api = new_account()
    account = wiring.accounts().get(api.sid)
    assert isinstance(account, Account)
    wiring.accounts().save(account.__class__(**{**account.__dict__, "retention_days": 7}))
    register_number(api)
    sid = send(api, To=RECIPIENT, From=SENDER, Body="Hi")["sid"]
    item = MessageItem.get(sid)
    assert timedelta(days=6, hours=23) < item.expires_at - item.date_created <= timedelta(days=7)
    item.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    item.save()
    assert api.get(messages_path(api, sid))[0] == 404
    assert api.get(messages_path(api))[1]["messages"] == []


def test_default_retention_is_the_deployment_setting(api: ApiClient, sender: str) -> None:
    from brandlink.store.messaging.messages import MessageItem

    sid = send(api, To=RECIPIENT, From=sender, Body="Hi")["sid"]
    item = MessageItem.get(sid)
    kept = item.expires_at - item.date_created
    assert timedelta(days=settings().retention_days, seconds=-1) < kept <= timedelta(days=settings().retention_days)


def follow(api: ApiClient, uri: str) -> dict[str, Any]:
    parts = urlsplit(uri)
    status, body = api.get(parts.path, query=dict(parse_qsl(parts.query, keep_blank_values=True)))
    assert status == 200, body
    return body


def test_list_envelope_paging_and_filters(api: ApiClient, sender: str) -> None:
    sids = [send(api, To=RECIPIENT if i % 2 else "+14155550101", From=sender, Body=f"#{i}")["sid"] for i in range(7)]
    first = follow(api, messages_path(api) + "?PageSize=3")
    assert set(first) == ENVELOPE | {"messages"}
    assert [m["sid"] for m in first["messages"]] == sids[::-1][:3]
    assert (first["page"], first["start"], first["end"], first["previous_page_uri"]) == (0, 0, 2, None)
    second = follow(api, first["next_page_uri"])
    assert [m["sid"] for m in second["messages"]] == sids[::-1][3:6]
    assert (second["page"], second["start"], second["end"]) == (1, 3, 5)
    third = follow(api, second["next_page_uri"])
    assert [m["sid"] for m in third["messages"]] == sids[:1] and third["next_page_uri"] is None
    back = follow(api, third["previous_page_uri"])
    assert [m["sid"] for m in back["messages"]] == sids[::-1][3:6]
    filtered = follow(api, messages_path(api) + f"?To=%2B14155550101&From=%2B{sender[1:]}&PageSize=2")
    assert [m["sid"] for m in filtered["messages"]] == [sids[6], sids[4]]
    rest = follow(api, filtered["next_page_uri"])
    assert [m["sid"] for m in rest["messages"]] == [sids[2], sids[0]]
    assert "To=%2B14155550101" in filtered["next_page_uri"]


def test_date_sent_filters(api: ApiClient, sender: str) -> None:
    unsent = send(api, To=RECIPIENT, From=sender, Body="later")["sid"]
    run_dispatch()
    send(api, To=RECIPIENT, From=sender, Body="queued")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    listed = follow(api, messages_path(api) + f"?DateSent={today}")["messages"]
    assert [m["sid"] for m in listed] == [unsent]
    assert [m["sid"] for m in follow(api, messages_path(api) + f"?DateSent%3E={today}")["messages"]] == [unsent]
    assert follow(api, messages_path(api) + f"?DateSent%3E={tomorrow}")["messages"] == []
    assert [m["sid"] for m in follow(api, messages_path(api) + f"?DateSent%3C={today}T23%3A59%3A59Z")["messages"]] == [
        unsent
    ]
    status, body = api.get(messages_path(api), query={"DateSent": "yesterday"})
    assert (status, body["code"]) == (400, 20001)


@pytest.mark.parametrize("query", [{"PageSize": "0"}, {"PageSize": "1001"}, {"Page": "2"}, {"PageToken": "PAxyz"}])
def test_bad_paging_is_20001(api: ApiClient, query: dict[str, str]) -> None:
    status, body = api.get(messages_path(api), query=query)
    assert (status, body["code"]) == (400, 20001)


def test_page_token_of_another_account_is_refused(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    register_number(alice)
    for _ in range(3):
        send(alice, To=RECIPIENT, From=SENDER, Body="Hi")
    next_uri = follow(alice, messages_path(alice) + "?PageSize=1")["next_page_uri"]
    token = dict(parse_qsl(urlsplit(next_uri).query))["PageToken"]
    status, body = bob.get(messages_path(bob), query={"PageSize": "1", "Page": "1", "PageToken": token})
    assert (status, body["code"]) == (400, 20001)


@pytest.fixture(name="cap_of_two")
def cap_of_two_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BRANDLINK_SCHEDULED_CAP", "2")
    settings.cache_clear()
    yield
    monkeypatch.delenv("BRANDLINK_SCHEDULED_CAP")
    settings.cache_clear()


def test_scheduled_cap_is_35125(api: ApiClient, service: str, cap_of_two: None) -> None:
    params = {"To": RECIPIENT, "MessagingServiceSid": service, "Body": "Hi", "ScheduleType": "fixed"}
    first = send(api, **params, SendAt=in_minutes(30))
    send(api, **params, SendAt=in_minutes(31))
    status, body = api.post(messages_path(api), {**params, "SendAt": in_minutes(32)})
    assert (status, body["code"]) == (400, 35125)
    assert len(api.get(messages_path(api))[1]["messages"]) == 2 and len(schedule_names()) == 2
    assert api.post(messages_path(api, first["sid"]), {"Status": "canceled"})[0] == 200
    assert send(api, **params, SendAt=in_minutes(33))["status"] == "scheduled"


NASTY = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "+",
            "null",
            "[]",
            "{}",
            '{"a": {"b": 1}}',
            "9999-12-31T23:59:59Z",
            "2030-01-01T00:00:00+25:00",
            "2024-02-30",
            "-1",
            "1e3",
            "MG" + "A" * 32,
            "http://[::1]/",
            "https://exa mple.com",
            "TRUE",
            "+" + "1" * 40,
        ]
    ),
    st.text(max_size=40),
)
PARAMS = st.sampled_from(
    [
        "To",
        "From",
        "MessagingServiceSid",
        "Body",
        "MediaUrl",
        "StatusCallback",
        "ValidityPeriod",
        "SmartEncoded",
        "ShortenUrls",
        "ScheduleType",
        "SendAt",
        "Tags",
        "Attempt",
        "RiskCheck",
        "PersistentAction",
        "AddressRetention",
    ]
)


@settings_(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(PARAMS, NASTY, min_size=1, max_size=3), use_service=st.booleans())
def test_random_bad_input_never_gets_a_500_or_a_partial_write(
    api: ApiClient, service: str, changes: dict[str, str], use_service: bool
) -> None:
    if not api.get(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json")[1]["incoming_phone_numbers"]:
        register_number(api)
    before = len(api.get(messages_path(api), query={"PageSize": "1000"})[1]["messages"])
    params = {"To": RECIPIENT, "Body": "hi", **({"MessagingServiceSid": service} if use_service else {"From": SENDER})}
    status, body = api.post(messages_path(api), {**params, **changes})
    assert status in (201, 400), body
    after = len(api.get(messages_path(api), query={"PageSize": "1000"})[1]["messages"])
    assert after == before + (1 if status == 201 else 0)
