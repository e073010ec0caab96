"""The clicks worker's rules without AWS: which taps become events, the event's JSON and signature,
the retry schedule, and the worker's order (record, then post)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from brandlink.core.accounts.model import Account
from brandlink.core.clicks import callbacks
from brandlink.core.clicks.model import ClickEvent, Tap
from brandlink.core.clicks.resolve import CallbackTarget, DropReason, click_event, link_drop, short_url
from brandlink.core.clicks.worker import ClickWorker
from brandlink.core.links.records import LinkRecord

SENT = 1_900_000_000  # 2030-03-17
LINK = LinkRecord(
    slug="AbCdEf1234",
    link="https://shop.example.com/sale?utm=sms",
    message_sid="SM" + "1" * 32,
    account_sid="AC" + "2" * 32,
    service_sid="MG" + "3" * 32,
    to="+15550001111",
    from_="+15550002222",
    domain_sid="DN" + "4" * 32,
    domain_name="links.example.com",
    created_at=SENT,
    expires_at=SENT + 30 * 86_400,
    tags={"campaign": "spring", "variant": "A"},
)
ACCOUNT = Account(
    sid=LINK.account_sid,
    friendly_name="Shop",
    status="active",
    token_salt="s",
    token_hash="h",
    date_created=datetime(2030, 1, 1, tzinfo=UTC),
    date_updated=datetime(2030, 1, 1, tzinfo=UTC),
    retention_days=10,
)
TARGET = CallbackTarget("https://hooks.example.com/clicks")
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)


def tap(
    *, at_s: float = SENT + 60.123, host: str = "links.example.com", method: str = "GET", ua: str = CHROME_ANDROID
) -> Tap:
    return Tap("req-1", LINK.slug, host, method, ua, int(at_s * 1000))


def event_of(t: Tap, account: Account | None = ACCOUNT) -> ClickEvent | DropReason:
    return click_event(t, LINK, account, TARGET, default_retention_days=30)


# --- drop rules -------------------------------------------------------------------------------


def test_an_unknown_slug_is_dropped() -> None:
    assert link_drop(tap(), None) is DropReason.UNKNOWN_SLUG


def test_a_slug_opened_on_another_domain_is_dropped() -> None:
    assert link_drop(tap(host="other.example.com"), LINK) is DropReason.OTHER_DOMAIN
    assert link_drop(tap(host="LINKS.example.com"), LINK) is None


def test_a_tap_after_the_link_expired_is_dropped_one_before_is_not() -> None:
    assert link_drop(tap(at_s=LINK.expires_at), LINK) is DropReason.EXPIRED
    assert link_drop(tap(at_s=LINK.expires_at - 0.001), LINK) is None


def test_a_tap_beyond_the_accounts_retention_is_dropped() -> None:
    # Retention 10 days from the send, the link lives 30: day 10 is the end.
    assert event_of(tap(at_s=SENT + 10 * 86_400)) is DropReason.BEYOND_RETENTION
    assert isinstance(event_of(tap(at_s=SENT + 10 * 86_400 - 1)), ClickEvent)


def test_retention_falls_back_to_the_deployment_default_and_never_under_seven_days() -> None:
    default = replace(ACCOUNT, retention_days=None)
    assert isinstance(event_of(tap(at_s=SENT + 29 * 86_400), default), ClickEvent)
    short = replace(ACCOUNT, retention_days=1)
    assert isinstance(event_of(tap(at_s=SENT + 6 * 86_400), short), ClickEvent)
    assert event_of(tap(at_s=SENT + 7 * 86_400), short) is DropReason.BEYOND_RETENTION


def test_a_tap_of_a_deleted_account_is_dropped() -> None:
    assert event_of(tap(), None) is DropReason.NO_ACCOUNT


# --- the event --------------------------------------------------------------------------------


def test_the_event_carries_the_link_the_tap_and_its_retention() -> None:
    event = event_of(tap())
    assert isinstance(event, ClickEvent)
    assert (event.event_id, event.event_type, event.message_sid, event.to, event.from_) == (
        "req-1",
        "click",
        LINK.message_sid,
        LINK.to,
        LINK.from_,
    )
    assert event.short_url == "https://links.example.com/AbCdEf1234"
    assert event.expires_at == SENT + 10 * 86_400
    assert event.tags == LINK.tags


@pytest.mark.parametrize(
    ("method", "ua", "kind"),
    [
        ("HEAD", CHROME_ANDROID, "preview"),
        ("GET", "", "preview"),
        ("GET", "WhatsApp/2.23.20.0 A", "preview"),
        ("GET", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "preview"),
        ("GET", "TelegramBot (like TwitterBot)", "preview"),
        ("GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "preview"),
        ("GET", CHROME_ANDROID, "click"),
    ],
)
def test_click_or_preview(method: str, ua: str, kind: str) -> None:
    event = event_of(tap(method=method, ua=ua))
    assert isinstance(event, ClickEvent) and event.event_type == kind


def test_short_url_is_spelled_as_the_message_spelled_it() -> None:
    assert short_url(LINK, CallbackTarget(None, disable_https=True)) == "links.example.com/AbCdEf1234"
    assert short_url(LINK, TARGET, local_port=8081) == "http://links.example.com:8081/AbCdEf1234"


def test_the_json_has_twilios_fields_in_order_with_both_time_forms() -> None:
    event = event_of(tap())
    assert isinstance(event, ClickEvent)
    body = json.loads(callbacks.body(event))
    assert list(body) == [
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
    assert body["click_time"] == "2030-03-17T17:47:40.123Z"
    assert body["clicked_at"] == (SENT + 60) * 1000 + 123
    assert body["link_create_time"] == "2030-03-17T17:46:40.000Z"
    assert body["sms_sid"] == LINK.message_sid and body["messaging_service_sid"] == LINK.service_sid
    assert body["shortened_link"] == "https://links.example.com/AbCdEf1234"
    assert body["user_agent"] == CHROME_ANDROID


def test_the_post_is_signed_with_body_sha256_and_carries_the_event_id() -> None:
    event = event_of(tap())
    assert isinstance(event, ClickEvent)
    url, content, headers = callbacks.signed_request(event, TARGET.callback_url or "", "the-accounts-token")
    assert "bodySHA256=" in url
    assert headers["Content-Type"] == "application/json"
    assert headers["I-Twilio-Idempotency-Token"] == "req-1"
    assert RequestValidator("the-accounts-token").validate(url, content.decode(), headers["X-Twilio-Signature"])
    assert not RequestValidator("another-token").validate(url, content.decode(), headers["X-Twilio-Signature"])


def test_retry_delays_grow_four_fold_to_an_hour() -> None:
    assert [callbacks.retry_delay(n, 5) for n in range(1, 9)] == [5, 20, 80, 320, 1280, 3600, 3600, 3600]
    assert callbacks.retry_delay(1, 0) == 0
    assert callbacks.retry_delay(500, 5) == 3600


# --- the worker -------------------------------------------------------------------------------


class Poster:
    def __init__(self, statuses: Sequence[int | OSError]) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []

    def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.posts.append((url, body, dict(headers)))
        status = self.statuses.pop(0)
        if isinstance(status, OSError):
            raise status
        return status


class Recorder:
    def __init__(self) -> None:
        self.events: dict[str, ClickEvent] = {}

    def record(self, events: Sequence[ClickEvent]) -> None:
        for event in events:
            self.events.setdefault(event.event_id, event)


def worker(poster: Poster, recorder: Recorder, target: CallbackTarget = TARGET) -> ClickWorker:
    return ClickWorker(
        link={LINK.slug: LINK}.get,
        account={ACCOUNT.sid: ACCOUNT}.get,
        target=lambda sid: target,
        signing_token=lambda account: f"token-of-{account.sid}",
        recorder=recorder,
        poster=poster,
        default_retention_days=30,
    )


def test_the_worker_records_then_posts_and_a_retry_posts_the_same_event() -> None:
    poster, recorder = Poster([500, OSError("refused"), 204]), Recorder()
    w = worker(poster, recorder)
    with pytest.raises(callbacks.CallbackRejected):
        w.handle(tap())
    assert list(recorder.events) == ["req-1"]  # recorded before the post failed
    with pytest.raises(OSError):
        w.handle(tap())
    assert w.handle(tap()).status == 204
    assert len(recorder.events) == 1
    assert (
        len({(url, body, h["I-Twilio-Idempotency-Token"], h["X-Twilio-Signature"]) for url, body, h in poster.posts})
        == 1
    )
    url, body, headers = poster.posts[0]
    assert RequestValidator(f"token-of-{ACCOUNT.sid}").validate(url, body.decode(), headers["X-Twilio-Signature"])


def test_without_a_callback_url_the_event_is_only_recorded() -> None:
    poster, recorder = Poster([]), Recorder()
    outcome = worker(poster, recorder, CallbackTarget(None)).handle(tap())
    assert outcome.event is not None and outcome.status is None
    assert poster.posts == [] and list(recorder.events) == ["req-1"]


def test_a_dropped_tap_is_neither_recorded_nor_posted() -> None:
    poster, recorder = Poster([]), Recorder()
    outcome = worker(poster, recorder).handle(replace(tap(), slug="ZZZZZZZZZZ"))
    assert outcome.dropped is DropReason.UNKNOWN_SLUG
    assert poster.posts == [] and recorder.events == {}


def test_retry_delays_stop_at_the_configured_cap() -> None:
    assert [callbacks.retry_delay(n, 1, 2) for n in range(1, 5)] == [1, 2, 2, 2]
    assert callbacks.retry_delay(40, 1, 2) == 2
