"""Click capture and the clicks worker on moto: the redirect queues one tap per GET/HEAD of a slug;
the worker records each live tap once, posts it signed to the domain's CallbackUrl, retries a failed
post with its own growing delay, reports partial batch failures and drops what is not an event."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from twilio.request_validator import RequestValidator

from brandlink import wiring
from brandlink.config import settings
from brandlink.core.clicks.model import Tap
from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord
from brandlink.store.clicks import ClickItem
from local.events import http_event, sqs_event
from testkit.click_receiver import ClickReceiver
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.domain_helpers import DOMAINS, register

HOST = "go.clicks.localhost"
LINK = "https://shop.example.com/sale?utm=sms"
CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)


@pytest.fixture
def receiver() -> Iterator[ClickReceiver]:
    with ClickReceiver() as server:
        yield server


@pytest.fixture
def domain_sid(api: ApiClient) -> str:
    sid: str = register(api, HOST)["sid"]
    return sid


def recorded(message_sid: str) -> list[tuple[str, str]]:
    """The click events recorded for a message (event id, click or preview), as the Clicks API reads them."""
    return [(item.click_id, item.event_type) for item in ClickItem.query(message_sid)]


def set_callback(api: ApiClient, domain_sid: str, url: str) -> None:
    status, body = api.post(f"{DOMAINS}/{domain_sid}/Config", {"CallbackUrl": url})
    assert status in (200, 201), body


@pytest.fixture
def link(api: ApiClient, domain_sid: str) -> LinkRecord:
    now = int(time.time())
    record = LinkRecord(
        slug="AbCdEf1234",
        link=LINK,
        message_sid="SM" + "5" * 32,
        account_sid=api.sid or "",
        service_sid="MG" + "6" * 32,
        to="+14155550100",
        from_="+14155552671",
        domain_sid=domain_sid,
        domain_name=HOST,
        created_at=now - 60,
        expires_at=now + 86_400,
        tags={"campaign": "spring"},
    )
    boto3.client("dynamodb", region_name=settings().region).put_item(
        TableName=settings().table_name("links"), Item=records.to_item(record)
    )
    return record


def queue() -> tuple[Any, str, str]:
    sqs = boto3.client("sqs", region_name=settings().region)
    url = settings().queue_url("clicks")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def redirect(method: str, path: str, ua: str = CHROME, request_id: str = "req-1") -> dict[str, Any]:
    from brandlink.handlers.redirect import handler

    event = http_event(method, path, headers={"host": HOST, "x-forwarded-proto": "https", "user-agent": ua})
    event["requestContext"]["requestId"] = request_id
    result: dict[str, Any] = handler(event, lambda_context())
    return result


def tap_of(link: LinkRecord, tap_id: str, **changes: Any) -> Tap:
    fields: dict[str, Any] = {
        "tap_id": tap_id,
        "slug": link.slug,
        "host": HOST,
        "method": "GET",
        "user_agent": CHROME,
        "at_ms": int(time.time() * 1000),
    }
    fields.update(changes)
    return Tap(**fields)


def run_worker(bodies: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Queue the bodies, receive them as Lambda would, run the worker on them as one batch."""
    from brandlink.handlers.clicks import handler

    sqs, url, arn = queue()
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    messages = receive_all(sqs, url)
    assert len(messages) == len(bodies)
    result: dict[str, Any] = handler(sqs_event(messages, arn), lambda_context())
    return result, messages


def test_the_redirect_queues_one_tap_per_get_or_head_of_a_slug_and_none_otherwise(link: LinkRecord) -> None:
    sqs, url, _ = queue()
    assert redirect("GET", f"/{link.slug}", request_id="r-get")["statusCode"] == 302
    assert redirect("HEAD", f"/{link.slug}", ua="", request_id="r-head")["statusCode"] == 302
    assert redirect("GET", "/ZZZZZZZZZZ", request_id="r-unknown")["statusCode"] in (302, 404)  # still queued
    redirect("GET", "/")
    redirect("GET", "/favicon.ico")

    taps = sorted((Tap.from_json(m["Body"]) for m in receive_all(sqs, url)), key=lambda t: t.tap_id)

    assert [(t.tap_id, t.slug, t.host, t.method, t.user_agent) for t in taps] == [
        ("r-get", link.slug, HOST, "GET", CHROME),
        ("r-head", link.slug, HOST, "HEAD", ""),
        ("r-unknown", "ZZZZZZZZZZ", HOST, "GET", CHROME),
    ]
    assert all(abs(t.at_ms / 1000 - time.time()) < 600 for t in taps)


