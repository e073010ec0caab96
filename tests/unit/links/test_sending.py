"""The send side of link shortening with in-memory stores: what dispatch sends, stores and records for a
``ShortenUrls`` message — preconditions under ``ContinueOnFailure``, invalid links, shortener failures,
the rate limit, retries and redelivered triggers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from brandlink.core.accounts.model import Account
from brandlink.core.common.errors import ErrorCode
from brandlink.core.common.forms import Form
from brandlink.core.common.rate_limit import InMemoryTokenWindows, RateLimiter
from brandlink.core.domains.shortening import ShorteningUnavailable
from brandlink.core.links.counters import InMemoryCounterBlocks
from brandlink.core.links.errors import SlugSpaceExhaustedError
from brandlink.core.links.records import LinkRecord
from brandlink.core.links.sending import CachedDomainGate, LinkShortener
from brandlink.core.links.slugs import SlugCipher, SlugMinter, is_slug
from brandlink.core.messaging.actions import MessageLimits, MessagePorts, create_message
from brandlink.core.messaging.delivery import RetryPolicy
from brandlink.core.messaging.dispatch import Dispatcher, DispatchRequest, Outcome
from brandlink.core.messaging.model import Message
from brandlink.core.messaging.scheduling import ScheduleWindow
from brandlink.core.messaging.segments import count_segments
from brandlink.core.senders.model import Sender
from brandlink.core.services.model import MessagingService
from testkit.links_fakes import DOMAIN_SID, FakeDomainGate, InMemoryLinks, shortening_domain
from testkit.messaging_fakes import (
    ACCOUNT,
    FakeClock,
    InMemoryMessages,
    InMemorySenders,
    InMemoryServices,
    InMemorySticky,
    RecordingCallbacks,
    RecordingProvider,
    RecordingScheduler,
    RecordingSendQueue,
    transient,
)

SERVICE = "MG" + "b" * 32
FROM = "+14155552671"
TO = "+14155550100"
DOMAIN = "go.brand.example"
KEY = b"unit-test slug key, 32 bytes!!!!"
FIRST = "https://shop.example.com/orders/4711?utm_source=sms&utm_medium=text"
SECOND = "https://track.example.net/p/ZX81-4711#status"
TWO_LINKS = f"Your order shipped: {FIRST}. Track it at {SECOND} (reply STOP to opt out)."
SHORT = re.compile(r"https://go\.brand\.example/([0-9A-Za-z]{10})")


@dataclass
class Events:
    not_shortened: list[tuple[str, ErrorCode, str]] = field(default_factory=list)
    throttled: list[str] = field(default_factory=list)

    def record_not_shortened(self, message: Message, cause: ErrorCode, reason: str) -> None:
        self.not_shortened.append((message.sid, cause, reason))


class RecordingEvents:
    def __init__(self, events: Events) -> None:
        self.events = events

    def not_shortened(self, message: Message, cause: ErrorCode, reason: str) -> None:
        self.events.record_not_shortened(message, cause, reason)

    def throttled(self, message: Message) -> None:
        self.events.throttled.append(message.sid)


@dataclass
class Harness:
    clock: FakeClock = field(default_factory=FakeClock)
    messages: InMemoryMessages = field(default_factory=InMemoryMessages)
    provider: RecordingProvider = field(default_factory=RecordingProvider)
    send_queue: RecordingSendQueue = field(default_factory=RecordingSendQueue)
    gate: FakeDomainGate = field(default_factory=lambda: FakeDomainGate(shortening_domain(DOMAIN)))
    links: InMemoryLinks = field(default_factory=InMemoryLinks)
    counters: InMemoryCounterBlocks = field(default_factory=InMemoryCounterBlocks)
    windows: InMemoryTokenWindows = field(default_factory=InMemoryTokenWindows)
    events: Events = field(default_factory=Events)
    rate_limit: int = 2000
    local_port: int | None = None
    smart_encoding: bool = False

    def __post_init__(self) -> None:
        now = self.clock.now
        self.service = MessagingService(ACCOUNT, SERVICE, "Marketing", now, now, smart_encoding=self.smart_encoding)
        self.senders = InMemorySenders()
        self.senders.pools[SERVICE] = [
            Sender("PN01", ACCOUNT, "phone_number", FROM, None, ("SMS",), FROM, now, now, service_sid=SERVICE)
        ]
        self.minter = SlugMinter(SlugCipher(KEY), self.counters, block_size=100)
        self.limiter = RateLimiter(self.windows, limit=self.rate_limit, block=10)
        self.account = Account(ACCOUNT, "Test", "active", "00", "00", now, now)

    def shortener(self) -> LinkShortener:
        return LinkShortener(
            gate=self.gate,
            links=self.links,
            mint=self.minter.mint_many,
            limiter=self.limiter,
            link_ttl_days=90,
            local_port=self.local_port,
            events=RecordingEvents(self.events),
        )

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            messages=self.messages,
            services=InMemoryServices(self.service),  # type: ignore[arg-type]
            senders=self.senders,  # type: ignore[arg-type]
            sticky=InMemorySticky(),
            provider=self.provider,
            send_queue=self.send_queue,
            callbacks=RecordingCallbacks(),
            retry=RetryPolicy(max_attempts=4),
            links=self.shortener(),
            clock=self.clock,
        )

    def create(self, body: str = TWO_LINKS, **params: str) -> Message:
        ports = MessagePorts(
            self.messages,
            InMemoryServices(self.service),  # type: ignore[arg-type]
            self.senders,  # type: ignore[arg-type]
            self.send_queue,
            RecordingScheduler(),
            RecordingCallbacks(),
            self.gate,
        )
        form = Form(
            list({"To": TO, "MessagingServiceSid": SERVICE, "Body": body, "ShortenUrls": "true", **params}.items())
        )
        limits = MessageLimits(ScheduleWindow(300, 35 * 86400), 10, 400, allow_private_urls=False)
        return create_message(ports, self.account, form, limits, self.clock.now)

    def dispatch(self, message: Message, attempt: int = 0, *, redelivered: bool = False) -> Outcome:
        request = DispatchRequest(message.account_sid, message.sid, attempt, redelivered=redelivered)
        return self.dispatcher().dispatch(request)

    def stored(self, message: Message) -> Message:
        stored = self.messages.get(ACCOUNT, message.sid)
        assert stored is not None
        return stored


def unavailable(code: ErrorCode, *, keep_going: bool) -> ShorteningUnavailable:
    return ShorteningUnavailable(code, f"precondition {int(code)} failed: fix it.", continue_on_failure=keep_going)


PRECONDITIONS = [
    ErrorCode.DOMAIN_NOT_SET_UP,
    ErrorCode.DOMAIN_UNVERIFIED,
    ErrorCode.NO_CERTIFICATE,
    ErrorCode.CERTIFICATE_EXPIRED,
]


def test_two_links_become_two_short_links_and_two_records() -> None:
    h = Harness()
    created = h.create(Tags='{"campaign": "spring"}')
    assert created.body == TWO_LINKS  # the create response shows the body as written
    assert h.dispatch(created) is Outcome.SENT

    stored = h.stored(created)
    slugs = SHORT.findall(stored.body)
    assert len(slugs) == 2 and slugs[0] != slugs[1] and all(is_slug(slug) for slug in slugs)
    assert SHORT.sub("<link>", stored.body) == TWO_LINKS.replace(FIRST, "<link>").replace(SECOND, "<link>")
    assert h.provider.sent[0].body == stored.body
    assert stored.num_segments == count_segments(stored.body).segments
    assert (stored.status, stored.error_code, stored.error_message) == ("sent", None, None)

    records = sorted(h.links.items.values(), key=lambda record: record.position)
    assert [(r.slug, r.link, r.position) for r in records] == [(slugs[0], FIRST, 0), (slugs[1], SECOND, 1)]
    created_at = int(h.clock.now.timestamp())
    for record in records:
        assert (record.message_sid, record.account_sid, record.service_sid) == (created.sid, ACCOUNT, SERVICE)
        assert (record.to, record.from_, record.domain_sid, record.domain_name) == (TO, FROM, DOMAIN_SID, DOMAIN)
        assert (record.created_at, record.expires_at) == (created_at, created_at + 90 * 86400)
        assert record.tags == {"campaign": "spring"}
    assert h.links.batches == [2]  # one batched write per message


def test_each_recipient_gets_its_own_slugs() -> None:
    h = Harness()
    first, second = h.create(), h.create(To="+14155550101")
    h.dispatch(first)
    h.dispatch(second)
    assert len(set(SHORT.findall(h.stored(first).body)) | set(SHORT.findall(h.stored(second).body))) == 4
    assert len(h.links.items) == 4


def test_disable_https_leaves_the_scheme_out() -> None:
    h = Harness(gate=FakeDomainGate(shortening_domain(DOMAIN, disable_https=True)))
    message = h.create(body=f"See {FIRST}")
    h.dispatch(message)
    body = h.stored(message).body
    assert re.fullmatch(r"See go\.brand\.example/[0-9A-Za-z]{10}", body), body


@pytest.mark.parametrize(
    ("disable_https", "pattern"),
    [
        (False, r"See http://go\.brand\.example:8081/[0-9A-Za-z]{10}"),
        (True, r"See go\.brand\.example:8081/[0-9A-Za-z]{10}"),
    ],
)
def test_local_mode_spells_the_links_gateway_port(disable_https: bool, pattern: str) -> None:
    h = Harness(gate=FakeDomainGate(shortening_domain(DOMAIN, disable_https=disable_https)), local_port=8081)
    message = h.create(body=f"See {FIRST}")
    h.dispatch(message)
    assert re.fullmatch(pattern, h.stored(message).body), h.stored(message).body


def test_smart_encoding_applies_after_shortening() -> None:
    h = Harness(smart_encoding=True)
    message = h.create(body=f"\u201cSale\u201d \u2014 {FIRST}")
    h.dispatch(message)
    body = h.stored(message).body
    assert re.fullmatch(r'"Sale" - https://go\.brand\.example/[0-9A-Za-z]{10}', body), body
    assert next(iter(h.links.items.values())).link == FIRST


@pytest.mark.parametrize("code", PRECONDITIONS)
def test_a_failed_precondition_with_continue_on_failure_sends_the_links_as_written(code: ErrorCode) -> None:
    h = Harness()
    h.gate.error = unavailable(code, keep_going=True)
    message = h.create()  # accepted: ContinueOnFailure decides at send time
    assert h.dispatch(message) is Outcome.SENT

    stored = h.stored(message)
    assert (stored.status, stored.body, stored.error_code) == ("sent", TWO_LINKS, ErrorCode.LINKS_NOT_SHORTENED)
    assert stored.error_message == f"Links were sent as written: precondition {int(code)} failed: fix it."
    assert h.provider.sent[0].body == TWO_LINKS
    assert h.links.items == {} and h.counters.claims == 0
    assert [(sid, cause) for sid, cause, _ in h.events.not_shortened] == [(message.sid, code)]


@pytest.mark.parametrize("code", PRECONDITIONS[1:])  # 30106 has no config, so its ContinueOnFailure is the default
def test_a_failed_precondition_without_continue_on_failure_fails_the_message_unsent(code: ErrorCode) -> None:
    h = Harness()
    message = h.create()
    h.gate.error = unavailable(code, keep_going=False)  # e.g. the certificate expired since the create
    assert h.dispatch(message) is Outcome.UNSENT
    stored = h.stored(message)
    assert (stored.status, stored.error_code, stored.body) == ("failed", code, TWO_LINKS)
    assert h.provider.sent == [] and h.links.items == {}


@pytest.mark.parametrize("code", PRECONDITIONS[1:])
def test_without_continue_on_failure_the_create_is_refused(code: ErrorCode) -> None:
    h = Harness()
    h.gate.error = unavailable(code, keep_going=False)
    with pytest.raises(ShorteningUnavailable) as caught:
        h.create()
    assert caught.value.code == code and caught.value.status == 400
    assert h.messages.items == {}


def test_an_invalid_link_stays_as_written_with_continue_on_failure() -> None:
    h = Harness()
    bad = "https://shop.example.com/a%zz"
    message = h.create(body=f"Sale {FIRST} and {bad} now")
    assert h.dispatch(message) is Outcome.SENT

    stored = h.stored(message)
    assert re.fullmatch(rf"Sale https://go\.brand\.example/[0-9A-Za-z]{{10}} and {re.escape(bad)} now", stored.body)
    assert stored.error_code == ErrorCode.LINKS_NOT_SHORTENED
    assert stored.error_message and stored.error_message.startswith("1 link was sent as written. The link")
    assert [record.link for record in h.links.items.values()] == [FIRST]
    assert [cause for _, cause, _ in h.events.not_shortened] == [ErrorCode.INVALID_LINK]


def test_an_invalid_link_fails_the_message_without_continue_on_failure() -> None:
    h = Harness(gate=FakeDomainGate(shortening_domain(DOMAIN, continue_on_failure=False)))
    message = h.create(body=f"Sale {FIRST} and https://shop.example.com:99999/ now")
    assert h.dispatch(message) is Outcome.UNSENT
    stored = h.stored(message)
    assert (stored.status, stored.error_code) == ("failed", ErrorCode.INVALID_LINK)
    assert stored.error_message and "99999" in stored.error_message
    assert h.provider.sent == [] and h.links.items == {} and h.counters.claims == 0


def test_a_shortener_failure_sends_the_links_as_written_with_continue_on_failure() -> None:
    h = Harness()
    h.links.failure = ConnectionError("links table unavailable")
    message = h.create()
    assert h.dispatch(message) is Outcome.SENT
    stored = h.stored(message)
    assert (stored.body, stored.error_code) == (TWO_LINKS, ErrorCode.LINKS_NOT_SHORTENED)
    assert stored.error_message and "ConnectionError" in stored.error_message


def test_a_shortener_outage_without_continue_on_failure_leaves_the_message_for_the_queue_to_retry() -> None:
    h = Harness(gate=FakeDomainGate(shortening_domain(DOMAIN, continue_on_failure=False)))
    h.links.failure = ConnectionError("links table unavailable")
    message = h.create()
    with pytest.raises(ConnectionError):
        h.dispatch(message)
    assert h.stored(message).status == "accepted" and h.provider.sent == []
    assert h.dispatch(message, redelivered=True) is Outcome.SENT  # the record comes back and goes through


def test_an_exhausted_slug_space_fails_the_message_without_continue_on_failure() -> None:
    h = Harness(gate=FakeDomainGate(shortening_domain(DOMAIN, continue_on_failure=False)))

    def exhausted(count: int) -> list[str]:
        raise SlugSpaceExhaustedError.at(62**10 + 1, 62**10)

    h.minter.mint_many = exhausted  # type: ignore[method-assign]
    message = h.create()
    assert h.dispatch(message) is Outcome.UNSENT
    assert h.stored(message).error_code == ErrorCode.LINKS_NOT_SHORTENED


def test_over_the_rate_limit_the_message_fails_unsent_with_20429() -> None:
    h = Harness(rate_limit=3)
    messages = [h.create(To=f"+1415555{n:04d}") for n in range(5)]
    plain = h.create(body="No link in this one.")
    outcomes = [h.dispatch(message) for message in [*messages, plain]]
    assert outcomes == [Outcome.SENT] * 3 + [Outcome.UNSENT] * 2 + [Outcome.SENT]
    for message in messages[3:]:
        stored = h.stored(message)
        assert (stored.status, stored.error_code) == ("failed", ErrorCode.TOO_MANY_REQUESTS)
        assert stored.error_message and "3 messages with links to shorten per second" in stored.error_message
    assert h.events.throttled == [m.sid for m in messages[3:]]
    assert len(h.links.items) == 6  # three messages, two links each: the refused ones minted nothing
    h.clock.advance(1)  # the next second has tokens again
    assert h.dispatch(h.create()) is Outcome.SENT


def test_a_retry_after_a_provider_failure_sends_the_same_links() -> None:
    h = Harness(provider=RecordingProvider([transient()]))
    message = h.create()
    assert h.dispatch(message) is Outcome.RETRYING
    first_body = h.stored(message).body
    records = dict(h.links.items)
    assert h.dispatch(message, attempt=1) is Outcome.SENT
    assert [sent.body for sent in h.provider.sent] == [first_body, first_body]
    assert h.links.items == records and h.links.batches == [2]
    assert h.windows.claims == 1  # the retry took no rate-limit token


def test_a_redelivered_trigger_reuses_the_links_an_interrupted_attempt_wrote() -> None:
    h = Harness()
    message = h.create()

    class Crash(Exception):
        pass

    original_replace = h.messages.replace

    def crash(*args: Any, **kwargs: Any) -> bool:
        raise Crash  # the process died between the link write and the claim

    h.messages.replace = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        h.dispatch(message)
    written = dict(h.links.items)
    assert len(written) == 2 and h.stored(message).status == "accepted"

    h.messages.replace = original_replace  # type: ignore[method-assign]
    assert h.dispatch(message, redelivered=True) is Outcome.SENT
    assert set(SHORT.findall(h.stored(message).body)) == set(written)
    assert h.links.items == written and h.links.batches == [2]  # nothing new minted or written


def test_a_redelivered_trigger_mints_afresh_when_the_stored_links_are_incomplete() -> None:
    h = Harness()
    message = h.create()
    now = int(h.clock.now.timestamp())
    # An interrupted attempt wrote the first of two records only (a batch cut short).
    partial = LinkRecord("AAAAAAAAAA", FIRST, message.sid, ACCOUNT, SERVICE, TO, FROM, DOMAIN_SID, DOMAIN, now, now + 1)
    h.links.put_many([partial])
    assert h.dispatch(message, redelivered=True) is Outcome.SENT
    slugs = SHORT.findall(h.stored(message).body)
    assert len(slugs) == 2 and "AAAAAAAAAA" not in slugs
    assert len(h.links.for_message(message.sid)) == 3  # the partial record stays, unused


def test_a_message_without_links_mints_nothing_and_takes_no_token() -> None:
    h = Harness()
    message = h.create(body="Your code is 123456; www.example.com is not a link.")
    assert h.dispatch(message) is Outcome.SENT
    assert h.stored(message).body == "Your code is 123456; www.example.com is not a link."
    assert h.counters.claims == 0 and h.windows.claims == 0 and h.links.batches == []


def test_the_domain_gate_is_asked_once_per_service_within_its_cache_time() -> None:
    calls: list[tuple[str, str]] = []
    now = [100.0]
    answer: list[Any] = [shortening_domain(DOMAIN)]

    def gate(account_sid: str, service_sid: str) -> Any:
        calls.append((account_sid, service_sid))
        if isinstance(answer[0], Exception):
            raise answer[0]
        return answer[0]

    cached = CachedDomainGate(gate, seconds=5, clock=lambda: now[0])
    assert cached(ACCOUNT, SERVICE).domain_name == DOMAIN
    assert cached(ACCOUNT, SERVICE).domain_name == DOMAIN
    assert cached(ACCOUNT, "MG" + "c" * 32).domain_name == DOMAIN
    assert len(calls) == 2  # one read per service
    answer[0] = unavailable(ErrorCode.CERTIFICATE_EXPIRED, keep_going=False)
    now[0] += 4.9
    assert cached(ACCOUNT, SERVICE).domain_name == DOMAIN  # a change shows within the cache time...
    now[0] += 0.2
    for _ in range(2):  # ...then the refusal, remembered as well (a fresh exception each time)
        with pytest.raises(ShorteningUnavailable) as caught:
            cached(ACCOUNT, SERVICE)
        assert (caught.value.code, caught.value.continue_on_failure) == (ErrorCode.CERTIFICATE_EXPIRED, False)
    assert len(calls) == 3
