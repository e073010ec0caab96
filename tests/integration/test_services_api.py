"""Messaging Services (/v1/Services) and their sender pools, through the real API handler on moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest

from brandlink.config import settings
from tests.integration.conftest import ApiClient, own
from tests.integration.twilio_inprocess import twilio_client

SERVICES = "/v1/Services"
NUMBER = "+14155552671"
OTHER_NUMBER = "+12015550123"
UNKNOWN_MG = "MG" + "0" * 32


def create_service(api: ApiClient, **params: Any) -> dict[str, Any]:
    status, body = api.post(SERVICES, {"FriendlyName": "Notifications", **params})
    assert status == 201, body
    return body


def register_number(api: ApiClient, number: str = NUMBER) -> dict[str, Any]:
    own(api, number)
    status, body = api.post(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": number})
    assert status == 201, body
    return body


def follow(api: ApiClient, url: str) -> tuple[int, Any]:
    parts = urlsplit(url)
    return api.get(parts.path, query=dict(parse_qsl(parts.query)))


def listed_sids(api: ApiClient) -> list[str]:
    return [s["sid"] for s in api.get(SERVICES, query={"PageSize": 1000})[1]["services"]]


# ---- create / fetch / update / delete ------------------------------------------------------------


def test_create_applies_twilio_defaults(api: ApiClient) -> None:
    body = create_service(api)
    assert body["sid"].startswith("MG") and len(body["sid"]) == 34
    assert body["account_sid"] == api.sid
    assert body["friendly_name"] == "Notifications"
    assert body["sticky_sender"] is True
    assert body["smart_encoding"] is True
    assert body["area_code_geomatch"] is True
    assert body["mms_converter"] is True
    assert body["fallback_to_long_code"] is True
    assert body["synchronous_validation"] is False
    assert body["use_inbound_webhook_on_number"] is False
    assert body["us_app_to_person_registered"] is False
    assert body["validity_period"] == 36000
    assert body["scan_message_content"] == "inherit"
    assert body["usecase"] == "undeclared"
    assert (body["inbound_method"], body["fallback_method"]) == ("POST", "POST")
    assert body["inbound_request_url"] is None and body["status_callback"] is None and body["fallback_url"] is None
    assert body["date_created"].endswith("Z") and "T" in body["date_created"]
    assert body["url"] == f"http://api.test/v1/Services/{body['sid']}"
    assert set(body["links"]) == {
        "phone_numbers",
        "short_codes",
        "alpha_senders",
        "messages",
        "us_app_to_person",
        "us_app_to_person_usecases",
        "channel_senders",
    }
    assert body["links"]["phone_numbers"] == body["url"] + "/PhoneNumbers"


EVERY_SETTING = {
    "FriendlyName": "Everything",
    "StatusCallback": "https://hooks.example.com/status",
    "InboundRequestUrl": "https://hooks.example.com/inbound",
    "InboundMethod": "get",
    "FallbackUrl": "https://hooks.example.com/fallback",
    "FallbackMethod": "GET",
    "StickySender": "false",
    "MmsConverter": "False",
    "SmartEncoding": "false",
    "ScanMessageContent": "enable",
    "FallbackToLongCode": "false",
    "AreaCodeGeomatch": "FALSE",
    "ValidityPeriod": "600",
    "SynchronousValidation": "true",
    "Usecase": "marketing",
    "UseInboundWebhookOnNumber": "true",
}
EXPECTED_SETTINGS = {
    "friendly_name": "Everything",
    "status_callback": "https://hooks.example.com/status",
    "inbound_request_url": "https://hooks.example.com/inbound",
    "inbound_method": "GET",
    "fallback_url": "https://hooks.example.com/fallback",
    "fallback_method": "GET",
    "sticky_sender": False,
    "mms_converter": False,
    "smart_encoding": False,
    "scan_message_content": "enable",
    "fallback_to_long_code": False,
    "area_code_geomatch": False,
    "validity_period": 600,
    "synchronous_validation": True,
    "usecase": "marketing",
    "use_inbound_webhook_on_number": True,
}


def test_create_with_every_setting_then_fetch(api: ApiClient) -> None:
    created = create_service(api, **EVERY_SETTING)
    status, fetched = api.get(f"{SERVICES}/{created['sid']}")
    assert status == 200
    assert fetched == created
    assert {key: fetched[key] for key in EXPECTED_SETTINGS} == EXPECTED_SETTINGS


def test_update_every_setting(api: ApiClient) -> None:
    sid = create_service(api)["sid"]
    status, updated = api.post(f"{SERVICES}/{sid}", EVERY_SETTING)
    assert status == 200
    assert {key: updated[key] for key in EXPECTED_SETTINGS} == EXPECTED_SETTINGS
    assert api.get(f"{SERVICES}/{sid}")[1] == updated


def test_update_changes_only_what_is_sent_and_empty_url_clears(api: ApiClient) -> None:
    created = create_service(api, **EVERY_SETTING)
    status, updated = api.post(f"{SERVICES}/{created['sid']}", {"StatusCallback": "", "ValidityPeriod": "1"})
    assert status == 200
    assert updated["status_callback"] is None
    assert updated["validity_period"] == 1
    unchanged = {k: v for k, v in EXPECTED_SETTINGS.items() if k not in ("status_callback", "validity_period")}
    assert {key: updated[key] for key in unchanged} == unchanged
    assert updated["date_created"] == created["date_created"]


BAD_SETTINGS = [
    ({"FriendlyName": None}, 20001),
    ({"FriendlyName": "   "}, 20001),
    ({"FriendlyName": "x" * 65}, 20001),
    ({"StatusCallback": "ftp://hooks.example.com/status"}, 21609),
    ({"StatusCallback": "not a url"}, 21609),
    ({"StatusCallback": "https://"}, 21609),
    ({"InboundRequestUrl": "javascript:alert(1)"}, 20001),
    ({"FallbackUrl": "http://exa mple.com"}, 20001),
    ({"FallbackUrl": "https://example.com:99999/"}, 20001),
    ({"InboundMethod": "PUT"}, 20001),
    ({"FallbackMethod": "DELETE"}, 20001),
    ({"ValidityPeriod": "0"}, 20001),
    ({"ValidityPeriod": "36001"}, 20001),
    ({"ValidityPeriod": "ten"}, 20001),
    ({"StickySender": "maybe"}, 20001),
    ({"SmartEncoding": "2"}, 20001),
    ({"ScanMessageContent": "sometimes"}, 20001),
    ({"Usecase": "spam"}, 20001),
]


@pytest.mark.parametrize(("params", "code"), BAD_SETTINGS)
def test_create_rejects_bad_input_without_writing(api: ApiClient, params: dict[str, Any], code: int) -> None:
    data = {"FriendlyName": "Valid", **params}
    data = {key: value for key, value in data.items() if value is not None}
    status, body = api.post(SERVICES, data)
    assert (status, body["code"]) == (400, code)
    assert set(body) == {"code", "message", "more_info", "status"}
    assert listed_sids(api) == []


@pytest.mark.parametrize(("params", "code"), [case for case in BAD_SETTINGS if case[0].get("FriendlyName", 1)])
def test_update_rejects_bad_input_without_writing(api: ApiClient, params: dict[str, Any], code: int) -> None:
    created = create_service(api)
    # A good setting beside the bad one must not be applied either.
    status, body = api.post(f"{SERVICES}/{created['sid']}", {"StickySender": "false", **params})
    assert (status, body["code"]) == (400, code)
    assert api.get(f"{SERVICES}/{created['sid']}")[1] == created


def test_private_callback_hosts_are_refused_outside_local_mode(api: ApiClient, production_mode: None) -> None:
    cases = [
        ("StatusCallback", "http://169.254.169.254/latest/meta-data", 21609),
        ("StatusCallback", "http://127.1:8080/", 21609),
        ("InboundRequestUrl", "http://localhost:3000/inbound", 20001),
        ("FallbackUrl", "http://[::ffff:10.0.0.1]/", 20001),
        ("InboundRequestUrl", "http://2130706433/", 20001),
    ]
    for param, url, code in cases:
        status, body = api.post(SERVICES, {"FriendlyName": "x", param: url})
        assert (status, body["code"]) == (400, code), (param, url)
        assert "private" in body["message"] or "local" in body["message"]
    assert listed_sids(api) == []
    assert create_service(api, StatusCallback="https://hooks.example.com/s")["status_callback"]


def test_private_callback_hosts_are_allowed_in_local_mode(api: ApiClient) -> None:
    assert settings().is_local
    body = create_service(api, StatusCallback="http://localhost:8080/status")
    assert body["status_callback"] == "http://localhost:8080/status"


@pytest.mark.parametrize("sid", ["nope", "MG123", "mg" + "a" * 32, "PN" + "a" * 32, UNKNOWN_MG])
def test_bad_or_unknown_service_sid_is_404(api: ApiClient, sid: str) -> None:
    for method, call in (("GET", api.get), ("DELETE", api.delete)):
        status, body = call(f"{SERVICES}/{sid}")
        assert (status, body["code"]) == (404, 20404), method
    status, body = api.post(f"{SERVICES}/{sid}", {"FriendlyName": "x"})
    assert (status, body["code"]) == (404, 20404)


def test_delete_service(api: ApiClient) -> None:
    sid = create_service(api)["sid"]
    assert api.delete(f"{SERVICES}/{sid}") == (204, None)
    assert api.get(f"{SERVICES}/{sid}")[0] == 404
    assert api.delete(f"{SERVICES}/{sid}")[0] == 404
    assert listed_sids(api) == []


# ---- paging ---------------------------------------------------------------------------------------


def test_paging_through_more_than_fifty_services(api: ApiClient) -> None:
    created = {create_service(api, FriendlyName=f"s{i}")["sid"] for i in range(55)}
    status, first = api.get(SERVICES)
    assert status == 200
    assert len(first["services"]) == 50
    meta = first["meta"]
    assert (meta["page"], meta["page_size"], meta["key"]) == (0, 50, "services")
    assert meta["previous_page_url"] is None
    second = follow(api, meta["next_page_url"])[1]
    assert len(second["services"]) == 5 and second["meta"]["next_page_url"] is None
    assert {s["sid"] for s in first["services"] + second["services"]} == created

    pages: list[list[str]] = []
    body = api.get(SERVICES, query={"PageSize": 20})[1]
    while True:
        pages.append([s["sid"] for s in body["services"]])
        if not body["meta"]["next_page_url"]:
            break
        body = follow(api, body["meta"]["next_page_url"])[1]
    assert [len(p) for p in pages] == [20, 20, 15]
    assert {sid for page in pages for sid in page} == created

    back = follow(api, body["meta"]["previous_page_url"])[1]
    assert [s["sid"] for s in back["services"]] == pages[1]
    assert back["meta"]["page"] == 1
    back_to_first = follow(api, back["meta"]["previous_page_url"])[1]
    assert [s["sid"] for s in back_to_first["services"]] == pages[0]


def test_page_tokens_are_checked(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    for i in range(3):
        create_service(alice, FriendlyName=f"a{i}")
    next_url = alice.get(SERVICES, query={"PageSize": 1})[1]["meta"]["next_page_url"]
    query = dict(parse_qsl(urlsplit(next_url).query))
    status, body = bob.get(SERVICES, query=query)
    assert (status, body["code"]) == (400, 20001)
    for token in ("garbage", "PA", "PA!!!!", "PBe30"):
        status, body = alice.get(SERVICES, query={"PageToken": token, "Page": "1"})
        assert (status, body["code"]) == (400, 20001), token
    assert alice.get(SERVICES, query={"PageSize": "0"})[1]["code"] == 20001


# ---- sender pools ---------------------------------------------------------------------------------


def test_phone_number_pool_lifecycle(api: ApiClient) -> None:
    service = create_service(api)
    number = register_number(api)
    pool = f"{SERVICES}/{service['sid']}/PhoneNumbers"
    status, entry = api.post(pool, {"PhoneNumberSid": number["sid"]})
    assert status == 201
    assert entry == {
        "sid": number["sid"],
        "account_sid": api.sid,
        "service_sid": service["sid"],
        "date_created": entry["date_created"],
        "date_updated": entry["date_updated"],
        "phone_number": NUMBER,
        "country_code": "US",
        "capabilities": ["SMS", "MMS"],
        "url": f"http://api.test{pool}/{number['sid']}",
    }
    assert entry["date_created"].endswith("Z")
    listing = api.get(pool)[1]
    assert [e["sid"] for e in listing["phone_numbers"]] == [number["sid"]]
    assert listing["meta"]["key"] == "phone_numbers"
    assert api.get(f"{pool}/{number['sid']}") == (200, entry)
    assert api.delete(f"{pool}/{number['sid']}") == (204, None)
    assert api.get(f"{pool}/{number['sid']}")[0] == 404
    assert api.get(pool)[1]["phone_numbers"] == []
    # The number stays registered to the account and can join a pool again.
    assert api.get(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers/{number['sid']}.json")[0] == 200
    assert api.post(pool, {"PhoneNumberSid": number["sid"]})[0] == 201


def test_a_number_belongs_to_one_service(api: ApiClient) -> None:
    first, second = create_service(api), create_service(api)
    number = register_number(api)
    assert api.post(f"{SERVICES}/{first['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})[0] == 201
    for service in (second, first):
        status, body = api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
        assert (status, body["code"]) == (400, 21710)
        assert first["sid"] in body["message"] or "this" in body["message"]
    assert api.get(f"{SERVICES}/{second['sid']}/PhoneNumbers")[1]["phone_numbers"] == []


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({}, 400, 20001),
        ({"PhoneNumberSid": "PN123"}, 400, 20001),
        ({"PhoneNumberSid": "SC" + "a" * 32}, 400, 20001),
        ({"PhoneNumberSid": "PN" + "a" * 32}, 404, 20404),
        ({"PhoneNumber": "+1555"}, 400, 21421),
    ],
)
def test_bad_pool_phone_number_requests(api: ApiClient, data: dict[str, str], status: int, code: int) -> None:
    service = create_service(api)
    got_status, body = api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", data)
    assert (got_status, body["code"]) == (status, code)
    assert api.get(f"{SERVICES}/{service['sid']}/PhoneNumbers")[1]["phone_numbers"] == []


def test_pool_accepts_an_e164_number_directly(api: ApiClient) -> None:
    service = create_service(api)
    pool = f"{SERVICES}/{service['sid']}/PhoneNumbers"
    own(api, OTHER_NUMBER)
    status, entry = api.post(pool, {"PhoneNumber": OTHER_NUMBER})
    assert status == 201 and entry["phone_number"] == OTHER_NUMBER
    numbers = api.get(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json")[1]["incoming_phone_numbers"]
    assert [n["sid"] for n in numbers] == [entry["sid"]]
    # An already registered number is reused, not registered twice.
    api.delete(f"{pool}/{entry['sid']}")
    assert api.post(pool, {"PhoneNumber": OTHER_NUMBER})[1]["sid"] == entry["sid"]


def test_direct_number_in_a_conflicting_pool_registers_nothing(api: ApiClient) -> None:
    service = create_service(api)
    api.delete(f"{SERVICES}/{service['sid']}")
    status, _ = api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumber": OTHER_NUMBER})
    assert status == 404
    assert api.get(f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json")[1]["incoming_phone_numbers"] == []


def test_short_code_pool(api: ApiClient) -> None:
    own(api, "sc:US:12345", "sc:GB:54321")
    service = create_service(api)
    pool = f"{SERVICES}/{service['sid']}/ShortCodes"
    status, short_code = api.post(
        f"/2010-04-01/Accounts/{api.sid}/SMS/ShortCodes.json", {"ShortCode": "12345", "CountryCode": "us"}
    )
    assert status == 201
    status, entry = api.post(pool, {"ShortCodeSid": short_code["sid"]})
    assert status == 201
    assert (entry["sid"], entry["short_code"], entry["country_code"]) == (short_code["sid"], "12345", "US")
    assert "phone_number" not in entry
    assert api.get(pool)[1]["short_codes"] == [entry]
    # A short code can also be registered and pooled in one call (Brandlink addition).
    status, direct = api.post(pool, {"ShortCode": "54321", "CountryCode": "GB"})
    assert status == 201 and direct["sid"].startswith("SC") and direct["capabilities"] == ["SMS"]
    assert api.post(pool, {"ShortCode": "12"})[1]["code"] == 20001
    assert api.post(pool, {"ShortCode": "123456", "CountryCode": "ZZ"})[1]["code"] == 20001
    assert len(api.get(pool)[1]["short_codes"]) == 2
    assert api.delete(f"{pool}/{entry['sid']}") == (204, None)


def test_alpha_sender_pool(api: ApiClient) -> None:
    own(api, "alpha:Brand Link1", "alpha:Another")
    service = create_service(api)
    pool = f"{SERVICES}/{service['sid']}/AlphaSenders"
    status, entry = api.post(pool, {"AlphaSender": "Brand Link1"})
    assert status == 201
    assert entry["sid"].startswith("AI")
    assert (entry["alpha_sender"], entry["capabilities"], entry["service_sid"]) == (
        "Brand Link1",
        ["SMS"],
        service["sid"],
    )
    assert entry["url"] == f"http://api.test{pool}/{entry['sid']}"
    status, body = api.post(pool, {"AlphaSender": "Another"})
    assert (status, body["code"]) == (400, 21710)
    assert api.get(pool)[1]["alpha_senders"] == [entry]
    assert api.delete(f"{pool}/{entry['sid']}") == (204, None)
    assert api.post(pool, {"AlphaSender": "Another"})[0] == 201


@pytest.mark.parametrize("alpha", ["", "   ", "12345", "TwelveChars1", "Brand!", "Bränd", "a\tb"])
def test_bad_alpha_sender_is_21707(api: ApiClient, alpha: str) -> None:
    service = create_service(api)
    pool = f"{SERVICES}/{service['sid']}/AlphaSenders"
    status, body = api.post(pool, {"AlphaSender": alpha})
    assert (status, body["code"]) == (400, 21707)
    assert api.get(pool)[1]["alpha_senders"] == []


def test_pool_entry_sids_are_checked_per_collection(api: ApiClient) -> None:
    service = create_service(api)
    number = register_number(api)
    api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    for path in ("ShortCodes", "AlphaSenders"):
        assert api.get(f"{SERVICES}/{service['sid']}/{path}/{number['sid']}")[0] == 404
        assert api.delete(f"{SERVICES}/{service['sid']}/{path}/{number['sid']}")[0] == 404
    assert api.get(f"{SERVICES}/{service['sid']}/PhoneNumbers/bogus")[1]["code"] == 20404


def test_whatsapp_sender(api: ApiClient) -> None:
    from brandlink import wiring

    service = create_service(api)
    sms = register_number(api)
    whatsapp = register_number(api, f"whatsapp:{NUMBER}")
    assert whatsapp["sid"] != sms["sid"]
    assert whatsapp["phone_number"] == f"whatsapp:{NUMBER}"
    assert whatsapp["capabilities"]["sms"] is False
    status, entry = api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": whatsapp["sid"]})
    assert status == 201 and entry["phone_number"] == f"whatsapp:{NUMBER}"
    (sender,) = wiring.senders().find_by_address(api.sid, f"whatsapp:{NUMBER}")
    assert (sender.kind, sender.e164, sender.service_sid) == ("whatsapp", NUMBER, service["sid"])


def test_repositories_other_features_rely_on(api: ApiClient) -> None:
    """The look-ups messages and domains use: service with settings, pool, sender by address."""
    from brandlink import wiring

    service = create_service(api, StickySender="false", ValidityPeriod="900")
    number = register_number(api)
    own(api, "alpha:Brandlink")
    api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    api.post(f"{SERVICES}/{service['sid']}/AlphaSenders", {"AlphaSender": "Brandlink"})
    found = wiring.services().get(api.sid, service["sid"])
    assert found is not None and (found.sticky_sender, found.validity_period) == (False, 900)
    assert wiring.services().get("AC" + "0" * 32, service["sid"]) is None
    pool = wiring.senders().pool(service["sid"])
    assert sorted((s.kind, s.address, s.country_code) for s in pool) == [
        ("alpha_sender", "Brandlink", None),
        ("phone_number", NUMBER, "US"),
    ]
    (sender,) = wiring.senders().find_by_address(api.sid, NUMBER)
    assert (sender.sid, sender.service_sid) == (number["sid"], service["sid"])
    assert wiring.senders().find_by_address(api.sid, OTHER_NUMBER) == []
    assert wiring.senders().find_by_address("AC" + "0" * 32, NUMBER) == []


# ---- deleting a service --------------------------------------------------------------------------


def test_deleting_a_service_releases_its_pool_and_sticky_mappings(api: ApiClient, aws: dict[str, str]) -> None:
    service = create_service(api)
    number = register_number(api)
    own(api, "sc:US:12345", "alpha:Brandlink")
    short_code = api.post(
        f"/2010-04-01/Accounts/{api.sid}/SMS/ShortCodes.json", {"ShortCode": "12345", "CountryCode": "US"}
    )[1]
    api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    api.post(f"{SERVICES}/{service['sid']}/ShortCodes", {"ShortCodeSid": short_code["sid"]})
    api.post(f"{SERVICES}/{service['sid']}/AlphaSenders", {"AlphaSender": "Brandlink"})
    sticky = boto3.client("dynamodb").put_item
    sticky(
        TableName=aws["BRANDLINK_TABLE_STICKY_SENDERS"],
        Item={"service_sid": {"S": service["sid"]}, "to": {"S": "+447911123456"}, "from": {"S": NUMBER}},
    )

    assert api.delete(f"{SERVICES}/{service['sid']}") == (204, None)

    items = boto3.client("dynamodb").scan(TableName=aws["BRANDLINK_TABLE_SENDERS"])["Items"]
    assert not [i for i in items if i["owner_sid"]["S"] == service["sid"]]
    assert not [i for i in items if i.get("service_sid")]
    mappings = boto3.client("dynamodb").scan(TableName=aws["BRANDLINK_TABLE_STICKY_SENDERS"])["Items"]
    assert mappings == []
    other = create_service(api)
    assert api.post(f"{SERVICES}/{other['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})[0] == 201
    assert api.post(f"{SERVICES}/{other['sid']}/ShortCodes", {"ShortCodeSid": short_code["sid"]})[0] == 201


def test_large_pool_is_released_completely(api: ApiClient) -> None:
    from brandlink import wiring

    service = create_service(api)
    numbers = [register_number(api, f"+1415555{i:04d}")["sid"] for i in range(45)]
    for sid in numbers:
        api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": sid})
    assert len(wiring.senders().pool(service["sid"])) == 45
    assert api.delete(f"{SERVICES}/{service['sid']}")[0] == 204
    assert wiring.senders().pool(service["sid"]) == []
    assert all(wiring.senders().get_owned(api.sid, sid).service_sid is None for sid in numbers)


def test_deletion_hooks_run_and_a_failed_delete_can_be_retried(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from brandlink import wiring

    service = create_service(api)
    number = register_number(api)
    api.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    calls: list[tuple[str, str]] = []

    def failing_hook(account_sid: str, service_sid: str) -> None:
        raise RuntimeError("domain store unavailable")

    monkeypatch.setattr(wiring, "service_deletion_hooks", lambda: (failing_hook,))
    assert api.delete(f"{SERVICES}/{service['sid']}")[0] == 500
    # Half-deleted: hidden and closed to new senders, but nothing released yet.
    assert api.get(f"{SERVICES}/{service['sid']}")[0] == 404
    assert wiring.senders().get_owned(api.sid, number["sid"]).service_sid == service["sid"]

    monkeypatch.setattr(wiring, "service_deletion_hooks", lambda: (lambda a, s: calls.append((a, s)),))
    assert api.delete(f"{SERVICES}/{service['sid']}")[0] == 204
    assert calls == [(api.sid, service["sid"])]
    assert wiring.senders().get_owned(api.sid, number["sid"]).service_sid is None


# ---- account isolation ----------------------------------------------------------------------------


def test_accounts_cannot_reach_each_others_services_or_pools(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    service = create_service(alice)
    number = register_number(alice)
    entry = alice.post(f"{SERVICES}/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})[1]
    url = f"{SERVICES}/{service['sid']}"

    assert bob.get(url)[1]["code"] == 20404
    assert bob.post(url, {"FriendlyName": "stolen"})[0] == 404
    assert bob.delete(url)[0] == 404
    assert bob.get(SERVICES)[1]["services"] == []
    for path in ("PhoneNumbers", "ShortCodes", "AlphaSenders"):
        assert bob.get(f"{url}/{path}")[0] == 404
    assert bob.get(f"{url}/PhoneNumbers/{entry['sid']}")[0] == 404
    assert bob.delete(f"{url}/PhoneNumbers/{entry['sid']}")[0] == 404
    assert bob.post(f"{url}/AlphaSenders", {"AlphaSender": "Bob"})[0] == 404

    bobs_service = create_service(bob)
    status, body = bob.post(f"{SERVICES}/{bobs_service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    assert (status, body["code"]) == (404, 20404)

    assert alice.get(url)[1]["friendly_name"] == "Notifications"
    assert alice.get(f"{url}/PhoneNumbers")[1]["phone_numbers"] == [entry]


# ---- the official twilio client ------------------------------------------------------------------


def test_twilio_client_services_and_pool(api: ApiClient) -> None:
    own(api, NUMBER, "alpha:Brandlink")
    client = twilio_client(api.sid, api.token)
    service = client.messaging.v1.services.create(
        friendly_name="From twilio", status_callback="https://hooks.example.com/s", sticky_sender=False
    )
    assert service.sid.startswith("MG") and service.sticky_sender is False
    assert service.date_created is not None and service.validity_period == 36000

    updated = client.messaging.v1.services(service.sid).update(
        validity_period=120, area_code_geomatch=False, scan_message_content="disable"
    )
    assert (updated.validity_period, updated.area_code_geomatch, updated.scan_message_content) == (
        120,
        False,
        "disable",
    )

    for i in range(4):
        client.messaging.v1.services.create(friendly_name=f"more {i}")
    listed = client.messaging.v1.services.list(page_size=2)
    assert len(listed) == 5 and len({s.sid for s in listed}) == 5
    assert len([url for method, url in client.http_client.sent if url.startswith("/v1/Services?")]) == 3

    number = client.incoming_phone_numbers.create(phone_number=NUMBER)
    entry = client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    assert (entry.sid, entry.phone_number, entry.country_code) == (number.sid, NUMBER, "US")
    assert [e.sid for e in client.messaging.v1.services(service.sid).phone_numbers.list()] == [number.sid]
    alpha = client.messaging.v1.services(service.sid).alpha_senders.create(alpha_sender="Brandlink")
    assert alpha.alpha_sender == "Brandlink"

    assert client.messaging.v1.services(service.sid).phone_numbers(number.sid).delete() is True
    assert client.incoming_phone_numbers(number.sid).delete() is True
    assert client.messaging.v1.services(service.sid).delete() is True
    with pytest.raises(Exception) as raised:
        client.messaging.v1.services(service.sid).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)
