"""The redirect handler on moto: link items written in the wire format of core.links.records, domains
and their fallback URLs created through the API (so the raw Query reads what the pynamodb store wrote)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from brandlink import wiring
from brandlink.config import settings
from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord
from local.events import http_event
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.domain_helpers import DOMAINS, register

HOST = "go.acme.localhost"
OTHER = "other.acme.localhost"
BARE = "bare.acme.localhost"  # no config, so no fallback URL
FALLBACK = "http://127.0.0.1:9/fallback?from=short-link"
OTHER_FALLBACK = "https://other.example.com/home"
LINK = "https://shop.example.com/orders/12345?utm_source=sms&x=%20y#details"


@pytest.fixture
def domains(api: ApiClient) -> dict[str, str]:
    """Three verified .localhost domains (verified at once in local mode), two with a fallback URL."""
    sids = {name: register(api, name)["sid"] for name in (HOST, OTHER, BARE)}
    for name, url in ((HOST, FALLBACK), (OTHER, OTHER_FALLBACK)):
        status, body = api.post(f"{DOMAINS}/{sids[name]}/Config", {"FallbackUrl": url})
        assert status in (200, 201), body
    return sids


@pytest.fixture
def put_link(aws: dict[str, str], domains: dict[str, str]) -> Callable[..., LinkRecord]:
    client = boto3.client("dynamodb", region_name=settings().region)

    def put(slug: str, link: str = LINK, domain: str = HOST, *, expires_in: int = 90 * 86400) -> LinkRecord:
        now = int(time.time())
        record = LinkRecord(
            slug=slug,
            link=link,
            message_sid="SM" + "0" * 32,
            account_sid="AC" + "0" * 32,
            service_sid="MG" + "0" * 32,
            to="+14155550100",
            from_="+14155552671",
            domain_sid=domains[domain],
            domain_name=domain,
            created_at=now,
            expires_at=now + expires_in,
            tags={"campaign": "spring"},
        )
        client.put_item(TableName=settings().table_name("links"), Item=records.to_item(record))
        return record

    return put


@pytest.fixture
def dynamodb_calls() -> Iterator[list[str]]:
    """The operations the redirect's own DynamoDB client makes."""
    calls: list[str] = []
    client = wiring.redirect_ports().links._get_item.__self__  # type: ignore[attr-defined]

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", record)


def tap(method: str, path: str, host: str = HOST) -> dict[str, Any]:
    from brandlink.handlers.redirect import handler

    event = http_event(method, path, headers={"host": host, "x-forwarded-proto": "https", "user-agent": "curl/8"})
    result: dict[str, Any] = handler(event, lambda_context())
    return result


def test_a_live_link_redirects_to_the_original_byte_for_byte_with_one_projected_read(
    put_link: Callable[..., LinkRecord], dynamodb_calls: list[str]
) -> None:
    put_link("AbCdEf1234")

    response = tap("GET", "/AbCdEf1234", host="GO.Acme.localhost.:8081")

    assert response["statusCode"] == 302
    assert response["headers"]["Location"] == LINK
    assert response["headers"]["Cache-Control"] == "no-store"
    assert dynamodb_calls == ["GetItem"]


def test_a_400_character_link_and_a_non_ascii_one_open(put_link: Callable[..., LinkRecord]) -> None:
    long_link = "https://example.com/" + "a1/" * 120 + "?q=" + "z" * 17
    put_link("LongLink01", long_link)
    put_link("Unicode001", "https://bücher.example/straße?q=ü")

    assert tap("GET", "/LongLink01")["headers"]["Location"] == long_link
    assert tap("GET", "/Unicode001")["headers"]["Location"] == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC"


def test_an_expired_link_goes_to_the_fallback_though_ttl_has_not_deleted_it(
    put_link: Callable[..., LinkRecord],
) -> None:
    put_link("Expired001", expires_in=-1)
    item = boto3.client("dynamodb", region_name=settings().region).get_item(
        TableName=settings().table_name("links"), Key={"slug": {"S": "Expired001"}}
    )
    assert "Item" in item  # moto never runs TTL; DynamoDB deletes up to days late

    response = tap("GET", "/Expired001")

    assert (response["statusCode"], response["headers"]["Location"]) == (302, FALLBACK)


