"""Account-owned senders: IncomingPhoneNumbers and SMS/ShortCodes on the 2010-04-01 API."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.integration.conftest import ApiClient, own
from tests.integration.twilio_inprocess import twilio_client

NUMBER = "+14155552671"


def numbers_path(api: ApiClient) -> str:
    return f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers"


def short_codes_path(api: ApiClient) -> str:
    return f"/2010-04-01/Accounts/{api.sid}/SMS/ShortCodes"


def register(api: ApiClient, number: str = NUMBER, **params: str) -> dict[str, Any]:
    own(api, number)
    status, body = api.post(f"{numbers_path(api)}.json", {"PhoneNumber": number, **params})
    assert status == 201, body
    return body


def listed(api: ApiClient, **query: str) -> list[str]:
    return [n["phone_number"] for n in api.get(f"{numbers_path(api)}.json", query=query)[1]["incoming_phone_numbers"]]


def test_register_a_number(api: ApiClient) -> None:
    body = register(api)
    assert body["sid"].startswith("PN") and len(body["sid"]) == 34
    assert body["account_sid"] == api.sid
    assert body["phone_number"] == NUMBER
    assert body["friendly_name"] == "(415) 555-2671"
    assert body["capabilities"] == {"voice": False, "sms": True, "mms": True, "fax": False}
    assert (body["status"], body["origin"], body["api_version"]) == ("in-use", "hosted", "2010-04-01")
    assert body["uri"] == f"{numbers_path(api)}/{body['sid']}.json"
    assert parsedate_to_datetime(body["date_created"]).utcoffset().total_seconds() == 0
    assert body["date_created"].endswith("+0000")
    assert body["sms_url"] is None and body["sms_method"] == "POST"
    assert api.get(f"{numbers_path(api)}/{body['sid']}.json") == (200, body)


def test_register_with_settings_and_normalized_number(api: ApiClient) -> None:
    body = register(
        api,
        "+1 (415) 555-2671",
        FriendlyName="Support line",
        SmsUrl="https://hooks.example.com/sms",
        SmsMethod="get",
        StatusCallback="https://hooks.example.com/status",
    )
    assert body["phone_number"] == NUMBER
    assert (body["friendly_name"], body["sms_url"], body["sms_method"]) == (
        "Support line",
        "https://hooks.example.com/sms",
        "GET",
    )
    assert body["status_callback"] == "https://hooks.example.com/status"


def test_capabilities_follow_the_country(api: ApiClient) -> None:
    french = register(api, "+33612345678")
    assert french["capabilities"]["mms"] is False and french["type"] == "mobile"
    assert register(api, "+18005551212")["type"] == "toll-free"


@pytest.mark.parametrize(
    "number", ["", "   ", "4155552671", "+1415", "+15555550100", "call me", "++14155552671", "whatsapp:", "whatsapp:12"]
)
def test_invalid_number_is_21421(api: ApiClient, number: str) -> None:
    status, body = api.post(f"{numbers_path(api)}.json", {"PhoneNumber": number})
    assert (status, body["code"]) == (400, 21421)
    assert "E.164" in body["message"]
    assert listed(api) == []


def test_missing_number_is_21421(api: ApiClient) -> None:
    status, body = api.post(f"{numbers_path(api)}.json", {"FriendlyName": "x"})
    assert (status, body["code"]) == (400, 21421)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"StatusCallback": "mailto:ops@example.com"}, 21609),
        ({"SmsUrl": "ftp://example.com"}, 20001),
        ({"SmsMethod": "PATCH"}, 20001),
        ({"FriendlyName": "x" * 65}, 20001),
        ({"AccountSid": "AC" + "1" * 32}, 20001),
    ],
)
def test_bad_settings_register_nothing(api: ApiClient, params: dict[str, str], code: int) -> None:
    status, body = api.post(f"{numbers_path(api)}.json", {"PhoneNumber": NUMBER, **params})
    assert (status, body["code"]) == (400, code)
    assert listed(api) == []


def test_a_number_is_registered_once_per_account(new_account: Callable[[], ApiClient]) -> None:
    alice = new_account()
    first = register(alice)
    status, body = alice.post(f"{numbers_path(alice)}.json", {"PhoneNumber": "+1 415 555 2671"})
    assert (status, body["code"]) == (400, 21422)
    assert first["sid"] in body["message"]
    assert listed(alice) == [NUMBER]


def test_a_number_not_assigned_to_the_account_is_21422(new_account: Callable[[], ApiClient]) -> None:
    """Security finding 1: a number is usable only by the account that holds it (here no code is sent:
    this deployment verifies no numbers, only its operator assigns them)."""
    alice, bob = new_account(), new_account()
    register(alice)
    for account in (bob, new_account()):
        status, body = account.post(f"{numbers_path(account)}.json", {"PhoneNumber": NUMBER})
        assert (status, body["code"]) == (400, 21422)
        assert "not assigned to this account" in body["message"] and "brandlink assign-sender" in body["message"]
        assert alice.sid not in body["message"]
        assert listed(account) == []


def test_list_filters_and_paging(api: ApiClient) -> None:
    numbers = ["+14155552671", "+14155550100", "+12015550123", "+12015550124", "+33612345678"]
    for number in numbers:
        register(api, number)
    api.post(f"{numbers_path(api)}/{register(api, '+447911123456')['sid']}.json", {"FriendlyName": "London"})
    assert sorted(listed(api, PhoneNumber="415")) == ["+14155550100", "+14155552671"]
    assert sorted(listed(api, PhoneNumber="+1 201-555")) == ["+12015550123", "+12015550124"]
    assert listed(api, FriendlyName="London") == ["+447911123456"]
    assert listed(api, PhoneNumber="999") == []

    seen: list[str] = []
    status, page = api.get(f"{numbers_path(api)}.json", query={"PageSize": 4, "PhoneNumber": "+"})
    assert status == 200 and page["page_size"] == 4 and page["previous_page_uri"] is None
    while True:
        seen.extend(n["phone_number"] for n in page["incoming_phone_numbers"])
        if not page["next_page_uri"]:
            break
        assert "PhoneNumber=%2B" in page["next_page_uri"]
        parts = urlsplit(page["next_page_uri"])
        page = api.get(parts.path, query=dict(parse_qsl(parts.query)))[1]
    assert sorted(seen) == sorted([*numbers, "+447911123456"])


def test_update_and_clear(api: ApiClient) -> None:
    number = register(api, SmsUrl="https://hooks.example.com/sms")
    url = f"{numbers_path(api)}/{number['sid']}.json"
    status, updated = api.post(url, {"FriendlyName": "Renamed", "SmsUrl": "", "SmsFallbackUrl": "https://e.com/f"})
    assert status == 200
    assert (updated["friendly_name"], updated["sms_url"], updated["sms_fallback_url"]) == (
        "Renamed",
        None,
        "https://e.com/f",
    )
    assert updated["phone_number"] == NUMBER and updated["date_created"] == number["date_created"]
    status, body = api.post(url, {"FriendlyName": "Not applied", "StatusCallback": "gopher://x"})
    assert (status, body["code"]) == (400, 21609)
    assert api.get(url)[1] == updated
    assert api.post(url, {"AccountSid": "AC" + "2" * 32})[1]["code"] == 20001


def test_delete_removes_the_number_from_its_pool(api: ApiClient) -> None:
    service = api.post("/v1/Services", {"FriendlyName": "s"})[1]
    number = register(api)
    pool = f"/v1/Services/{service['sid']}/PhoneNumbers"
    api.post(pool, {"PhoneNumberSid": number["sid"]})
    assert api.delete(f"{numbers_path(api)}/{number['sid']}.json") == (204, None)
    assert api.get(f"{numbers_path(api)}/{number['sid']}.json")[0] == 404
    assert api.get(f"{pool}/{number['sid']}")[0] == 404
    assert api.get(pool)[1]["phone_numbers"] == []
    assert api.delete(f"{numbers_path(api)}/{number['sid']}.json")[0] == 404
    # The address is free again.
    assert register(api)["sid"] != number["sid"]


@pytest.mark.parametrize("sid", ["nope", "PN123", "SC" + "a" * 32, "PN" + "a" * 32])
def test_bad_or_unknown_number_sid_is_404(api: ApiClient, sid: str) -> None:
    url = f"{numbers_path(api)}/{sid}.json"
    for status, body in (api.get(url), api.post(url, {"FriendlyName": "x"}), api.delete(url)):
        assert (status, body["code"]) == (404, 20404)


def test_accounts_cannot_reach_each_others_numbers(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    number = register(alice)
    alices_url = f"{numbers_path(alice)}/{number['sid']}.json"
    assert bob.get(alices_url)[1]["code"] == 20404
    assert bob.get(f"{numbers_path(alice)}.json")[0] == 404
    assert bob.post(f"{numbers_path(alice)}.json", {"PhoneNumber": "+12015550123"})[0] == 404
    bobs_view = f"{numbers_path(bob)}/{number['sid']}.json"
    assert bob.get(bobs_view)[0] == 404
    assert bob.post(bobs_view, {"FriendlyName": "stolen"})[0] == 404
    assert bob.delete(bobs_view)[0] == 404
    assert listed(bob) == []
    assert alice.get(alices_url)[1] == number


def test_short_codes(api: ApiClient) -> None:
    path = short_codes_path(api)
    status, body = api.post(f"{path}.json", {"ShortCode": "12345", "CountryCode": "US"})
    assert (status, body["code"]) == (400, 21422) and "12345 (US) is not assigned" in body["message"]
    own(api, "sc:US:12345")
    status, created = api.post(f"{path}.json", {"ShortCode": "12345", "CountryCode": "US", "FriendlyName": "Promo"})
    assert status == 201
    assert created["sid"].startswith("SC")
    assert (created["short_code"], created["friendly_name"], created["uri"]) == (
        "12345",
        "Promo",
        f"{path}/{created['sid']}.json",
    )
    assert api.get(f"{path}/{created['sid']}.json") == (200, created)
    assert [s["sid"] for s in api.get(f"{path}.json")[1]["short_codes"]] == [created["sid"]]
    assert api.get(f"{path}.json", query={"ShortCode": "999"})[1]["short_codes"] == []
    status, updated = api.post(f"{path}/{created['sid']}.json", {"SmsUrl": "https://hooks.example.com/sc"})
    assert status == 200 and updated["sms_url"] == "https://hooks.example.com/sc"
    status, body = api.post(f"{path}.json", {"ShortCode": "12345", "CountryCode": "US"})
    assert (status, body["code"]) == (400, 21422)
    assert api.delete(f"{path}/{created['sid']}.json") == (204, None)
    assert api.get(f"{path}.json")[1]["short_codes"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"CountryCode": "US"},
        {"ShortCode": "12", "CountryCode": "US"},
        {"ShortCode": "123456789", "CountryCode": "US"},
        {"ShortCode": "12a45", "CountryCode": "US"},
        {"ShortCode": "12345"},
        {"ShortCode": "12345", "CountryCode": "USA"},
    ],
)
def test_bad_short_code_is_20001(api: ApiClient, params: dict[str, str]) -> None:
    status, body = api.post(f"{short_codes_path(api)}.json", params)
    assert (status, body["code"]) == (400, 20001)
    assert api.get(f"{short_codes_path(api)}.json")[1]["short_codes"] == []


def test_twilio_client_incoming_phone_numbers(api: ApiClient) -> None:
    own(api, NUMBER)
    client = twilio_client(api.sid, api.token)
    number = client.incoming_phone_numbers.create(phone_number=NUMBER, friendly_name="Main")
    assert number.sid.startswith("PN") and number.phone_number == NUMBER
    assert number.capabilities == {"voice": False, "sms": True, "mms": True, "fax": False}
    assert number.date_created is not None
    assert [n.sid for n in client.incoming_phone_numbers.list(phone_number="415")] == [number.sid]
    updated = client.incoming_phone_numbers(number.sid).update(sms_url="https://hooks.example.com/in")
    assert updated.sms_url == "https://hooks.example.com/in"
    assert client.incoming_phone_numbers(number.sid).fetch().friendly_name == "Main"
    with pytest.raises(TwilioRestException) as duplicate:
        client.incoming_phone_numbers.create(phone_number=NUMBER)
    assert duplicate.value.code == 21422
    with pytest.raises(TwilioRestException) as invalid:
        client.incoming_phone_numbers.create(phone_number="12345")
    assert invalid.value.code == 21421
    assert client.incoming_phone_numbers(number.sid).delete() is True
    assert client.incoming_phone_numbers.list() == []


def test_twilio_client_short_codes(api: ApiClient) -> None:
    own(api, "sc:US:55555")
    created = api.post(f"{short_codes_path(api)}.json", {"ShortCode": "55555", "CountryCode": "US"})[1]
    client = twilio_client(api.sid, api.token)
    (listed_code,) = client.api.v2010.accounts(api.sid).short_codes.list()
    assert (listed_code.sid, listed_code.short_code) == (created["sid"], "55555")
    updated = client.api.v2010.accounts(api.sid).short_codes(created["sid"]).update(friendly_name="Promo")
    assert updated.friendly_name == "Promo"
