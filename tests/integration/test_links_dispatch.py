"""Link shortening at send time, on moto, through the API and dispatch handlers: the shortened body and
its link items, DisableHttps, ContinueOnFailure both ways for each domain precondition, invalid links,
retries that reuse their links, and the per-account rate limit under parallel dispatchers."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import boto3
import pytest

from brandlink import wiring
from brandlink.config import settings
from brandlink.core.common.dates import utcnow
from brandlink.core.common.rate_limit import RateLimiter
from brandlink.core.domains.model import Domain
from brandlink.core.links.records import from_item
from brandlink.core.messaging.dispatch import DispatchRequest, Outcome
from brandlink.store.common.rate_limits import DynamoTokenWindows
from brandlink.store.domains import DynamoDomainRepository
from local.aws_endpoint import serialize_dynamodb_item_writes
from testkit.messaging_fakes import RecordingProvider, transient
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import DOMAINS, FakeResolver, installed_domain, register
from tests.integration.domain_helpers import resolver_fixture as resolver_fixture
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

DOMAIN = "go.example.com"
FIRST = "https://shop.example.com/orders/4711?utm_source=sms&utm_medium=text&utm_campaign=spring-sale-2030"
SECOND = "https://track.example.net/parcels/ZX81-4711-9000/status?lang=en#latest"
BODY = f"Your order shipped: {FIRST}. Track it at {SECOND} (reply STOP to opt out)."
SLUG = r"[0-9A-Za-z]{10}"


def fetch(api: ApiClient, sid: str) -> dict[str, Any]:
    status, body = api.get(messages_path(api, sid))
    assert status == 200, body
    return body


def link_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=settings().region)
    items: list[dict[str, Any]] = client.scan(TableName=settings().table_name("links"))["Items"]
    return items


def short_links(body: str, domain: str = DOMAIN, scheme: str = "https://") -> list[str]:
    return re.findall(re.escape(f"{scheme}{domain}/") + f"({SLUG})", body)


def attach(api: ApiClient, domain_sid: str, service: str, **config: str) -> None:
    status, body = api.post(f"{DOMAINS}/{domain_sid}/Config", {"FallbackUrl": "https://example.com/", **config})
    assert status in (200, 201), body
    status, body = api.post(f"{DOMAINS}/{domain_sid}/MessagingServices/{service}")
    assert status == 201, body


@pytest.fixture(name="service")
def service_fixture(api: ApiClient) -> str:
    register_number(api)
    return service_with_numbers(api, SENDER)


@pytest.fixture(name="shortening")
def shortening_fixture(api: ApiClient, resolver: FakeResolver, service: str) -> Callable[..., str]:
    """``shortening(**config)``: an installed domain with that config, serving ``service``; its SID."""

    def make(**config: str) -> str:
        domain, _ = installed_domain(api, resolver, DOMAIN)
        attach(api, domain["sid"], service, **config)
        return str(domain["sid"])

    return make


def sent_with_shortening(api: ApiClient, service: str, body: str = BODY, **params: str) -> dict[str, Any]:
    return send(api, **{"To": RECIPIENT, "MessagingServiceSid": service, "Body": body, "ShortenUrls": "true", **params})


def test_links_are_shortened_when_the_message_is_sent(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    domain_sid = shortening()
    created = sent_with_shortening(api, service, Tags='{"campaign": "spring"}')
    other = sent_with_shortening(api, service, To="+14155550101")
    assert created["body"] == BODY  # the create response keeps the body as written, as Twilio's does
    assert run_dispatch() == 2

    message = fetch(api, created["sid"])
    slugs = short_links(message["body"])
    assert message["status"] == "sent" and message["error_code"] is None
    assert len(slugs) == 2 and slugs[0] != slugs[1]
    assert re.fullmatch(
        re.escape("Your order shipped: ")
        + f"https://go\\.example\\.com/{SLUG}"
        + re.escape(". Track it at ")
        + f"https://go\\.example\\.com/{SLUG}"
        + re.escape(" (reply STOP to opt out)."),
        message["body"],
    )
    assert message["num_segments"] == "1"  # counted on the shortened body (the original needs 2)
    assert api.get("/v1/Outbox", query={"MessageSid": created["sid"]})[1]["messages"][0]["body"] == message["body"]
    assert set(slugs).isdisjoint(short_links(fetch(api, other["sid"])["body"]))  # two recipients, own slugs

    records = {record.slug: record for record in map(from_item, link_items())}
    assert len(records) == 4
    sent_at = int(parsedate_to_datetime(message["date_sent"]).timestamp())
    for position, (slug, link) in enumerate(zip(slugs, (FIRST, SECOND), strict=True)):
        record = records[slug]
        assert (record.link, record.position, record.message_sid) == (link, position, created["sid"])
        assert (record.account_sid, record.service_sid, record.to, record.from_) == (
            api.sid,
            service,
            RECIPIENT,
            SENDER,
        )
        assert (record.domain_sid, record.domain_name, record.tags) == (domain_sid, DOMAIN, {"campaign": "spring"})
        assert 0 <= sent_at - record.created_at <= 5
        assert record.expires_at == record.created_at + 90 * 86400
    ttl = boto3.client("dynamodb", region_name=settings().region).describe_time_to_live(
        TableName=settings().table_name("links")
    )["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")


def test_disable_https_leaves_the_scheme_out_of_the_body(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    shortening(DisableHttps="true")
    created = sent_with_shortening(api, service, body=f"Sale: {FIRST}")
    run_dispatch()
    assert re.fullmatch(f"Sale: go\\.example\\.com/{SLUG}", fetch(api, created["sid"])["body"])


# ---- the domain preconditions under ContinueOnFailure -------------------------------------------


def _expire_certificate(domain_sid: str) -> None:
    def age(domain: Domain) -> Domain:
        assert domain.certificate and domain.certificate.installed
        installed = replace(domain.certificate.installed, not_after=utcnow() - timedelta(hours=1))
        return replace(domain, certificate=replace(domain.certificate, installed=installed))

    DynamoDomainRepository().update(domain_sid, age)


def _no_domain(api: ApiClient, resolver: FakeResolver, service: str, config: dict[str, str]) -> None:
    """The service is in no domain config (there is no ContinueOnFailure to read: the default applies)."""


def _unverified(api: ApiClient, resolver: FakeResolver, service: str, config: dict[str, str]) -> None:
    attach(api, register(api, "unverified.example.com")["sid"], service, **config)


def _no_certificate(api: ApiClient, resolver: FakeResolver, service: str, config: dict[str, str]) -> None:
    attach(api, register(api, "nocert.localhost")["sid"], service, **config)  # .localhost: verified at once


def _expired_certificate(api: ApiClient, resolver: FakeResolver, service: str, config: dict[str, str]) -> None:
    domain, _ = installed_domain(api, resolver, DOMAIN)
    attach(api, domain["sid"], service, **config)
    _expire_certificate(domain["sid"])


PRECONDITIONS = [
    pytest.param(_no_domain, 30106, id="no domain"),
    pytest.param(_unverified, 30101, id="unverified"),
    pytest.param(_no_certificate, 30107, id="no certificate"),
    pytest.param(_expired_certificate, 30102, id="expired certificate"),
]


@pytest.mark.parametrize(("setup", "cause"), PRECONDITIONS)
def test_with_continue_on_failure_a_failed_precondition_sends_the_links_as_written_with_30103(
    api: ApiClient,
    resolver: FakeResolver,
    service: str,
    setup: Callable[..., None],
    cause: int,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    setup(api, resolver, service, {"ContinueOnFailure": "true"})
    created = sent_with_shortening(api, service)  # accepted (it used to be refused with 400)
    capsys.readouterr()
    assert run_dispatch() == 1

    message = fetch(api, created["sid"])
    assert (message["status"], message["body"], message["error_code"]) == ("sent", BODY, 30103)
    assert message["error_message"].startswith("Links were sent as written: ")
    assert api.get("/v1/Outbox", query={"MessageSid": created["sid"]})[1]["messages"][0]["body"] == BODY
    assert link_items() == []
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    metrics = [line for line in lines if "LinksNotShortened" in line]
    assert [(m["LinksNotShortened"], m["ErrorCode"]) for m in metrics] == [([1.0], "30103")]
    formatter = logging.getLogger("brandlink").handlers[0].formatter
    assert formatter is not None
    logged = [json.loads(formatter.format(r)) for r in caplog.records if r.levelno == logging.WARNING]
    (warning,) = [line for line in logged if line["message"] == "LinksNotShortened (30103)"]
    assert (warning["cause"], warning["message_sid"], warning["error_code"]) == (cause, created["sid"], 30103)


@pytest.mark.parametrize(("setup", "cause"), PRECONDITIONS[1:3])
def test_without_continue_on_failure_the_create_is_refused_with_the_precondition_code(
    api: ApiClient, resolver: FakeResolver, service: str, setup: Callable[..., None], cause: int
) -> None:
    setup(api, resolver, service, {"ContinueOnFailure": "false"})
    status, body = api.post(
        messages_path(api), {"To": RECIPIENT, "MessagingServiceSid": service, "Body": BODY, "ShortenUrls": "true"}
    )
    assert (status, body["code"]) == (400, cause), body
    assert api.get(messages_path(api))[1]["messages"] == []


def test_without_continue_on_failure_a_certificate_expired_since_the_create_fails_the_message(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    domain_sid = shortening(ContinueOnFailure="false")
    created = sent_with_shortening(api, service)
    _expire_certificate(domain_sid)
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"], message["body"]) == ("failed", 30102, BODY)
    assert "expired on" in message["error_message"]
    assert api.get("/v1/Outbox", query={"MessageSid": created["sid"]})[1]["messages"] == []


def test_without_continue_on_failure_a_certificate_deleted_since_the_create_fails_the_message(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    domain_sid = shortening(ContinueOnFailure="false")
    created = sent_with_shortening(api, service)
    assert api.delete(f"{DOMAINS}/{domain_sid}/Certificate")[0] == 204
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"]) == ("failed", 30107)
    assert link_items() == []


def test_a_service_detached_since_the_create_falls_back_to_the_default_continue_on_failure(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    domain_sid = shortening(ContinueOnFailure="false")
    created = sent_with_shortening(api, service)
    assert api.delete(f"{DOMAINS}/{domain_sid}/MessagingServices/{service}")[0] == 204
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"], message["body"]) == ("sent", 30103, BODY)
    assert "has no link-shortening domain" in message["error_message"]


# ---- invalid links (30139) ----------------------------------------------------------------------

BAD = "https://shop.example.com/sale%zz"


def test_an_invalid_link_stays_as_written_with_continue_on_failure(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    shortening()
    created = sent_with_shortening(api, service, body=f"New: {FIRST} and {BAD} today")
    run_dispatch()
    message = fetch(api, created["sid"])
    assert re.fullmatch(f"New: https://go\\.example\\.com/{SLUG} and {re.escape(BAD)} today", message["body"])
    assert (message["status"], message["error_code"]) == ("sent", 30103)
    assert "1 link was sent as written" in message["error_message"] and BAD in message["error_message"]
    assert [from_item(item).link for item in link_items()] == [FIRST]


def test_an_invalid_link_fails_the_message_without_continue_on_failure(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    shortening(ContinueOnFailure="false")
    created = sent_with_shortening(api, service, body=f"New: {FIRST} and {BAD} today")
    run_dispatch()
    message = fetch(api, created["sid"])
    assert (message["status"], message["error_code"], message["body"]) == (
        "failed",
        30139,
        f"New: {FIRST} and {BAD} today",
    )
    assert "Correct it in the message body" in message["error_message"]
    assert link_items() == []


# ---- retries ------------------------------------------------------------------------------------


def test_a_retry_after_a_provider_failure_sends_the_same_short_links(
    api: ApiClient, service: str, shortening: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shortening()
    provider = RecordingProvider([transient()])
    real = wiring.dispatcher
    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), provider=provider))
    created = sent_with_shortening(api, service)
    run_dispatch()
    assert fetch(api, created["sid"])["status"] == "sending"
    items = sorted(item["slug"]["S"] for item in link_items())
    dispatch_payload(DispatchRequest(api.sid, created["sid"], 1).to_json())  # the retry, delayed on the queue

    message = fetch(api, created["sid"])
    assert message["status"] == "sent"
    assert [sent.body for sent in provider.sent] == [message["body"], message["body"]]
    assert sorted(short_links(message["body"])) == items
    assert sorted(item["slug"]["S"] for item in link_items()) == items  # nothing minted for the retry


def test_a_crash_between_the_link_write_and_the_claim_reuses_the_links_on_redelivery(
    api: ApiClient, service: str, shortening: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shortening()
    created = sent_with_shortening(api, service)
    real = wiring.dispatcher

    class Crash(RuntimeError):
        pass

    class CrashOnClaim:
        """The messages store, dying on the claim (the write after the link records)."""

        def __init__(self, repository: Any) -> None:
            self._repository = repository

        def __getattr__(self, name: str) -> Any:
            return getattr(self._repository, name)

        def replace(self, *args: Any, **kwargs: Any) -> bool:
            raise Crash("the function died here")

    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), messages=CrashOnClaim(real().messages)))
    assert run_dispatch(retry_failed=True) == 0
    written = sorted(item["slug"]["S"] for item in link_items())
    assert len(written) == 2 and fetch(api, created["sid"])["status"] == "accepted"

    monkeypatch.setattr(wiring, "dispatcher", real)
    assert run_dispatch() == 1  # the same record again: ApproximateReceiveCount 2
    message = fetch(api, created["sid"])
    assert message["status"] == "sent"
    assert sorted(short_links(message["body"])) == written
    assert sorted(item["slug"]["S"] for item in link_items()) == written


# ---- the rate limit (20429) ---------------------------------------------------------------------


@pytest.fixture(name="rate_limit")
def rate_limit_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    def use(per_second: int) -> None:
        monkeypatch.setenv("BRANDLINK_SHORTEN_RATE_PER_SECOND", str(per_second))
        settings.cache_clear()

    yield use
    monkeypatch.delenv("BRANDLINK_SHORTEN_RATE_PER_SECOND", raising=False)
    settings.cache_clear()


def _within_one_second(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Dispatch's clock stopped in the middle of a second: a burst never straddles two windows."""
    now = datetime.now(UTC).replace(microsecond=500_000)
    real = wiring.dispatcher
    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), clock=lambda: now))
    return now


