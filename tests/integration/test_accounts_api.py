from __future__ import annotations

from tests.integration.conftest import ApiClient


def test_fetch_own_account(api: ApiClient) -> None:
    status, body = api.get(f"/2010-04-01/Accounts/{api.sid}.json")
    assert status == 200
    assert body["sid"] == api.sid
    assert body["status"] == "active"
    assert body["uri"] == f"/2010-04-01/Accounts/{api.sid}.json"
    assert api.token not in body["auth_token"]
    assert body["date_created"].endswith("+0000")


def test_wrong_token_is_401_20003(api: ApiClient) -> None:
    status, body = api.get(f"/2010-04-01/Accounts/{api.sid}.json", auth=(api.sid, "0" * 32))
    assert status == 401
    assert body["code"] == 20003
    assert set(body) == {"code", "message", "more_info", "status"}


def test_missing_credentials_is_401(api: ApiClient) -> None:
    anonymous = ApiClient()
    status, body = anonymous.get(f"/2010-04-01/Accounts/{api.sid}.json")
    assert (status, body["code"]) == (401, 20003)


def test_unknown_route_still_requires_auth(api: ApiClient) -> None:
    assert ApiClient().get("/2010-04-01/Nope.json")[0] == 401
    status, body = api.get("/2010-04-01/Nope.json")
    assert (status, body["code"]) == (404, 20404)


def test_other_account_is_404(new_account) -> None:
    alice, bob = new_account(), new_account()
    status, body = bob.get(f"/2010-04-01/Accounts/{alice.sid}.json")
    assert (status, body["code"]) == (404, 20404)


def test_update_friendly_name(api: ApiClient) -> None:
    status, body = api.post(f"/2010-04-01/Accounts/{api.sid}.json", {"FriendlyName": "Renamed"})
    assert status == 200 and body["friendly_name"] == "Renamed"
    assert api.get(f"/2010-04-01/Accounts/{api.sid}.json")[1]["friendly_name"] == "Renamed"


def test_list_accounts_shows_only_own(new_account) -> None:
    alice, _bob = new_account(), new_account()
    status, body = alice.get("/2010-04-01/Accounts.json")
    assert status == 200
    assert [a["sid"] for a in body["accounts"]] == [alice.sid]
    assert body["next_page_uri"] is None


def test_unencoded_plus_in_a_curl_body_still_reads_as_e164(api: ApiClient) -> None:
    from brandlink.handlers.api import handler
    from local.events import http_event
    from tests.integration.conftest import basic, lambda_context, own

    own(api, "+14155552671")
    event = http_event(
        "POST",
        f"/2010-04-01/Accounts/{api.sid}/IncomingPhoneNumbers.json",
        headers={"authorization": basic(api.sid, api.token), "content-type": "application/x-www-form-urlencoded"},
        body="PhoneNumber=+14155552671",
    )
    response = handler(event, lambda_context())
    assert response["statusCode"] == 201, response["body"]
    assert '"phone_number":"+14155552671"' in response["body"]
