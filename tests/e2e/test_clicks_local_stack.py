"""Click tracking end to end on the local stack: a message sent with ``ShortenUrls=true`` through the
official twilio client, its short link tapped over HTTP (GET and HEAD, with the user agents of
phones and of link-preview fetchers), and a receiver of this test registered as the domain's
``CallbackUrl`` that gets exactly one signed event per tap, ``RequestValidator`` accepting each.
Faults: three 500s and the event still arrives with one idempotency token; a receiver down longer
than every retry and the event waits in the DLQ until ``brandlink --local replay-dlq clicks``.
Load: 1,000 taps from 50 threads, 1,000 redirects, 1,000 distinct events.

The stack runs with click-event retries of 1 s then 2 s (tests/e2e/conftest.py ``CALLBACK_RETRY``).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from twilio.request_validator import RequestValidator

from local.localhost_cert import tls_cert_for
from local.twilio_client import make_client
from testkit.click_receiver import ClickReceiver, Received
from tests.e2e.conftest import give_senders
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DEADLINE_SECONDS = 90.0  # a ceiling for a loaded machine; every wait polls for its condition
LOAD_DEADLINE_SECONDS = 600.0
LINK = "https://shop.example.com/spring?utm_source=sms"
NUMBER = "+14155552681"
TO = "+14155550123"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36"
)
PREVIEW_AGENTS = {
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "telegram": "TelegramBot (like TwitterBot)",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
}


@dataclass(frozen=True)
class SentLink:
    account_sid: str
    auth_token: str
    service_sid: str
    message_sid: str
    domain: str
    short_url: str
    receiver: ClickReceiver
    redirect_port: int
    api_url: str

    def tap(self, method: str = "GET", user_agent: str = ANDROID_CHROME, session: Any = requests) -> int:
        """Open the short link as a phone would (Host: the short domain), without following it."""
        response = session.request(
            method,
            f"http://127.0.0.1:{self.redirect_port}{urlsplit(self.short_url).path}",
            headers={"Host": f"{self.domain}:{self.redirect_port}", "User-Agent": user_agent},
            allow_redirects=False,
            timeout=DEADLINE_SECONDS,
        )
        status: int = response.status_code
        return status


def wait_until(check: Callable[[], Any], deadline_seconds: float = DEADLINE_SECONDS) -> Any:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {deadline_seconds:.0f} s")


@pytest.fixture(scope="module")
def receiver() -> Iterator[ClickReceiver]:
    with ClickReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def sent(local_stack: LocalStackProcess, receiver: ClickReceiver) -> SentLink:
    """A fresh account whose domain posts click events to ``receiver``, and one message sent with a
    short link."""
    from tests.e2e.conftest import run_cli

    created = run_cli(local_stack, "create-account", "--name", "e2e clicks")
    account_sid, auth_token = created["account_sid"], created["auth_token"]
    client = make_client(local_stack.api_url, account_sid, auth_token)
    messaging = client.messaging.v1
    service = messaging.services.create(friendly_name="e2e clicks")
    give_senders(local_stack, account_sid, NUMBER)
    number = client.incoming_phone_numbers.create(phone_number=NUMBER)
    messaging.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    name = f"clicks-{secrets.token_hex(4)}.localhost"
    registered = requests.post(
        f"{local_stack.api_url}/v1/LinkShortening/Domains",
        data={"DomainName": name},
        auth=(account_sid, auth_token),
        timeout=DEADLINE_SECONDS,
    )
    assert registered.status_code == 201, registered.text
    domain = registered.json()["sid"]
    messaging.domain_certs(domain).update(tls_cert=tls_cert_for(name))
    wait_until(lambda: messaging.domain_certs(domain).fetch().cert_in_validation is None)
    messaging.domain_config(domain).update(fallback_url="https://www.example.com/", callback_url=receiver.url)
    messaging.linkshortening_messaging_service(domain, service.sid).create()
    created_message = client.messages.create(
        messaging_service_sid=service.sid, to=TO, body=f"Spring sale: {LINK}", shorten_urls=True
    )
    message = wait_until(lambda: (m := client.messages(created_message.sid).fetch()).status == "sent" and m)
    port = urlsplit(local_stack.redirect_url).port
    assert port is not None
    [short_url] = re.findall(re.escape(f"http://{name}:{port}/") + "[0-9A-Za-z]{10}", message.body)
    return SentLink(
        account_sid, auth_token, service.sid, message.sid, name, short_url, receiver, port, local_stack.api_url
    )


def arrived(receiver: ClickReceiver, count: int) -> Callable[[], list[Received]]:
    def check() -> list[Received]:
        delivered = receiver.delivered()
        return delivered if len(delivered) >= count else []

    return check


def test_each_tap_is_one_signed_event_previews_told_from_clicks(sent: SentLink) -> None:
    receiver = sent.receiver
    before = len(receiver.delivered())
    taps = [("GET", ANDROID_CHROME, "click"), ("HEAD", ANDROID_CHROME, "preview")]
    taps += [("GET", agent, "preview") for agent in PREVIEW_AGENTS.values()]
    started_ms = int(time.time() * 1000)
    for method, agent, _ in taps:
        assert sent.tap(method, agent) == 302
    sentinel_agent = ANDROID_CHROME + " sentinel"
    delivered = wait_until(arrived(receiver, before + len(taps)))[before:]
    assert sent.tap("GET", sentinel_agent) == 302  # an event after all of them: any duplicate came before it
    wait_until(lambda: any(json.loads(r.body)["user_agent"] == sentinel_agent for r in receiver.delivered()))
    delivered = [r for r in receiver.delivered()[before:] if json.loads(r.body)["user_agent"] != sentinel_agent]

    tokens = [r.headers["i-twilio-idempotency-token"] for r in delivered]
    assert len(tokens) == len(set(tokens)) == len(taps), tokens
    validator = RequestValidator(sent.auth_token)
    events = []
    for post in delivered:
        url = f"{receiver.url.rsplit('/', 1)[0]}{post.path}"
        assert validator.validate(url, post.body.decode(), post.headers["x-twilio-signature"]), post.path
        assert post.headers["content-type"] == "application/json"
        events.append(json.loads(post.body))
    kinds = sorted((e["user_agent"], e["event_type"]) for e in events)
    head_kind = "preview"
    expected = sorted(
        [(agent, kind) for method, agent, kind in taps if method == "GET"] + [(ANDROID_CHROME, head_kind)]
    )
    assert kinds == expected
    for event in events:
        assert list(event) == [
            "event_type",
            "sms_sid",
            "to",
            "from",
            "link",
            "click_time",
            "clicked_at",
            "messaging_service_sid",
            "account_sid",
            "user_agent",
            "shortened_link",
            "link_create_time",
        ]
        assert (event["sms_sid"], event["to"], event["from"], event["link"]) == (sent.message_sid, TO, NUMBER, LINK)
        assert (event["messaging_service_sid"], event["account_sid"]) == (sent.service_sid, sent.account_sid)
        assert event["shortened_link"] == sent.short_url
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["click_time"])
        assert isinstance(event["clicked_at"], int) and started_ms - 1000 <= event["clicked_at"] <= time.time() * 1000
        assert time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(event["clicked_at"] // 1000)) == event["click_time"][:19]


def test_taps_reach_the_links_and_insights_apis_counted_once(sent: SentLink) -> None:
    """The whole path: redirect → clicks queue → worker → aggregating recorder → the APIs; a click and
    a preview move the link's counts by exactly one each, and the service's insights count the message
    as clicked once however many taps it gets."""

    def get(path: str, **params: str) -> Any:
        response = requests.get(
            f"{sent.api_url}{path}", params=params, auth=(sent.account_sid, sent.auth_token), timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()

    def link_counts() -> tuple[int, int]:
        [link] = get("/v1/LinkShortening/Links", MessageSid=sent.message_sid)["links"]
        assert link["short_url"] == sent.short_url
        return link["clicks"], link["previews"]

    clicks_before, previews_before = link_counts()
    agent = ANDROID_CHROME + " insights"
    preview_agent = PREVIEW_AGENTS["whatsapp"] + " insights"
    assert sent.tap("GET", agent) == 302
    assert sent.tap("GET", preview_agent) == 302

    def both_delivered() -> bool:
        agents = {json.loads(r.body)["user_agent"] for r in sent.receiver.delivered()}
        return {agent, preview_agent} <= agents

    wait_until(both_delivered)  # the worker records an event before it posts it
    assert link_counts() == (clicks_before + 1, previews_before + 1)

    insights = get("/v1/LinkShortening/Insights", MessagingServiceSid=sent.service_sid)
    assert (insights["messages_with_links"], insights["clicked_messages"], insights["unique_clickers"]) == (1, 1, 1)
    assert insights["click_through_rate"] == 1
    assert insights["clicks"] == clicks_before + 1 and insights["previews"] == previews_before + 1


def test_three_500s_then_the_event_arrives_every_attempt_with_the_same_token(sent: SentLink) -> None:
    receiver = sent.receiver
    before = len(receiver.received)
    receiver.script([500, 500, 500])
    agent = ANDROID_CHROME + " retried"
    assert sent.tap("GET", agent) == 302

    wait_until(lambda: any(json.loads(r.body)["user_agent"] == agent for r in receiver.delivered()))
    attempts = [r for r in receiver.received[before:] if json.loads(r.body)["user_agent"] == agent]
    assert [r.status for r in attempts] == [500, 500, 500, 204]
    assert len({r.headers["i-twilio-idempotency-token"] for r in attempts}) == 1
    assert len({(r.path, r.body, r.headers["x-twilio-signature"]) for r in attempts}) == 1
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(attempts)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # each retry waited its delay (1 s, then 2 s)


def _clicks_dlq(local_stack: LocalStackProcess) -> tuple[Any, str]:
    env = local_stack.environment
    sqs = boto3.client(
        "sqs",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    queue_url = env["BRANDLINK_QUEUE_CLICKS_URL"]
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    dlq = sqs.get_queue_url(QueueName=policy["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"]
    return sqs, dlq


def test_a_receiver_down_past_every_retry_gets_the_event_after_replay_dlq(
    local_stack: LocalStackProcess, sent: SentLink, admin: Callable[..., Any]
) -> None:
    receiver = sent.receiver
    sqs, dlq = _clicks_dlq(local_stack)

    def dead_lettered() -> int:
        counts = sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesNotVisible"])

    before, held_before = len(receiver.received), dead_lettered()
    agent = ANDROID_CHROME + " dead-lettered"

    def attempts() -> list[Received]:
        return [r for r in receiver.received[before:] if json.loads(r.body)["user_agent"] == agent]

    receiver.down = True
    try:
        assert sent.tap("GET", agent) == 302
        wait_until(lambda: len(attempts()) >= 8, 180.0)  # 8 receives (maxReceiveCount), 1-2 s apart
        wait_until(lambda: dead_lettered() > held_before, 60.0)  # moved on the 9th receive
        assert len(attempts()) == 8 and {r.status for r in attempts()} == {503}
    finally:
        receiver.down = False

    report = admin("replay-dlq", "clicks")

    # Other tests of the session may have dead-lettered click events of their own: at least ours.
    assert report["replayed"] >= 1 and report["failed"] == 0 and report["found"] == report["replayed"]
    wait_until(lambda: any(json.loads(r.body)["user_agent"] == agent for r in receiver.delivered()))
    assert len({r.headers["i-twilio-idempotency-token"] for r in attempts()}) == 1  # the same event


def test_1000_concurrent_taps_from_50_threads_are_1000_redirects_and_1000_distinct_events(sent: SentLink) -> None:
    receiver = sent.receiver
    before = len(receiver.delivered())
    tap_count, threads = 1000, 50

    def taps(worker: int) -> list[int]:
        with requests.Session() as session:
            return [sent.tap("GET", f"{ANDROID_CHROME} load-{worker}", session) for _ in range(tap_count // threads)]

    started = time.time()
    with ThreadPoolExecutor(threads) as pool:
        statuses = [status for batch in pool.map(taps, range(threads)) for status in batch]
    tapped = time.time() - started
    assert statuses.count(302) == tap_count, {s: statuses.count(s) for s in set(statuses)}

    def all_distinct() -> list[Received]:
        delivered = receiver.delivered()[before:]
        return delivered if len({r.headers["i-twilio-idempotency-token"] for r in delivered}) >= tap_count else []

    delivered = wait_until(all_distinct, LOAD_DEADLINE_SECONDS)
    tokens = [r.headers["i-twilio-idempotency-token"] for r in delivered]
    # At least once: a tap whose SendMessage timed out on the loaded machine may be queued twice; it
    # is then posted twice with one token (and recorded once), which a receiver drops.
    assert len(set(tokens)) == tap_count
    first: dict[str, Received] = {}
    for post in delivered:
        first.setdefault(post.headers["i-twilio-idempotency-token"], post)
    latencies = sorted(r.at - json.loads(r.body)["clicked_at"] / 1000 for r in first.values())
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"\n{tap_count} taps from {threads} threads in {tapped:.1f} s; {len(tokens) - tap_count} repeated posts; "
        f"click->callback p50 {p50:.2f} s, p95 {p95:.2f} s"
    )
