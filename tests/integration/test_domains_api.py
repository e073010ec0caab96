"""Link-shortening domains: registration, verification, ValidateDns, listing, deletion, isolation."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from brandlink.config import settings
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    register,
    resolver_fixture,  # noqa: F401 - fixture
    verified_domain,
)

UNKNOWN_DN = "DN" + "0" * 32


def test_register_returns_the_domain_with_its_verification_record(api: ApiClient) -> None:
    status, body = api.post(DOMAINS, {"DomainName": " Links.Example.COM. "})
    assert status == 201, body
    assert body["sid"].startswith("DN") and len(body["sid"]) == 34
    assert body["account_sid"] == api.sid
    assert body["domain_name"] == "links.example.com"
    assert body["verified"] is False and body["date_verified"] is None
    record = body["verification"]
    assert record["record_type"] == "TXT"
    assert record["record_name"] == "_brandlink.links.example.com"
    assert record["record_value"].startswith("brandlink-verification=") and len(record["record_value"]) > 40
    assert body["url"] == f"http://api.test{DOMAINS}/{body['sid']}"
    assert body["links"]["certificate"] == body["url"] + "/Certificate"
    assert body["certificate_sid"] is None and body["config_sid"] is None
    assert body["date_created"].endswith("Z")
    assert api.get(f"{DOMAINS}/{body['sid']}") == (200, body)


def test_unicode_names_are_stored_as_a_labels(api: ApiClient) -> None:
    assert register(api, "bücher.example.com")["domain_name"] == "xn--bcher-kva.example.com"


def test_localhost_domain_is_verified_at_once_in_local_mode(api: ApiClient) -> None:
    body = register(api, "links.localhost")
    assert body["verified"] is True and body["date_verified"] is not None


def test_localhost_domain_is_refused_outside_local_mode(api: ApiClient, production_mode: None) -> None:
    status, body = api.post(DOMAINS, {"DomainName": "links.localhost"})
    assert (status, body["code"]) == (400, 20001)
    assert "reserved" in body["message"]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "is required"),
        ("https://links.example.com/", "only the host name"),
        ("links.example.com:8443", "only the host name"),
        ("*.example.com", "wildcard"),
        ("192.0.2.10", "IP address"),
        ("localhost", "single label"),
        ("links..example.com", "not a valid host name"),
        ("-links.example.com", "not a valid host name"),
        ("links_1.example.com", "not a valid host name"),
        ("a" * 64 + ".example.com", "not a valid host name"),
        (".".join(["abcdefghi"] * 26) + ".com", "at most 253"),
        ("links.example.123", "numeric label"),
        ("links.test", "reserved"),
    ],
)
def test_bad_domain_names_are_20001_with_a_reason(api: ApiClient, name: str, fragment: str) -> None:
    status, body = api.post(DOMAINS, {"DomainName": name})
    assert (status, body["code"]) == (400, 20001), body
    assert fragment in body["message"]
    assert api.get(DOMAINS)[1]["domains"] == []


def test_a_name_is_registered_once_per_account(api: ApiClient) -> None:
    first = register(api, "links.example.com")
    assert first["verified"] is False and first["date_expires"] is not None
    status, body = api.post(DOMAINS, {"DomainName": "LINKS.example.com"})
    assert (status, body["code"]) == (400, 20001)
    assert f"already registered in this account as {first['sid']}" in body["message"]


# --- squatting (security finding 6) --------------------------------------------------------------


def _publish(resolver: FakeResolver, *domains: dict[str, Any]) -> None:
    for domain in domains:
        record = domain["verification"]
        resolver.txt.setdefault(record["record_name"], []).append(record["record_value"])


def _every_error_text(client: ApiClient, domain_sid: str) -> str:
    texts = []
    for method, suffix in (("GET", ""), ("POST", "/Verify"), ("GET", "/ValidateDns"), ("GET", "/Config")):
        texts.append(json.dumps(client.call(method, f"{DOMAINS}/{domain_sid}{suffix}")[1]))
    return " ".join(texts)


def test_a_squatter_cannot_take_a_name_before_its_owner(
    new_account: Callable[[], ApiClient], resolver: FakeResolver
) -> None:
    """A registers go.b.com first (A does not control it); B, who does, registers and verifies it."""
    squatter, owner = new_account(), new_account()
    squatted = register(squatter, "go.b.com")
    status, body = owner.post(DOMAINS, {"DomainName": "go.b.com"})  # before the fix: 400 "another account"
    assert status == 201, body
    assert squatted["sid"] not in json.dumps(body) and squatter.sid not in json.dumps(body)
    _publish(resolver, body)  # only the real owner can publish the TXT record
    status, verified = owner.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert status == 200 and verified["verified"] is True and verified["date_expires"] is None
    status, error = squatter.post(f"{DOMAINS}/{squatted['sid']}/Verify")
    assert (status, error["code"]) == (400, 30101)
    assert owner.sid not in error["message"] and body["sid"] not in error["message"]
    assert "another account" not in error["message"]
    from brandlink import wiring

    assert wiring.domains().verified_domain("go.b.com").sid == body["sid"]


def test_the_first_to_verify_holds_the_name_and_the_other_hears_nothing_about_it(
    new_account: Callable[[], ApiClient], resolver: FakeResolver
) -> None:
    alice, bob = new_account(), new_account()
    alices, bobs = register(alice, "go.example.com"), register(bob, "go.example.com")
    _publish(resolver, alices, bobs)  # both records published (one organisation, two accounts)
    assert bob.post(f"{DOMAINS}/{bobs['sid']}/Verify")[1]["verified"] is True
    status, error = alice.post(f"{DOMAINS}/{alices['sid']}/Verify")
    assert (status, error["code"]) == (400, 30101)
    assert "cannot be verified for this account" in error["message"]
    everything = _every_error_text(alice, alices["sid"]) + json.dumps(alice.get(DOMAINS)[1])
    for secret in (bob.sid, bobs["sid"], "another account", "taken", "already"):
        assert secret not in everything, secret
    assert alice.get(f"{DOMAINS}/{alices['sid']}")[1]["verified"] is False
    # Bob deletes his domain: the name is free, and Alice may verify hers now.
    assert bob.delete(f"{DOMAINS}/{bobs['sid']}")[0] == 204
    assert alice.post(f"{DOMAINS}/{alices['sid']}/Verify")[1]["verified"] is True


def test_an_unverified_registration_lapses(
    api: ApiClient, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink.core.domains import actions

    body = register(api, "lapse.example.com")
    days = settings().domain_verification_days
    assert days == 7
    later = datetime.now(UTC) + timedelta(days=days, seconds=1)
    monkeypatch.setattr(actions, "utcnow", lambda: later)
    for method, suffix in (("GET", ""), ("POST", "/Verify"), ("GET", "/Config"), ("DELETE", "")):
        status, error = api.call(method, f"{DOMAINS}/{body['sid']}{suffix}")
        assert (status, error["code"]) == (404, 20404), (method, suffix)
    import brandlink.store.domains as store

    monkeypatch.setattr(store, "utcnow", lambda: later)
    assert api.get(DOMAINS)[1]["domains"] == []
    again = register(api, "lapse.example.com")  # the lapsed registration is replaced
    assert again["sid"] != body["sid"]
    _publish(resolver, again)
    assert api.post(f"{DOMAINS}/{again['sid']}/Verify")[1]["verified"] is True


def test_a_verified_registration_never_lapses(
    api: ApiClient, resolver: FakeResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandlink.core.domains import actions

    body = verified_domain(api, resolver, "kept.example.com")
    later = datetime.now(UTC) + timedelta(days=365)
    monkeypatch.setattr(actions, "utcnow", lambda: later)
    assert api.get(f"{DOMAINS}/{body['sid']}")[1]["verified"] is True


def test_localhost_names_verified_by_another_account_stay_unverified(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    assert register(alice, "shared.localhost")["verified"] is True
    assert register(bob, "shared.localhost")["verified"] is False


def test_deleting_a_domain_frees_its_name(api: ApiClient) -> None:
    sid = register(api, "links.example.com")["sid"]
    assert api.delete(f"{DOMAINS}/{sid}") == (204, None)
    assert api.get(f"{DOMAINS}/{sid}")[0] == 404
    assert api.delete(f"{DOMAINS}/{sid}")[0] == 404
    assert register(api, "links.example.com")["sid"] != sid


@pytest.mark.parametrize("sid", ["DN123", "MG" + "0" * 32, "DN" + "g" * 32, "dn" + "0" * 32])
def test_malformed_domain_sid_is_30100(api: ApiClient, sid: str) -> None:
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/Certificate"), ("GET", "/Config")):
        status, body = api.call(method, f"{DOMAINS}/{sid}{suffix}")
        assert (status, body["code"]) == (400, 30100), (method, suffix, body)
        assert "DN followed by 32 hex" in body["message"]


def test_upper_case_hex_in_the_path_finds_the_domain(api: ApiClient) -> None:
    sid = register(api, "links.example.com")["sid"]
    assert api.get(f"{DOMAINS}/DN{sid[2:].upper()}")[1]["sid"] == sid


def test_unknown_domain_is_404(api: ApiClient) -> None:
    status, body = api.get(f"{DOMAINS}/{UNKNOWN_DN}")
    assert (status, body["code"]) == (404, 20404)


def test_list_pages_through_the_accounts_domains(api: ApiClient) -> None:
    created = {register(api, f"l{i}.example.com")["sid"] for i in range(5)}
    seen: list[str] = []
    status, page = api.get(DOMAINS, query={"PageSize": 2})
    while True:
        assert status == 200 and page["meta"]["key"] == "domains"
        seen += [d["sid"] for d in page["domains"]]
        next_url = page["meta"]["next_page_url"]
        if not next_url:
            break
        parts = urlsplit(next_url)
        status, page = api.get(parts.path, query=dict(parse_qsl(parts.query)))
    assert sorted(seen) == sorted(created) and len(seen) == 5
    previous = urlsplit(page["meta"]["previous_page_url"])
    status, back = api.get(previous.path, query=dict(parse_qsl(previous.query)))
    assert status == 200 and [d["sid"] for d in back["domains"]] == seen[2:4]


def test_another_accounts_page_token_is_refused(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    for i in range(3):
        register(alice, f"l{i}.example.com")
    next_url = alice.get(DOMAINS, query={"PageSize": 1})[1]["meta"]["next_page_url"]
    query = dict(parse_qsl(urlsplit(next_url).query))
    status, body = bob.get(DOMAINS, query=query)
    assert (status, body["code"]) == (400, 20001)


# --- verification --------------------------------------------------------------------------------


def test_verify_without_the_txt_record_is_30101_saying_what_to_publish(api: ApiClient, resolver: FakeResolver) -> None:
    body = register(api, "links.example.com")
    status, error = api.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert (status, error["code"]) == (400, 30101)
    assert "_brandlink.links.example.com" in error["message"]
    assert body["verification"]["record_value"] in error["message"]
    resolver.txt["_brandlink.links.example.com"] = ["brandlink-verification=wrong"]
    status, error = api.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert (status, error["code"]) == (400, 30101) and "does not hold" in error["message"]
    resolver.failing = True
    status, error = api.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert (status, error["code"]) == (400, 30101) and "try again" in error["message"]
    assert api.get(f"{DOMAINS}/{body['sid']}")[1]["verified"] is False


def test_verify_with_the_txt_record(api: ApiClient, resolver: FakeResolver) -> None:
    body = register(api, "links.example.com")
    record = body["verification"]
    resolver.txt[record["record_name"]] = ["v=spf1 -all", record["record_value"]]
    status, verified = api.post(f"{DOMAINS}/{body['sid']}/Verify")
    assert status == 200 and verified["verified"] is True and verified["date_verified"]
    resolver.txt.clear()  # verification is kept once done
    assert api.post(f"{DOMAINS}/{body['sid']}/Verify")[1]["verified"] is True


# --- ValidateDns --------------------------------------------------------------------------------

TARGET = "redirect.brandlink.example.net"


@pytest.fixture
def redirect_target(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BRANDLINK_REDIRECT_TARGET", TARGET)
    settings.cache_clear()
    return TARGET


def validate(api: ApiClient, sid: str) -> dict[str, object]:
    status, body = api.get(f"{DOMAINS}/{sid}/ValidateDns")
    assert status == 200, body
    assert body["url"] == f"http://api.test{DOMAINS}/{sid}/ValidateDns" and body["domain_sid"] == sid
    return body


def test_validate_dns_follows_the_cname(api: ApiClient, resolver: FakeResolver, redirect_target: str) -> None:
    body = register(api, "links.example.com")
    assert body["dns_target"] == {"record_type": "CNAME", "record_name": "links.example.com", "record_value": TARGET}
    result = validate(api, body["sid"])
    assert result["is_valid"] is False and f"create CNAME links.example.com -> {TARGET}" in str(result["reason"])
    resolver.cnames["links.example.com"] = "elsewhere.example.org"
    result = validate(api, body["sid"])
    assert result["is_valid"] is False and "is a CNAME for elsewhere.example.org" in str(result["reason"])
    resolver.cnames["links.example.com"] = TARGET.upper() + "."
    assert validate(api, body["sid"]) == {**result, "is_valid": True, "reason": None}


def test_validate_dns_accepts_address_records_of_the_target(
    api: ApiClient, resolver: FakeResolver, redirect_target: str
) -> None:
    sid = register(api, "example.org")["sid"]
    resolver.hosts[TARGET] = {"198.51.100.1", "198.51.100.2"}
    resolver.hosts["example.org"] = {"198.51.100.2"}
    assert validate(api, sid)["is_valid"] is True
    resolver.hosts["example.org"] = {"203.0.113.9"}
    result = validate(api, sid)
    assert result["is_valid"] is False and "resolves to 203.0.113.9" in str(result["reason"])


def test_validate_dns_reports_lookup_failures(api: ApiClient, resolver: FakeResolver, redirect_target: str) -> None:
    sid = register(api, "links.example.com")["sid"]
    resolver.failing = True
    result = validate(api, sid)
    assert result["is_valid"] is False and "failed" in str(result["reason"])


def test_validate_dns_without_a_target_says_upload_the_certificate(api: ApiClient, resolver: FakeResolver) -> None:
    result = validate(api, register(api, "links.example.com")["sid"])
    assert result["is_valid"] is False and "upload its certificate" in str(result["reason"])


def test_validate_dns_of_a_localhost_domain_in_local_mode(api: ApiClient) -> None:
    assert validate(api, register(api, "links.localhost")["sid"])["is_valid"] is True


# --- isolation ------------------------------------------------------------------------------------


def test_another_account_cannot_see_or_change_a_domain(
    new_account: Callable[[], ApiClient], resolver: FakeResolver
) -> None:
    alice, bob = new_account(), new_account()
    sid = register(alice, "links.example.com")["sid"]
    for method, suffix in (
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/Verify"),
        ("GET", "/ValidateDns"),
        ("GET", "/Certificate"),
        ("POST", "/Certificate"),
        ("DELETE", "/Certificate"),
        ("GET", "/Config"),
        ("POST", "/Config"),
    ):
        status, body = bob.call(method, f"{DOMAINS}/{sid}{suffix}", data={} if method == "POST" else None)
        assert (status, body["code"]) == (404, 20404), (method, suffix, body)
        assert "links.example.com" not in body["message"]
    assert bob.get(DOMAINS)[1]["domains"] == []
    assert alice.get(f"{DOMAINS}/{sid}")[0] == 200
    verified_domain(bob, resolver, "links.example.org")
    assert [d["sid"] for d in alice.get(DOMAINS)[1]["domains"]] == [sid]


def test_migrating_domains_of_an_older_deployment(
    new_account: Callable[[], ApiClient], resolver: FakeResolver, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a name was claimed at registration (``name#<host>``), verified or not, and never lapsed."""
    import boto3

    from ops import cli

    squatter, owner, holder = new_account(), new_account(), new_account()
    table = settings().table_name("domains")
    dynamodb = boto3.client("dynamodb")
    squatted = register(squatter, "go.b.com")
    kept = verified_domain(holder, resolver, "kept.example.com")
    for domain in (squatted, kept):  # as the old code left them: a name claim, no per-account claim, no expiry
        dynamodb.put_item(
            TableName=table,
            Item={"sid": {"S": f"name#{domain['domain_name']}"}, "owner_domain_sid": {"S": domain["sid"]}},
        )
        dynamodb.delete_item(
            TableName=table, Key={"sid": {"S": f"account-name#{domain['account_sid']}#{domain['domain_name']}"}}
        )
        dynamodb.update_item(TableName=table, Key={"sid": {"S": domain["sid"]}}, UpdateExpression="REMOVE expires_at")
    blocked = register(owner, "go.b.com")
    _publish(resolver, blocked)
    assert owner.post(f"{DOMAINS}/{blocked['sid']}/Verify")[0] == 400  # the old squat holds the name

    capsys.readouterr()
    assert cli.main(["migrate-domains"]) == 0
    rows = {row["domain_sid"]: row["outcome"] for row in json.loads(capsys.readouterr().out)}
    assert rows[squatted["sid"]] == "unverified_released"
    assert rows[kept["sid"]] == "verified_claimed"
    assert rows[blocked["sid"]] == "already_migrated"

    assert owner.post(f"{DOMAINS}/{blocked['sid']}/Verify")[1]["verified"] is True
    assert squatter.get(f"{DOMAINS}/{squatted['sid']}")[1]["date_expires"] is not None
    other = register(squatter, "kept.example.com")
    _publish(resolver, other)
    assert squatter.post(f"{DOMAINS}/{other['sid']}/Verify")[0] == 400  # the verified holder keeps its name
    from brandlink import wiring

    assert wiring.domains().verified_domain("kept.example.com").sid == kept["sid"]
