"""Dispatch with in-memory stores: exactly-once claims, retries, validity, sender choice, callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from brandlink.core.accounts.model import Account
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.domains.shortening import ShorteningUnavailable
from brandlink.core.links.counters import InMemoryCounterBlocks
from brandlink.core.links.sending import LinkShortener
from brandlink.core.links.slugs import SlugCipher, SlugMinter
from brandlink.core.messaging.actions import MessageLimits, MessagePorts, create_message, update_message
from brandlink.core.messaging.delivery import DeliveryError, RetryPolicy
from brandlink.core.messaging.dispatch import Dispatcher, DispatchRequest, Outcome, obfuscate_address
from brandlink.core.messaging.model import Message
from brandlink.core.messaging.scheduling import ScheduleWindow
from brandlink.core.senders.model import Sender
from brandlink.core.services.model import MessagingService
from testkit.links_fakes import FakeDomainGate, InMemoryLinks
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

SERVICE_SID = "MG" + "b" * 32
FROM = "+14155552671"
TO = "+14155550100"
CALLBACK = "https://hooks.example.com/status"


def pool_sender(sid: str, address: str, kind: str = "phone_number") -> Sender:
    return Sender(
        sid=sid,
        account_sid=ACCOUNT,
        kind=kind,  # type: ignore[arg-type]
        address=address,
        country_code=None,
        capabilities=("SMS",),
        friendly_name=address,
        date_created=FakeClock().now,
        date_updated=FakeClock().now,
        service_sid=SERVICE_SID,
    )


@dataclass
class Harness:
    clock: FakeClock = field(default_factory=FakeClock)
    messages: InMemoryMessages = field(default_factory=InMemoryMessages)
    senders: InMemorySenders = field(default_factory=InMemorySenders)
    sticky: InMemorySticky = field(default_factory=InMemorySticky)
    provider: RecordingProvider = field(default_factory=RecordingProvider)
    send_queue: RecordingSendQueue = field(default_factory=RecordingSendQueue)
    callbacks: RecordingCallbacks = field(default_factory=RecordingCallbacks)
    scheduler: RecordingScheduler = field(default_factory=RecordingScheduler)
    gate: FakeDomainGate = field(default_factory=FakeDomainGate)
    links: InMemoryLinks = field(default_factory=InMemoryLinks)
    service: MessagingService | None = None

    def __post_init__(self) -> None:
        now = self.clock.now
        self.service = MessagingService(
            account_sid=ACCOUNT,
            sid=SERVICE_SID,
            friendly_name="Notifications",
            date_created=now,
            date_updated=now,
            status_callback=CALLBACK,
        )
        self.services = InMemoryServices(self.service)
        self.senders.owned.append(replace(pool_sender("PN00", FROM), service_sid=None))
        self.account = Account(ACCOUNT, "Test", "active", "00", "00", now, now)

    def set_service(self, **changes: Any) -> None:
        assert self.service is not None
        self.service = replace(self.service, **changes)
        self.services.services[SERVICE_SID] = self.service

    def dispatcher(self, max_attempts: int = 4) -> Dispatcher:
        return Dispatcher(
            messages=self.messages,
            services=self.services,  # type: ignore[arg-type]
            senders=self.senders,  # type: ignore[arg-type]
            sticky=self.sticky,
            provider=self.provider,
            send_queue=self.send_queue,
            callbacks=self.callbacks,
            retry=RetryPolicy(max_attempts=max_attempts),
            links=LinkShortener(
                gate=self.gate,
                links=self.links,
                mint=SlugMinter(SlugCipher(b"unit-test slug key, 32 bytes!!!!"), InMemoryCounterBlocks()).mint_many,
            ),
            clock=self.clock,
        )

    def _shortening(self, account_sid: str, service_sid: str) -> None:
        self.gate(account_sid, service_sid)

    def ports(self) -> MessagePorts:
        return MessagePorts(
            messages=self.messages,
            services=self.services,  # type: ignore[arg-type]
            senders=self.senders,  # type: ignore[arg-type]
            send_queue=self.send_queue,
            scheduler=self.scheduler,
            callbacks=self.callbacks,
            shortening=self._shortening,
        )

    def create(self, **params: str) -> Message:
        limits = MessageLimits(ScheduleWindow(300, 35 * 86400), 10, 400, allow_private_urls=False)
        return create_message(self.ports(), self.account, Form(list(params.items())), limits, self.clock.now)

    def send_now(self, **params: str) -> Message:
        defaults = {"To": TO, "From": FROM, "Body": "Hello", "StatusCallback": CALLBACK}
        return self.create(**{**defaults, **params})

    def stored(self, message: Message) -> Message:
        stored = self.messages.get(ACCOUNT, message.sid)
        assert stored is not None
        return stored


def request_for(message: Message, attempt: int = 0) -> DispatchRequest:
    return DispatchRequest(message.account_sid, message.sid, attempt)


def test_send_now_is_sent_once_with_callbacks() -> None:
    h = Harness()
    message = h.send_now()
    assert h.send_queue.requests == [(request_for(message), 0)]
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.SENT
    (outgoing,) = h.provider.sent
    assert (outgoing.to, outgoing.from_, outgoing.body, outgoing.encoding) == (TO, FROM, "Hello", "GSM-7")
    stored = h.stored(message)
    assert (stored.status, stored.attempts, stored.date_sent, stored.provider_message_id) == (
        "sent",
        1,
        h.clock.now,
        "p-1",
    )
    assert h.callbacks.statuses() == ["sending", "sent"]
    assert all(job.url == CALLBACK for job in h.callbacks.jobs)


def test_duplicate_trigger_calls_the_provider_once() -> None:
    h = Harness()
    message = h.send_now()
    dispatcher = h.dispatcher()
    assert dispatcher.dispatch(request_for(message)) is Outcome.SENT
    assert dispatcher.dispatch(request_for(message)) is Outcome.SKIPPED
    assert len(h.provider.sent) == 1
    assert h.callbacks.statuses() == ["sending", "sent"]


def test_a_trigger_that_lost_the_race_sends_nothing() -> None:
    """Two workers read the message pending; only the first conditional claim wins."""
    h = Harness()
    message = h.send_now()
    dispatcher = h.dispatcher()
    original_get = h.messages.get
    h.messages.get = lambda account_sid, sid: message  # type: ignore[method-assign]
    assert dispatcher.dispatch(request_for(message)) is Outcome.SENT
    assert dispatcher.dispatch(request_for(message)) is Outcome.SKIPPED
    h.messages.get = original_get  # type: ignore[method-assign]
    assert len(h.provider.sent) == 1


def test_unknown_or_other_accounts_message_is_skipped() -> None:
    h = Harness()
    message = h.send_now()
    assert h.dispatcher().dispatch(DispatchRequest(ACCOUNT, "SM" + "0" * 32)) is Outcome.SKIPPED
    assert h.dispatcher().dispatch(DispatchRequest("AC" + "f" * 32, message.sid)) is Outcome.SKIPPED
    assert h.provider.sent == []


def scheduled(h: Harness) -> Message:
    send_at = (h.clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="Later", ScheduleType="fixed", SendAt=send_at)


def test_schedule_firing_after_cancel_sends_nothing() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = scheduled(h)
    assert h.messages.scheduled[ACCOUNT] == 1
    canceled = update_message(h.ports(), ACCOUNT, message.sid, Form([("Status", "canceled")]), h.clock.now)
    assert canceled.status == "canceled" and canceled.date_sent is None
    assert h.messages.scheduled[ACCOUNT] == 0
    assert h.scheduler.deleted == [f"message-{message.sid}"]
    h.clock.advance(3600)
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.SKIPPED
    assert h.provider.sent == []
    assert h.callbacks.statuses() == ["canceled"]


def test_scheduled_message_releases_its_slot_when_claimed() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = scheduled(h)
    schedule = h.scheduler.schedules[f"message-{message.sid}"]
    assert DispatchRequest.from_json(schedule.payload) == request_for(message)
    h.clock.advance(3600)
    assert h.dispatcher().dispatch(DispatchRequest.from_json(schedule.payload)) is Outcome.SENT
    assert h.messages.scheduled[ACCOUNT] == 0
    with pytest.raises(TwilioError) as error:
        update_message(h.ports(), ACCOUNT, message.sid, Form([("Status", "canceled")]), h.clock.now)
    assert error.value.code == 30409


def test_validity_period_runs_out_before_sending() -> None:
    h = Harness()
    message = h.send_now(ValidityPeriod="60")
    h.clock.advance(61)
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    stored = h.stored(message)
    assert (stored.status, stored.error_code, stored.date_sent) == ("failed", 30001, None)
    assert h.provider.sent == []
    assert h.callbacks.statuses() == ["failed"]
    assert h.callbacks.jobs[0].params["ErrorCode"] == "30001"


def test_service_validity_period_applies_and_counts_from_send_at() -> None:
    h = Harness()
    h.set_service(validity_period=120)
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = scheduled(h)
    h.clock.advance(3600 + 100)
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.SENT
    late = scheduled(h)
    h.clock.advance(3600 + 121)
    assert h.dispatcher().dispatch(request_for(late)) is Outcome.UNSENT
    assert h.stored(late).error_code == 30001
    assert h.messages.scheduled[ACCOUNT] == 0


def test_retryable_failure_requeues_the_next_attempt() -> None:
    h = Harness()
    h.provider.failures = [transient()]
    message = h.send_now()
    dispatcher = h.dispatcher()
    assert dispatcher.dispatch(request_for(message)) is Outcome.RETRYING
    stored = h.stored(message)
    assert (stored.status, stored.attempts) == ("sending", 1)
    assert h.send_queue.requests[-1] == (request_for(message, 1), 30)
    assert h.callbacks.statuses() == ["sending"]
    # The first trigger delivered again, or a cancel, cannot touch the message now.
    assert dispatcher.dispatch(request_for(message)) is Outcome.SKIPPED
    with pytest.raises(TwilioError) as error:
        update_message(h.ports(), ACCOUNT, message.sid, Form([("Status", "canceled")]), h.clock.now)
    assert error.value.code == 30409
    h.clock.advance(30)
    assert dispatcher.dispatch(request_for(message, 1)) is Outcome.SENT
    assert dispatcher.dispatch(request_for(message, 1)) is Outcome.SKIPPED
    assert len(h.provider.sent) == 2
    assert h.stored(message).status == "sent"
    assert h.callbacks.statuses() == ["sending", "sent"]


def test_retries_are_bounded() -> None:
    h = Harness()
    h.provider.failures = [transient(), transient(), transient()]
    message = h.send_now()
    dispatcher = h.dispatcher(max_attempts=2)
    assert dispatcher.dispatch(request_for(message)) is Outcome.RETRYING
    assert dispatcher.dispatch(request_for(message, 1)) is Outcome.UNSENT
    stored = h.stored(message)
    assert (stored.status, stored.error_code, stored.attempts) == ("failed", 30001, 2)
    assert len(h.provider.sent) == 2
    assert [delay for _request, delay in h.send_queue.requests[1:]] == [30]


def test_retry_delays_grow_and_are_capped() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_seconds=30)
    assert [policy.delay_seconds(n) for n in range(1, 6)] == [30, 120, 480, 900, 900]
    assert policy.can_retry(5) and not policy.can_retry(6)


def test_no_retry_when_validity_would_run_out_first() -> None:
    h = Harness()
    h.provider.failures = [transient()]
    message = h.send_now(ValidityPeriod="20")
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert h.stored(message).status == "failed"
    assert len(h.send_queue.requests) == 1  # only the original send-now request


def test_retry_that_cannot_be_queued_ends_the_message() -> None:
    h = Harness()
    h.provider.failures = [transient()]
    message = h.send_now()

    def broken(request: DispatchRequest, *, delay_seconds: int = 0) -> None:
        raise ConnectionError("SQS unavailable")

    h.send_queue.enqueue = broken  # type: ignore[method-assign]
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert h.stored(message).status == "failed"


@pytest.mark.parametrize(
    ("code", "status"), [(30003, "undelivered"), (30005, "undelivered"), (30007, "undelivered"), (21610, "failed")]
)
def test_permanent_provider_errors(code: int, status: str) -> None:
    h = Harness()
    h.provider.failures = [DeliveryError(code, "refused")]
    message = h.send_now()
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    stored = h.stored(message)
    assert (stored.status, stored.error_code, stored.error_message) == (status, code, "refused")
    assert h.callbacks.statuses() == ["sending", status]
    assert h.callbacks.jobs[-1].params["ErrorCode"] == str(code)
    assert len(h.send_queue.requests) == 1


def test_unexpected_provider_exception_is_never_retried() -> None:
    h = Harness()
    h.provider.failures = [KeyError("bug")]
    message = h.send_now()
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert (h.stored(message).status, h.stored(message).error_code) == ("failed", 30008)
    assert len(h.send_queue.requests) == 1


def test_service_pool_sender_is_chosen_and_remembered() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", "+12125550199"), pool_sender("PN02", "+14155550123")]
    first = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="one")
    assert first.status == "accepted" and first.from_ is None
    assert h.dispatcher().dispatch(request_for(first)) is Outcome.SENT
    assert h.stored(first).from_ == "+14155550123"  # area-code geomatch (415)
    assert h.sticky.mappings == {(SERVICE_SID, TO): "+14155550123"}
    # A mapping is followed while its sender is in the pool, even against geomatch.
    h.sticky.mappings[(SERVICE_SID, TO)] = "+12125550199"
    second = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="two")
    h.dispatcher().dispatch(request_for(second))
    assert h.stored(second).from_ == "+12125550199"
    # Once that sender leaves the pool the mapping is dropped and replaced.
    h.senders.pools[SERVICE_SID] = [pool_sender("PN02", "+14155550123")]
    third = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="three")
    h.dispatcher().dispatch(request_for(third))
    assert h.stored(third).from_ == "+14155550123"
    assert h.sticky.mappings == {(SERVICE_SID, TO): "+14155550123"}


def test_short_code_selection_forgets_a_stale_mapping() -> None:
    h = Harness()
    short = replace(pool_sender("SC01", "12345", "short_code"), country_code="US")
    h.senders.pools[SERVICE_SID] = [short]
    h.sticky.mappings[(SERVICE_SID, TO)] = "+19995550000"
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="hi")
    h.dispatcher().dispatch(request_for(message))
    assert h.stored(message).from_ == "12345"
    assert h.sticky.mappings == {}


def test_sticky_sender_off_stores_no_mapping() -> None:
    h = Harness()
    h.set_service(sticky_sender=False)
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="hi")
    h.dispatcher().dispatch(request_for(message))
    assert h.sticky.mappings == {}


@pytest.mark.parametrize(
    ("pool", "to", "code"),
    [([], TO, 21704), ([pool_sender("PN01", FROM)], "whatsapp:" + TO, 21612)],
)
def test_no_usable_sender_fails_the_message(pool: list[Sender], to: str, code: int) -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = pool
    message = h.create(To=to, MessagingServiceSid=SERVICE_SID, Body="hi")
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert (h.stored(message).status, h.stored(message).error_code) == ("failed", code)
    assert h.provider.sent == []


def test_deleted_service_fails_a_message_without_sender() -> None:
    h = Harness()
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="hi")
    h.services.services.clear()
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert h.stored(message).error_code == 21701


def test_smart_encoding_follows_the_message_then_the_service() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    body = "Don\u2019t miss \u201cthis\u201d"
    by_service = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body=body)
    assert by_service.body == body and by_service.num_segments == 1
    opted_out = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body=body, SmartEncoded="false")
    plain = h.send_now(Body=body)
    opted_in = h.send_now(Body=body, SmartEncoded="true")
    for message in (by_service, opted_out, plain, opted_in):
        h.dispatcher().dispatch(request_for(message))
    sent = {m.message_sid: (m.body, m.encoding) for m in h.provider.sent}
    assert sent[by_service.sid] == ('Don\'t miss "this"', "GSM-7")
    assert sent[opted_out.sid] == (body, "UCS-2")
    assert sent[plain.sid] == (body, "UCS-2")
    assert sent[opted_in.sid] == ('Don\'t miss "this"', "GSM-7")
    assert h.stored(by_service).body == 'Don\'t miss "this"'


def test_num_segments_comes_from_the_body_sent() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    body = "\u2019" + "a" * 100
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body=body, SmartEncoded="false")
    assert message.num_segments == 2
    h.dispatcher().dispatch(request_for(message))
    assert h.stored(message).num_segments == 2
    encoded = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body=body)
    assert encoded.num_segments == 1


def test_retention_options_apply_after_sending() -> None:
    h = Harness()
    message = h.send_now(Body="secret code 1234", ContentRetention="discard", AddressRetention="obfuscate")
    h.dispatcher().dispatch(request_for(message))
    stored = h.stored(message)
    assert stored.body == "" and stored.to == "+1415XXXXX00"
    assert h.provider.sent[0].body == "secret code 1234"
    assert h.callbacks.jobs[-1].params["To"] == TO


def test_obfuscation_keeps_channel_and_ends() -> None:
    assert obfuscate_address("whatsapp:+442071838750") == "whatsapp:+4420XXXXXX50"
    assert obfuscate_address("+123") == "+123"


def test_shortening_domain_problems_fail_the_message_without_continue_on_failure() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="see https://example.com", ShortenUrls="true")
    h.gate.error = ShorteningUnavailable(
        ErrorCode.CERTIFICATE_EXPIRED, "certificate expired", continue_on_failure=False
    )
    assert h.dispatcher().dispatch(request_for(message)) is Outcome.UNSENT
    assert (h.stored(message).status, h.stored(message).error_code) == ("failed", 30102)
    assert h.provider.sent == []


def test_no_callback_without_a_url() -> None:
    h = Harness()
    message = h.send_now(StatusCallback="")
    h.dispatcher().dispatch(request_for(message))
    assert h.callbacks.jobs == []


def test_service_callback_is_used_when_the_message_has_none() -> None:
    h = Harness()
    h.senders.pools[SERVICE_SID] = [pool_sender("PN01", FROM)]
    message = h.create(To=TO, MessagingServiceSid=SERVICE_SID, Body="hi")
    h.dispatcher().dispatch(request_for(message))
    job = h.callbacks.jobs[-1]
    assert job.url == CALLBACK
    assert job.params == {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "From": FROM,
        "MessageSid": message.sid,
        "MessageStatus": "sent",
        "MessagingServiceSid": SERVICE_SID,
        "SmsSid": message.sid,
        "SmsStatus": "sent",
        "To": TO,
    }


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "[]",
        "{}",
        '{"account_sid": 1, "message_sid": "SM"}',
        '{"account_sid": "AC", "message_sid": "SM", "attempt": -1}',
        '{"account_sid": "AC", "message_sid": "SM", "attempt": true}',
        "not json",
    ],
)
def test_malformed_dispatch_requests_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError):
        DispatchRequest.from_json(raw)


def test_dispatch_request_round_trip() -> None:
    request = DispatchRequest(ACCOUNT, "SM" + "1" * 32, 3)
    assert DispatchRequest.from_json(request.to_json()) == request
