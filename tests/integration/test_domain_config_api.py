"""Domain config (ZK) and the messaging services using a domain, through the API on moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from brandlink.config import settings
from brandlink.core.common.errors import TwilioError
from brandlink.core.domains.shortening import shortening_domain_status
from brandlink.store.domains import DynamoDomainRepository
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import (
    DOMAINS,
    FakeResolver,
    create_service,
    installed_domain,
    register,
    resolver_fixture,  # noqa: F401 - fixture
    upload,
)

UNKNOWN_MG = "MG" + "0" * 32


def config_path(sid: str) -> str:
    return f"{DOMAINS}/{sid}/Config"


def service_rows() -> dict[str, str]:
    table = settings().table_name("service_domains")
    items = boto3.client("dynamodb", region_name=settings().region).scan(TableName=table)["Items"]
    return {item["service_sid"]["S"]: item["domain_sid"]["S"] for item in items}


@pytest.fixture
def domain(api: ApiClient) -> str:
    return str(register(api, "links.localhost")["sid"])


def test_first_post_creates_with_defaults_then_updates(api: ApiClient, domain: str) -> None:
    status, body = api.get(config_path(domain))
    assert (status, body["code"]) == (404, 20404)
    status, created = api.post(config_path(domain), {"FallbackUrl": "https://example.com/fallback"})
    assert status == 201, created
    assert created["config_sid"].startswith("ZK") and len(created["config_sid"]) == 34
    assert created == {
        "domain_sid": domain,
        "config_sid": created["config_sid"],
        "fallback_url": "https://example.com/fallback",
        "callback_url": None,
        "continue_on_failure": True,
        "disable_https": False,
        "messaging_service_sids": [],
        "date_created": created["date_created"],
        "date_updated": created["date_updated"],
        "url": f"http://api.test{config_path(domain)}",
    }
    status, updated = api.post(
        config_path(domain),
        {"CallbackUrl": "https://example.com/clicks", "ContinueOnFailure": "FALSE", "DisableHttps": "true"},
    )
    assert status == 200
    assert updated["config_sid"] == created["config_sid"]
    assert updated["fallback_url"] == "https://example.com/fallback"  # kept
    assert (updated["callback_url"], updated["continue_on_failure"], updated["disable_https"]) == (
        "https://example.com/clicks",
        False,
        True,
    )
    assert api.get(config_path(domain)) == (200, updated)
    assert api.get(f"{DOMAINS}/{domain}")[1]["config_sid"] == created["config_sid"]


def test_empty_callback_url_clears_it(api: ApiClient, domain: str) -> None:
    api.post(config_path(domain), {"CallbackUrl": "https://example.com/clicks"})
    assert api.post(config_path(domain), {"CallbackUrl": ""})[1]["callback_url"] is None


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        ({"CallbackUrl": "ftp://example.com/x"}, 30109, "CallbackUrl"),
        ({"CallbackUrl": "not a url"}, 30109, "CallbackUrl"),
        ({"FallbackUrl": "javascript:alert(1)"}, 30122, "FallbackUrl"),
        ({"FallbackUrl": "https://"}, 30122, "FallbackUrl"),
        ({"FallbackUrl": ""}, 30121, "FallbackUrl is empty"),
        ({"ContinueOnFailure": "maybe"}, 20001, "ContinueOnFailure"),
        ({"DisableHttps": "2"}, 20001, "DisableHttps"),
        ({"MessagingServiceSids": UNKNOWN_MG}, 30128, "MessagingServiceSidsAction is required"),
        ({"MessagingServiceSids": UNKNOWN_MG, "MessagingServiceSidsAction": "merge"}, 30128, "'merge' is invalid"),
        ({"MessagingServiceSidsAction": "add"}, 30124, "MessagingServiceSids is required"),
        ({"MessagingServiceSids": "", "MessagingServiceSidsAction": "add"}, 30124, "is empty"),
        ({"MessagingServiceSids": "MG123", "MessagingServiceSidsAction": "add"}, 30127, "not a messaging service SID"),
        ({"MessagingServiceSids": UNKNOWN_MG, "MessagingServiceSidsAction": "add"}, 30127, "of this account"),
    ],
)
def test_bad_config_input_gets_its_code_and_writes_nothing(
    api: ApiClient, domain: str, data: dict[str, str], code: int, fragment: str
) -> None:
    api.post(config_path(domain), {"FallbackUrl": "https://example.com/fallback"})
    before = api.get(config_path(domain))[1]
    status, body = api.post(config_path(domain), {"CallbackUrl": "https://example.com/new", **data})
    assert (status, body["code"]) == (400, code), body
    assert fragment in body["message"]
    assert api.get(config_path(domain)) == (200, before)


def test_private_urls_are_refused_outside_local_mode(api: ApiClient, domain: str, production_mode: None) -> None:
    status, body = api.post(config_path(domain), {"CallbackUrl": "http://10.0.0.5/clicks"})
    assert (status, body["code"]) == (400, 30109)
    status, body = api.post(config_path(domain), {"FallbackUrl": "http://127.0.0.1/"})
    assert (status, body["code"]) == (400, 30122)


def test_messaging_services_add_delete_replace(api: ApiClient, domain: str) -> None:
    one, two, three = (create_service(api, name) for name in ("one", "two", "three"))
    body = api.post(
        config_path(domain),
        [
            ("MessagingServiceSids", one),
            ("MessagingServiceSids", "MG" + two[2:].upper()),
            ("MessagingServiceSidsAction", "ADD"),
        ],
    )[1]
    assert body["messaging_service_sids"] == [one, two]
    assert service_rows() == {one: domain, two: domain}
    body = api.post(config_path(domain), {"MessagingServiceSids": one, "MessagingServiceSidsAction": "Delete"})[1]
    assert body["messaging_service_sids"] == [two]
    body = api.post(
        config_path(domain),
        [("MessagingServiceSids", three), ("MessagingServiceSids", one), ("MessagingServiceSidsAction", "replace")],
    )[1]
    assert body["messaging_service_sids"] == [three, one]
    assert service_rows() == {three: domain, one: domain}
    # Adding again and deleting an absent one are no-ops.
    body = api.post(config_path(domain), {"MessagingServiceSids": one, "MessagingServiceSidsAction": "add"})[1]
    assert body["messaging_service_sids"] == [three, one]
    body = api.post(config_path(domain), {"MessagingServiceSids": two, "MessagingServiceSidsAction": "delete"})[1]
    assert body["messaging_service_sids"] == [three, one]


def test_a_service_belongs_to_one_domain_config_30130(api: ApiClient, domain: str) -> None:
    other = register(api, "other.localhost")["sid"]
    shared, free = create_service(api, "shared"), create_service(api, "free")
    api.post(config_path(domain), {"MessagingServiceSids": shared, "MessagingServiceSidsAction": "add"})
    status, body = api.post(
        config_path(other),
        [
            ("FallbackUrl", "https://example.com/f"),
            ("MessagingServiceSids", free),
            ("MessagingServiceSids", shared),
            ("MessagingServiceSidsAction", "add"),
        ],
    )
    assert (status, body["code"]) == (400, 30130)
    assert shared in body["message"] and "remove it there first" in body["message"]
    # Nothing of the request was written: no config, no claim of the free service.
    assert api.get(config_path(other))[0] == 404
    assert service_rows() == {shared: domain}
    status, body = api.post(f"{DOMAINS}/{other}/MessagingServices/{shared}")
    assert (status, body["code"]) == (400, 30130)
    api.post(config_path(domain), {"MessagingServiceSids": shared, "MessagingServiceSidsAction": "delete"})
    assert api.post(f"{DOMAINS}/{other}/MessagingServices/{shared}")[0] == 201
    assert service_rows() == {shared: other}


def test_attach_and_detach_a_service(api: ApiClient, domain: str) -> None:
    service = create_service(api)
    path = f"{DOMAINS}/{domain}/MessagingServices/{service}"
    status, body = api.post(path)
    assert status == 201
    assert body == {"domain_sid": domain, "messaging_service_sid": service, "url": f"http://api.test{path}"}
    assert api.post(path)[0] == 201  # idempotent
    config = api.get(config_path(domain))[1]
    assert config["messaging_service_sids"] == [service] and config["continue_on_failure"] is True

    status, body = api.get(f"/v1/LinkShortening/MessagingServices/{service}/Domain")
    assert status == 200
    assert body == {
        "domain_sid": domain,
        "messaging_service_sid": service,
        "url": f"http://api.test/v1/LinkShortening/MessagingServices/{service}/Domain",
    }
    status, body = api.get(f"/v1/LinkShortening/MessagingService/{service}/DomainConfig")
    assert status == 200
    assert "disable_https" not in body
    assert body["messaging_service_sid"] == service and body["config_sid"] == config["config_sid"]
    assert body["url"] == f"http://api.test/v1/LinkShortening/MessagingService/{service}/DomainConfig"

    assert api.delete(path) == (204, None)
    assert api.delete(path)[1]["code"] == 20404
    assert api.get(config_path(domain))[1]["messaging_service_sids"] == []
    for lookup in (
        f"/v1/LinkShortening/MessagingServices/{service}/Domain",
        f"/v1/LinkShortening/MessagingService/{service}/DomainConfig",
    ):
        assert api.get(lookup)[1]["code"] == 20404


@pytest.mark.parametrize(
    ("method", "path_template", "status", "code"),
    [
        ("POST", DOMAINS + "/{dn}/MessagingServices/MG123", 400, 30127),
        ("POST", DOMAINS + "/{dn}/MessagingServices/" + UNKNOWN_MG, 404, 20404),
        ("DELETE", DOMAINS + "/{dn}/MessagingServices/MGxyz", 400, 30127),
        ("GET", "/v1/LinkShortening/MessagingService/MG123/DomainConfig", 400, 30127),
        ("GET", "/v1/LinkShortening/MessagingServices/" + UNKNOWN_MG + "/Domain", 404, 20404),
        ("POST", DOMAINS + "/DN123/MessagingServices/" + UNKNOWN_MG, 400, 30100),
    ],
)
def test_service_path_sids_are_checked(
    api: ApiClient, domain: str, method: str, path_template: str, status: int, code: int
) -> None:
    got_status, body = api.call(method, path_template.format(dn=domain), data={} if method == "POST" else None)
    assert (got_status, body["code"]) == (status, code), body


def test_deleting_a_service_leaves_the_domain_config(api: ApiClient, domain: str) -> None:
    keep, gone = create_service(api, "keep"), create_service(api, "gone")
    api.post(
        config_path(domain),
        [("MessagingServiceSids", keep), ("MessagingServiceSids", gone), ("MessagingServiceSidsAction", "add")],
    )
    assert api.delete(f"/v1/Services/{gone}")[0] == 204
    assert api.get(config_path(domain))[1]["messaging_service_sids"] == [keep]
    assert service_rows() == {keep: domain}


def test_deleting_a_domain_releases_its_services(api: ApiClient, domain: str) -> None:
    service = create_service(api)
    api.post(f"{DOMAINS}/{domain}/MessagingServices/{service}")
    assert api.delete(f"{DOMAINS}/{domain}") == (204, None)
    assert service_rows() == {}
    other = register(api, "other.localhost")["sid"]
    assert api.post(f"{DOMAINS}/{other}/MessagingServices/{service}")[0] == 201


def test_a_domain_serves_at_most_33_services(api: ApiClient, domain: str) -> None:
    services = [create_service(api, f"s{i}") for i in range(34)]
    data: list[tuple[str, str]] = [("MessagingServiceSids", s) for s in services[:33]]
    assert api.post(config_path(domain), [*data, ("MessagingServiceSidsAction", "add")])[0] == 201
    status, body = api.post(f"{DOMAINS}/{domain}/MessagingServices/{services[33]}")
    assert (status, body["code"]) == (400, 20001) and "at most 33" in body["message"]
    replacement = [create_service(api, f"r{i}") for i in range(33)]
    data = [("MessagingServiceSids", s) for s in replacement]
    status, body = api.post(config_path(domain), [*data, ("MessagingServiceSidsAction", "replace")])
    assert status == 200 and body["messaging_service_sids"] == replacement
    assert service_rows() == dict.fromkeys(replacement, domain)


# --- isolation ------------------------------------------------------------------------------------


def test_another_account_cannot_use_or_see_services_and_configs(new_account: Callable[[], ApiClient]) -> None:
    alice, bob = new_account(), new_account()
    alice_domain = register(alice, "links.localhost")["sid"]
    alice_service = create_service(alice)
    alice.post(f"{DOMAINS}/{alice_domain}/MessagingServices/{alice_service}")
    bob_domain = register(bob, "bob.localhost")["sid"]
    bob_service = create_service(bob)

    # Bob cannot put Alice's service in his config, nor his in hers.
    status, body = bob.post(
        config_path(bob_domain), {"MessagingServiceSids": alice_service, "MessagingServiceSidsAction": "add"}
    )
    assert (status, body["code"]) == (400, 30127)
    assert bob.post(f"{DOMAINS}/{bob_domain}/MessagingServices/{alice_service}")[1]["code"] == 20404
    assert bob.post(f"{DOMAINS}/{alice_domain}/MessagingServices/{bob_service}")[1]["code"] == 20404
    assert bob.delete(f"{DOMAINS}/{alice_domain}/MessagingServices/{alice_service}")[1]["code"] == 20404
    # Nor read where Alice's service is.
    for lookup in (
        f"/v1/LinkShortening/MessagingServices/{alice_service}/Domain",
        f"/v1/LinkShortening/MessagingService/{alice_service}/DomainConfig",
    ):
        status, body = bob.get(lookup)
        assert (status, body["code"]) == (404, 20404)
    assert bob.get(config_path(alice_domain))[1]["code"] == 20404
    assert alice.get(config_path(alice_domain))[1]["messaging_service_sids"] == [alice_service]


# --- the send-time check ------------------------------------------------------------------------


def test_shortening_domain_status_codes(
    api: ApiClient, resolver: FakeResolver, new_account: Callable[[], ApiClient]
) -> None:
    repo = DynamoDomainRepository()
    service = create_service(api)

    def code() -> int:
        with pytest.raises(TwilioError) as caught:
            shortening_domain_status(repo, api.sid, service)
        return caught.value.code

    assert code() == 30106  # no domain
    unverified = register(api, "links.example.com")["sid"]
    api.post(f"{DOMAINS}/{unverified}/MessagingServices/{service}")
    assert code() == 30101
    api.delete(f"{DOMAINS}/{unverified}")
    pending = register(api, "links.localhost")["sid"]
    api.post(f"{DOMAINS}/{pending}/MessagingServices/{service}")
    assert code() == 30107
    from tests import certs

    assert upload(api, pending, certs.issue("links.localhost", self_signed=True).tls_cert)[0] == 201
    assert code() == 30107  # uploaded, not installed yet
    api.delete(f"{DOMAINS}/{pending}")

    domain, _ = installed_domain(api, resolver, "go.example.com")
    api.post(config_path(domain["sid"]), {"DisableHttps": "true", "FallbackUrl": "https://example.com/"})
    api.post(f"{DOMAINS}/{domain['sid']}/MessagingServices/{service}")
    ready: Any = shortening_domain_status(repo, api.sid, service)
    assert (ready.domain_sid, ready.domain_name, ready.link_prefix) == (
        domain["sid"],
        "go.example.com",
        "go.example.com/",
    )
    assert ready.fallback_url == "https://example.com/" and ready.continue_on_failure is True
    other = new_account()
    with pytest.raises(TwilioError) as caught:
        shortening_domain_status(repo, other.sid, service)
    assert caught.value.code == 30106