def test_a_tap_that_cannot_be_queued_still_redirects_and_is_counted(
    link: LinkRecord,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ports = wiring.redirect_ports()
    assert ports.capture is not None

    def refuse(body: str) -> None:
        raise RuntimeError("SQS said no")

    monkeypatch.setattr(ports.capture._queue, "send", refuse)  # type: ignore[attr-defined]
    assert redirect("GET", f"/{link.slug}")["statusCode"] == 302
    assert '"TapNotCaptured":1' in capsys.readouterr().out
    assert "a tap was not sent to the clicks queue: RuntimeError: SQS said no" in caplog.text


def test_each_live_tap_is_recorded_once_and_posted_signed_to_the_callback(
    api: ApiClient, domain_sid: str, link: LinkRecord, receiver: ClickReceiver
) -> None:
    set_callback(api, domain_sid, receiver.url)
    taps = [tap_of(link, "t-click"), tap_of(link, "t-preview", method="HEAD")]

    result, _ = run_worker([t.to_json() for t in taps])

    assert result["batchItemFailures"] == []
    assert len(receiver.received) == 2
    token = wiring.signing_tokens().for_account(wiring.accounts().get(api.sid or "") or pytest.fail("no account"))
    by_id = {r.headers["i-twilio-idempotency-token"]: r for r in receiver.received}
    assert set(by_id) == {"t-click", "t-preview"}
    for tap_id, kind in (("t-click", "click"), ("t-preview", "preview")):
        post = by_id[tap_id]
        url = f"http://127.0.0.1:{receiver.server_address[1]}{post.path}"
        assert RequestValidator(token).validate(url, post.body.decode(), post.headers["x-twilio-signature"])
        assert post.headers["content-type"] == "application/json"
        event = json.loads(post.body)
        assert event["event_type"] == kind
        assert (event["sms_sid"], event["account_sid"], event["link"]) == (link.message_sid, api.sid, LINK)
        assert event["shortened_link"].endswith(f"{HOST}:{settings().short_link_port}/{link.slug}") or event[
            "shortened_link"
        ].endswith(f"{HOST}/{link.slug}")
    assert sorted(recorded(link.message_sid)) == [("t-click", "click"), ("t-preview", "preview")]


def test_a_failed_post_is_retried_alone_with_its_own_delay_and_the_retry_is_recorded_once(
    api: ApiClient, domain_sid: str, link: LinkRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ClickReceiver(statuses=[500]) as receiver:
        set_callback(api, domain_sid, receiver.url)
        delays: list[tuple[str, int]] = []
        real = wiring.clicks_visibility()
        monkeypatch.setattr(
            wiring, "clicks_visibility", lambda: lambda handle, s: (delays.append((handle, s)), real(handle, s))
        )

        # One tap per batch, so the 500 is the first tap's.
        first, messages = run_worker([tap_of(link, "t-1").to_json()])
        assert [f["itemIdentifier"] for f in first["batchItemFailures"]] == [messages[0]["MessageId"]]
        assert delays == [(messages[0]["ReceiptHandle"], settings().callback_retry_base_seconds)]
        second, _ = run_worker([tap_of(link, "t-2").to_json()])
        assert second["batchItemFailures"] == []

        sqs, url, arn = queue()
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"], VisibilityTimeout=0)
        retried = receive_all(sqs, url)
        assert [m["Attributes"]["ApproximateReceiveCount"] for m in retried] == ["2"]
        from brandlink.handlers.clicks import handler

        assert handler(sqs_event(retried, arn), lambda_context())["batchItemFailures"] == []

    tokens = [r.headers["i-twilio-idempotency-token"] for r in receiver.received]
    assert tokens == ["t-1", "t-2", "t-1"]
    assert receiver.received[0].body == receiver.received[2].body
    assert sorted(recorded(link.message_sid)) == [("t-1", "click"), ("t-2", "click")]


def test_a_batch_with_one_dead_receiver_reports_only_its_record(
    api: ApiClient, domain_sid: str, link: LinkRecord, receiver: ClickReceiver, new_account: Callable[[], ApiClient]
) -> None:
    set_callback(api, domain_sid, "http://127.0.0.1:9/dead")  # nothing listens on the discard port
    other = new_account()
    other_host = "other.clicks.localhost"
    other_domain = register(other, other_host)["sid"]
    set_callback(other, other_domain, receiver.url)
    now = int(time.time())
    live = LinkRecord(
        slug="ZyXwVu9876",
        link=LINK,
        message_sid="SM" + "7" * 32,
        account_sid=other.sid or "",
        service_sid="MG" + "8" * 32,
        to="+14155550101",
        from_="+14155552672",
        domain_sid=other_domain,
        domain_name=other_host,
        created_at=now,
        expires_at=now + 3600,
    )
    boto3.client("dynamodb", region_name=settings().region).put_item(
        TableName=settings().table_name("links"), Item=records.to_item(live)
    )

    result, messages = run_worker(
        [tap_of(link, "dead-1").to_json(), tap_of(live, "live-1", host=other_host).to_json(), "not a tap"]
    )

    dead = [m["MessageId"] for m in messages if "dead-1" in m["Body"]]
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == dead
    assert [r.headers["i-twilio-idempotency-token"] for r in receiver.received] == ["live-1"]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"slug": "ZZZZZZZZZZ"}, "unknown slug"),
        ({"host": "elsewhere.localhost"}, "another domain's host"),
        ({"at_ms": (int(time.time()) + 2 * 86_400) * 1000}, "after the link expired"),
    ],
)
def test_taps_that_are_not_events_are_neither_recorded_nor_posted(
    api: ApiClient, domain_sid: str, link: LinkRecord, receiver: ClickReceiver, changes: dict[str, Any], why: str
) -> None:
    set_callback(api, domain_sid, receiver.url)
    result, _ = run_worker([tap_of(link, "t-x", **changes).to_json()])
    assert result["batchItemFailures"] == [], why
    assert receiver.received == [], why
    assert recorded(link.message_sid) == [], why