def test_unknown_and_foreign_slugs_go_to_this_domains_fallback_or_the_404_page(
    put_link: Callable[..., LinkRecord], dynamodb_calls: list[str]
) -> None:
    put_link("OtherDom01", "https://other.example.com/secret-offer", domain=OTHER)

    unknown = tap("GET", "/Unknown123")
    foreign = tap("GET", "/OtherDom01")  # a slug of OTHER opened on HOST
    bare = tap("GET", "/OtherDom01", host=BARE)
    own = tap("GET", "/OtherDom01", host=OTHER)

    assert (unknown["statusCode"], unknown["headers"]["Location"]) == (302, FALLBACK)
    assert (foreign["statusCode"], foreign["headers"]["Location"]) == (302, FALLBACK)
    assert bare["statusCode"] == 404 and "<title>Link not found</title>" in bare["body"]
    assert (own["statusCode"], own["headers"]["Location"]) == (302, "https://other.example.com/secret-offer")
    # One GetItem per tap; HOST's fallback read once (then cached), BARE's once.
    assert dynamodb_calls.count("GetItem") == 4
    assert dynamodb_calls.count("Query") == 2


def test_head_answers_like_get_without_a_body(put_link: Callable[..., LinkRecord]) -> None:
    put_link("HeadLink01")

    assert tap("HEAD", "/HeadLink01")["headers"]["Location"] == LINK
    head, get = tap("HEAD", "/Unknown123", host=BARE), tap("GET", "/Unknown123", host=BARE)
    assert (head["statusCode"], head["body"]) == (404, "")
    assert head["headers"] == get["headers"]


def test_the_root_goes_to_the_fallback_or_the_404_page_without_reading_a_link(
    domains: dict[str, str], dynamodb_calls: list[str]
) -> None:
    assert tap("GET", "/")["headers"]["Location"] == FALLBACK
    assert tap("HEAD", "/", host=OTHER)["headers"]["Location"] == OTHER_FALLBACK
    assert tap("GET", "/", host=BARE)["statusCode"] == 404
    assert "GetItem" not in dynamodb_calls


def test_a_malformed_slug_is_answered_without_any_read(domains: dict[str, str], dynamodb_calls: list[str]) -> None:
    for path in ("/favicon.ico", "/AbCdEf123", "/AbCdEf1234/extra", "/wp-login.php"):
        assert tap("GET", path)["statusCode"] == 404, path

    assert dynamodb_calls == []


def test_an_unverified_registration_of_a_name_lends_it_no_fallback(api: ApiClient, dynamodb_calls: list[str]) -> None:
    name = "unverified.example.com"  # not a .localhost name: it stays unverified
    domain = register(api, name)
    status, body = api.post(f"{DOMAINS}/{domain['sid']}/Config", {"FallbackUrl": "https://phishing.example/"})
    assert status in (200, 201), body
    assert domain["verified"] is False

    response = tap("GET", "/Unknown123", host=name)

    assert response["statusCode"] == 404
    assert dynamodb_calls == ["GetItem", "Query"]


def test_a_link_item_without_its_attributes_is_answered_as_unknown(
    put_link: Callable[..., LinkRecord],
) -> None:
    client = boto3.client("dynamodb", region_name=settings().region)
    client.put_item(TableName=settings().table_name("links"), Item={"slug": {"S": "Broken0001"}})

    assert tap("GET", "/Broken0001")["headers"]["Location"] == FALLBACK


def test_a_failed_read_is_a_503_never_a_500(domains: dict[str, str]) -> None:
    boto3.client("dynamodb", region_name=settings().region).delete_table(TableName=settings().table_name("links"))

    response = tap("GET", "/AbCdEf1234")

    assert response["statusCode"] == 503 and response["headers"]["Retry-After"] == "1"