def test_over_the_rate_limit_messages_fail_unsent_with_20429(
    api: ApiClient,
    service: str,
    shortening: Callable[..., str],
    rate_limit: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shortening()
    rate_limit(3)
    _within_one_second(monkeypatch)
    created = [sent_with_shortening(api, service, To=f"+1415555{n:04d}") for n in range(5)]
    run_dispatch()
    messages = [fetch(api, m["sid"]) for m in created]
    assert sorted(m["status"] for m in messages) == ["failed", "failed", "sent", "sent", "sent"]
    refused = [m for m in messages if m["status"] == "failed"]
    assert {m["error_code"] for m in refused} == {20429}
    assert all(m["body"] == BODY for m in refused)
    assert "3 messages with links to shorten per second" in refused[0]["error_message"]
    assert len(link_items()) == 6


def test_a_burst_from_parallel_dispatchers_is_held_to_the_limit(
    api: ApiClient,
    service: str,
    shortening: Callable[..., str],
    rate_limit: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four dispatch environments (each its own limiter, with blocks of 3 tokens) send 24 messages at once."""
    serialize_dynamodb_item_writes()
    shortening()
    limit, block, environments = 10, 3, 4
    rate_limit(limit)
    now = _within_one_second(monkeypatch)
    created = [sent_with_shortening(api, service, To=f"+1415555{n:04d}") for n in range(24)]
    windows = DynamoTokenWindows("shorten")
    base = wiring.dispatcher()
    dispatchers = [
        replace(base, links=replace(base.links, limiter=RateLimiter(windows, limit=limit, block=block)))  # type: ignore[arg-type]
        for _ in range(environments)
    ]
    outcomes: list[Outcome] = []
    barrier = threading.Barrier(environments)

    def work(index: int) -> None:
        barrier.wait()
        for message in created[index::environments]:
            outcomes.append(dispatchers[index].dispatch(DispatchRequest(api.sid, message["sid"])))

    threads = [threading.Thread(target=work, args=(index,)) for index in range(environments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent = outcomes.count(Outcome.SENT)
    counted = windows.used(api.sid, int(now.timestamp()))
    assert counted <= limit and sent <= counted  # never over the limit, no token counted twice
    assert sent >= limit - environments * (block - 1)  # the documented block granularity
    codes = [fetch(api, m["sid"])["error_code"] for m in created]
    assert codes.count(20429) == 24 - sent and codes.count(None) == sent
    assert len(link_items()) == 2 * sent