def test_without_a_callback_url_the_event_is_recorded_only(link: LinkRecord) -> None:
    result, _ = run_worker([tap_of(link, "t-quiet").to_json()])
    assert result["batchItemFailures"] == []
    assert recorded(link.message_sid) == [("t-quiet", "click")]


def test_replay_dlq_moves_dead_lettered_taps_back_unchanged_in_batches(
    api: ApiClient, domain_sid: str, link: LinkRecord, receiver: ClickReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    from ops.cli import main

    set_callback(api, domain_sid, receiver.url)
    sqs, url, _ = queue()
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    dlq_url = sqs.get_queue_url(QueueName=policy["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"]
    taps = [tap_of(link, f"dead-{n}") for n in range(12)]  # more than one batch
    for t in taps:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=t.to_json())

    assert main(["replay-dlq", "clicks"]) == 0
    report = json.loads(capsys.readouterr().out)

    assert (report["found"], report["replayed"], report["failed"]) == (12, 12, 0)
    assert receive_all(sqs, dlq_url) == []
    back = receive_all(sqs, url)
    assert sorted(m["Body"] for m in back) == sorted(t.to_json() for t in taps)


def test_replay_dlq_names_the_queues_it_knows(aws: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from ops.cli import main

    assert main(["replay-dlq", "nope"]) == 1
    from brandlink import resources

    names = ", ".join(spec.logical for spec in resources.QUEUES)
    assert f"There is no queue 'nope': use one of {names}." in capsys.readouterr().err


def test_with_click_event_bus_each_event_also_goes_to_eventbridge(
    link: LinkRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    region = settings().region
    sqs = boto3.client("sqs", region_name=region)
    target = sqs.create_queue(QueueName="click-rule-target")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=region)
    events.put_rule(Name="clicks", EventPattern=json.dumps({"source": ["brandlink"], "detail-type": ["Link Clicked"]}))
    events.put_targets(Rule="clicks", Targets=[{"Id": "q", "Arn": target_arn}])
    monkeypatch.setenv("BRANDLINK_CLICK_EVENT_BUS", "default")
    settings.cache_clear()
    try:
        result, _ = run_worker([tap_of(link, "t-bus", method="HEAD").to_json()])
    finally:
        monkeypatch.delenv("BRANDLINK_CLICK_EVENT_BUS")
        settings.cache_clear()

    assert result["batchItemFailures"] == []
    [message] = sqs.receive_message(QueueUrl=target, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(message["Body"])
    assert (envelope["source"], envelope["detail-type"]) == ("brandlink", "Link Clicked")
    assert envelope["resources"] == ["brandlink:click:t-bus"]
    assert envelope["detail"]["event_type"] == "preview" and envelope["detail"]["sms_sid"] == link.message_sid
