"""The one place that builds stores and adapters: every handler and the API ask here for what they use.

Outside this module nothing in ``brandlink.handlers``, ``brandlink.api`` or ``brandlink.core`` imports
``brandlink.store`` or ``brandlink.adapters`` (tests/unit/test_layers.py): core logic sees only the
protocols it declares (``AccountRepository``, ``SendQueue``, ...), and this module decides which
implementation stands behind each.

Every builder is lazy (the store or adapter module is imported on the first call, so a handler's
cold start loads only what it uses) and cached per settings object (``per_settings``): a changed
environment (a test calling ``settings.cache_clear()``, a local restart) gets fresh objects, a warm
container reuses its clients. Composite ports (``message_ports``, ``domain_ports``) are assembled
once here for the API and the handlers alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from brandlink.config import Settings, settings

if TYPE_CHECKING:
    from brandlink.core.accounts.limits import SendingDefaults
    from brandlink.core.accounts.repository import AccountRepository
    from brandlink.core.accounts.tokens import SigningTokens, TokenVault
    from brandlink.core.clicks.model import ClickEvent, ClickRecorder
    from brandlink.core.clicks.recording import SendCounter
    from brandlink.core.clicks.worker import ClickWorker
    from brandlink.core.common.rate_limit import RateLimiter
    from brandlink.core.domains.certificate_install import (
        CertificateAuthorityStore,
        CertificateJobQueue,
        CertificateWorker,
        CustomDomains,
        KeySealer,
    )
    from brandlink.core.domains.dns_check import DnsResolver
    from brandlink.core.domains.expiry import Alerts
    from brandlink.core.domains.ports import DomainPorts
    from brandlink.core.domains.repository import DomainRepository
    from brandlink.core.inbound.opt_out import OptOutRegistry, OptOutSettingsStore
    from brandlink.core.inbound.receive import InboundReceiver
    from brandlink.core.links.counters import CounterBlocks
    from brandlink.core.links.redirect import RedirectPorts
    from brandlink.core.links.repository import LinkRepository
    from brandlink.core.links.sending import LinkShortener
    from brandlink.core.links.slugs import SlugMinter
    from brandlink.core.messaging.actions import MessagePorts
    from brandlink.core.messaging.admission import SegmentCounts, SendAdmission
    from brandlink.core.messaging.delivery import Provider
    from brandlink.core.messaging.dispatch import Dispatcher, StickySenders
    from brandlink.core.messaging.dispatch_guard import DispatchGuard
    from brandlink.core.messaging.model import Message
    from brandlink.core.messaging.outbox import OutboxRepository
    from brandlink.core.messaging.receipts import ReceiptProcessor, ReceiptQueue
    from brandlink.core.messaging.receipts_signatures import ReceiptKeys
    from brandlink.core.messaging.repository import MessageRepository
    from brandlink.core.messaging.scheduling import MessageScheduler
    from brandlink.core.messaging.send_queue import SendQueue
    from brandlink.core.messaging.sender_id_alert import SenderIdWarning
    from brandlink.core.messaging.status_callbacks import CallbackQueue, FormPoster
    from brandlink.core.messaging.sweeper import Sweeper
    from brandlink.core.policy import ApiPolicy
    from brandlink.core.senders.actions import SenderOwnership
    from brandlink.core.senders.claims import SenderClaims
    from brandlink.core.senders.repository import SenderRepository
    from brandlink.core.senders.verification import CodeSender
    from brandlink.core.services.repository import ServiceDeletionHook, ServiceRepository
    from brandlink.store.clicks import DynamoClickStats

T = TypeVar("T")


def per_settings(build: Callable[[Settings], T]) -> Callable[[], T]:
    """``build(settings())``, built once per settings object and reused while it is current."""
    built: list[tuple[Settings, T]] = []

    @wraps(build)
    def get() -> T:
        current = settings()
        if not built or built[0][0] is not current:
            built[:] = [(current, build(current))]
        return built[0][1]

    return get


def _required(value: str | None, variable: str, why: str) -> str:
    if not value:
        raise RuntimeError(f"Set {variable}: {why}.")
    return value


# ---- policy -------------------------------------------------------------------------------------


@per_settings
def api_policy(current: Settings) -> ApiPolicy:
    """What the deployment's settings decide for the API's requests; the routes never read settings."""
    from brandlink.core.messaging.actions import MessageLimits
    from brandlink.core.messaging.scheduling import ScheduleWindow
    from brandlink.core.policy import ApiPolicy

    return ApiPolicy(
        local_mode=current.is_local,
        allow_private_urls=current.is_local,
        allow_self_signed_certificates=current.is_local,
        redirect_target=current.redirect_target,
        public_api_url=current.public_api_url,
        messages=MessageLimits(
            window=ScheduleWindow(current.schedule_min_seconds, current.schedule_max_seconds),
            scheduled_cap=current.scheduled_cap,
            default_retention_days=current.retention_days,
            allow_private_urls=current.is_local,
        ),
        domain_verification_days=current.domain_verification_days,
        short_link_port=current.short_link_port if current.is_local else None,
    )


# ---- stores (pynamodb; table names are read from the settings on every use) ----------------------


@per_settings
def accounts(_current: Settings) -> AccountRepository:
    from brandlink.store.accounts import DynamoAccountRepository

    return DynamoAccountRepository()


@per_settings
def services(_current: Settings) -> ServiceRepository:
    from brandlink.store.services import DynamoServiceRepository

    return DynamoServiceRepository()


@per_settings
def senders(_current: Settings) -> SenderRepository:
    from brandlink.store.services import DynamoSenderRepository

    return DynamoSenderRepository()


@per_settings
def sender_claims(_current: Settings) -> SenderClaims:
    from brandlink.store.sender_claims import DynamoSenderClaims

    return DynamoSenderClaims()


@per_settings
def domains(_current: Settings) -> DomainRepository:
    from brandlink.store.domains import DynamoDomainRepository

    return DynamoDomainRepository()


@per_settings
def redirect_ports(current: Settings) -> RedirectPorts:
    """The redirect's reads: raw ``GetItem``/``Query`` on one DynamoDB client, no pynamodb (its import
    alone would exceed the redirect's cold-start budget); the domains' fallbacks cached per container.
    And its capture: a raw ``SendMessage`` of each tap to the clicks queue, on a thread made by the
    first tap (``core.clicks.capture``). Both clients are built here, at init, and open no connection."""
    from brandlink import aws_session
    from brandlink.adapters.clicks.tap_queue import CLIENT_CONFIG as SQS_CONFIG
    from brandlink.adapters.clicks.tap_queue import SqsTapQueue
    from brandlink.adapters.links.redirect_reads import CLIENT_CONFIG, DomainFallbackReader, LinkTargetReader
    from brandlink.core.clicks.capture import TapCapture
    from brandlink.core.links.redirect import FallbackCache, RedirectPorts

    client = aws_session.client("dynamodb", current.region, config=CLIENT_CONFIG)
    sqs = aws_session.client("sqs", current.region, config=SQS_CONFIG)
    return RedirectPorts(
        links=LinkTargetReader(client, current.table_name("links")),
        fallbacks=FallbackCache(DomainFallbackReader(client, current.table_name("domains"))),
        capture=TapCapture(SqsTapQueue(sqs, current.queue_urls.get("clicks"))),
    )


@per_settings
def messages(_current: Settings) -> MessageRepository:
    from brandlink.store.messaging.messages import DynamoMessageRepository

    return DynamoMessageRepository()


@per_settings
def links(_current: Settings) -> LinkRepository:
    from brandlink.store.links import DynamoLinkRepository

    return DynamoLinkRepository()


@per_settings
def click_stats(_current: Settings) -> DynamoClickStats:
    """Click analytics: the recorder's transactional writes and the insights' and links' reads."""
    from brandlink.store.clicks import DynamoClickStats

    return DynamoClickStats()


@per_settings
def click_recorder(current: Settings) -> ClickRecorder:
    """The ``ClickRecorder`` that keeps the insights' aggregates (docs/insights.md); click items expire
    after the account's retention (its own, else the deployment's), looked up once per container."""
    from brandlink.core.clicks.recording import AggregatingRecorder

    default_days = current.retention_days
    known: dict[str, int] = {}

    def retention_days(account_sid: str) -> int:
        days = known.get(account_sid)
        if days is None:
            account = accounts().get(account_sid)
            days = (account.retention_days if account else None) or default_days
            if len(known) >= 4096:
                known.clear()
            known[account_sid] = days
        return days

    return AggregatingRecorder(click_stats(), retention_days)


@per_settings
def send_counter(_current: Settings) -> SendCounter:
    """Dispatch's exactly-once count of messages sent with short links (``messages_with_links``)."""
    from brandlink.core.clicks.recording import SendCounter

    return SendCounter(click_stats())


@per_settings
def counter_blocks(_current: Settings) -> CounterBlocks:
    from brandlink.store.links import DynamoCounterBlocks

    return DynamoCounterBlocks()


@per_settings
def outbox(_current: Settings) -> OutboxRepository:
    from brandlink.store.messaging.outbox import DynamoOutboxRepository

    return DynamoOutboxRepository()


@per_settings
def sticky_senders(_current: Settings) -> StickySenders:
    from brandlink.store.messaging.sticky_senders import DynamoStickySenders

    return DynamoStickySenders()


# ---- adapters -----------------------------------------------------------------------------------


@per_settings
def token_vault(current: Settings) -> TokenVault:
    """Where auth tokens are sealed (KMS): the operator command seals, the signing functions open."""
    key_arn = _required(current.token_key_arn, "BRANDLINK_TOKEN_KEY_ARN", "auth tokens are sealed with that KMS key")
    from brandlink.adapters.accounts.token_key import KmsTokenVault

    return KmsTokenVault(key_arn, current.region)


@per_settings
def legacy_token_master_key(current: Settings) -> bytes | None:
    """The retired master key, while a deployment from before per-account secrets migrates; else None."""
    if not current.legacy_token_key_secret_arn:
        return None
    from brandlink.adapters.accounts.token_key import fetch_token_master_key

    return fetch_token_master_key(current.legacy_token_key_secret_arn, current.region)


@per_settings
def signing_tokens(current: Settings) -> SigningTokens:
    """The token that signs an account's webhooks (status callbacks, click events), cached per container."""
    from brandlink.core.accounts.tokens import SigningTokens

    legacy: Callable[[], bytes] | None = None
    if current.legacy_token_key_secret_arn:

        def legacy() -> bytes:
            key = legacy_token_master_key()
            assert key is not None
            return key

    return SigningTokens(token_vault, legacy)


@per_settings
def slug_key(current: Settings) -> bytes:
    """The slug permutation key: ``BRANDLINK_SLUG_KEY`` (local) or its secret (AWS), read on the first mint."""
    if current.slug_key:
        return current.slug_key.encode("utf-8")
    secret_arn = _required(
        current.slug_key_secret_arn, "BRANDLINK_SLUG_KEY or BRANDLINK_SLUG_KEY_SECRET_ARN", "to mint short-link slugs"
    )
    from brandlink.adapters.links.slug_key import fetch_slug_key

    return fetch_slug_key(secret_arn, current.region)


def after_restore(hook: Callable[[], object]) -> bool:
    """Register ``hook`` to run after a Lambda SnapStart restore (nothing happens without SnapStart)."""
    from brandlink.adapters.common.snapstart import register_after_restore

    return register_after_restore(hook)


@per_settings
def slug_minter(_current: Settings) -> SlugMinter:
    """Claims its first counter block and reads the key on its first mint, never here; a SnapStart
    restore drops the block in hand (a snapshot must not hand one block to many environments)."""
    from brandlink.core.links.slugs import SlugCipher, SlugMinter

    minter = SlugMinter(lambda: SlugCipher(slug_key()), counter_blocks())
    after_restore(minter.reset_after_restore)
    return minter


@per_settings
def shortening_rate_limiter(current: Settings) -> RateLimiter:
    """Link-shortening requests per account per second, claimed in blocks of the dispatch function's
    SQS batch size (core/common/rate_limit.py has the guarantees)."""
    from brandlink import resources
    from brandlink.core.common.rate_limit import RateLimiter
    from brandlink.store.common.rate_limits import DynamoTokenWindows

    trigger = next(spec.queue_trigger for spec in resources.FUNCTIONS if spec.logical == "dispatch")
    block = trigger.batch_size if trigger is not None else 10
    limiter = RateLimiter(DynamoTokenWindows("shorten"), limit=current.shorten_rate_per_second, block=block)
    after_restore(limiter.reset_after_restore)
    return limiter


class _ShorteningEvents:
    """Metrics (dimension ``ErrorCode``, as the certificate checks report theirs) and log lines of the
    send side of link shortening; Powertools is loaded on the first event."""

    def not_shortened(self, message: Message, cause: int, reason: str) -> None:
        from brandlink.core.common.errors import ErrorCode

        self._report("LinksNotShortened", ErrorCode.LINKS_NOT_SHORTENED, message, cause=int(cause), reason=reason)

    def throttled(self, message: Message) -> None:
        from brandlink.core.common.errors import ErrorCode

        self._report("LinkShorteningThrottled", ErrorCode.TOO_MANY_REQUESTS, message)

    @staticmethod
    def _report(metric: str, code: int, message: Message, **details: object) -> None:
        from aws_lambda_powertools import single_metric
        from aws_lambda_powertools.metrics import MetricUnit

        from brandlink.observability import logger, metrics

        with single_metric(name=metric, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as single:
            single.add_dimension(name="ErrorCode", value=str(code))
        logger.warning(
            f"{metric} ({code})",
            extra={"error_code": code, "message_sid": message.sid, "account_sid": message.account_sid, **details},
        )


@per_settings
def link_shortener(current: Settings) -> LinkShortener:
    from brandlink.core.domains.shortening import shortening_domain_status
    from brandlink.core.links.sending import CachedDomainGate, LinkShortener

    return LinkShortener(
        gate=CachedDomainGate(partial(shortening_domain_status, domains())),
        links=links(),
        mint=slug_minter().mint_many,
        limiter=shortening_rate_limiter(),
        link_ttl_days=current.link_ttl_days,
        local_port=current.short_link_port if current.is_local else None,
        events=_ShorteningEvents(),
    )


@per_settings
def dns_resolver(_current: Settings) -> DnsResolver:
    from brandlink.adapters.domains.dns import DnspythonResolver

    return DnspythonResolver()


@per_settings
def certificate_sealer(current: Settings) -> KeySealer:
    key_arn = _required(
        current.certificate_key_arn,
        "BRANDLINK_CERTIFICATE_KEY_ARN",
        "uploaded private keys are sealed with that KMS key",
    )
    from brandlink.adapters.domains.kms import KmsKeySealer

    return KmsKeySealer(key_arn, current.region)


@per_settings
def certificate_jobs(current: Settings) -> CertificateJobQueue:
    from brandlink.adapters.domains.certificate_queue import SqsCertificateJobs

    return SqsCertificateJobs(current.queue_url("certificates"), current.region)


@per_settings
def acm(current: Settings) -> CertificateAuthorityStore:
    from brandlink.adapters.domains.acm import AcmCertificateStore

    return AcmCertificateStore(current.region, owner=current.redirect_api_id)


@per_settings
def custom_domains(current: Settings) -> CustomDomains:
    api_id = _required(
        current.redirect_api_id, "BRANDLINK_REDIRECT_API_ID", "short domains are mapped to the redirect API"
    )
    from brandlink.adapters.domains.apigateway import ApiGatewayCustomDomains

    return ApiGatewayCustomDomains(api_id, current.region)


@per_settings
def alerts(current: Settings) -> Alerts | None:
    """The alerts topic, or None when the deployment has none (local mode without a topic)."""
    if not current.alerts_topic_arn:
        return None
    from brandlink.adapters.common.sns import SnsAlerts

    return SnsAlerts(current.alerts_topic_arn, current.region)


@per_settings
def send_queue(current: Settings) -> SendQueue:
    from brandlink.adapters.messaging.queues import SqsSendQueue

    return SqsSendQueue(current.queue_url("send"), current.region)


@per_settings
def inbound_queue(current: Settings) -> Any:
    """Where every provider's inbound path puts its ``InboundEvent`` (``enqueue(event)``)."""
    from brandlink.adapters.inbound.queue import SqsInboundQueue

    return SqsInboundQueue(current.queue_url("inbound"), current.region)


@per_settings
def _provider_secret_loader(current: Settings) -> Callable[[], dict[str, Any]]:
    """The provider secret's JSON, fetched on first use and kept for the container; ``{}`` without one."""
    if not current.provider_secret_arn:
        return dict
    from functools import cache

    from brandlink.adapters.messaging.providers.secrets import load_secret_json

    return cache(partial(load_secret_json, current.provider_secret_arn, current.region))


def provider_secret_json() -> dict[str, Any]:
    """What the upstream provider's inbound webhooks are checked with (Twilio ``auth_token``,
    webhook ``signing_key``)."""
    return _provider_secret_loader()()


@per_settings
def opt_outs(_current: Settings) -> OptOutRegistry:
    from brandlink.store.inbound import DynamoOptOutRegistry

    return DynamoOptOutRegistry()


@per_settings
def opt_out_settings(_current: Settings) -> OptOutSettingsStore:
    from brandlink.store.inbound import DynamoOptOutSettings

    return DynamoOptOutSettings()


@per_settings
def inbound_receiver(current: Settings) -> InboundReceiver:
    """Records inbound messages and posts the signed inbound webhook (private URLs only locally)."""
    from brandlink.adapters.inbound.poster import HttpInboundPoster
    from brandlink.core.inbound.receive import InboundPorts, InboundReceiver

    tokens = signing_tokens()
    return InboundReceiver(
        InboundPorts(
            messages=messages(),
            accounts=accounts(),
            claims=sender_claims(),
            senders=senders(),
            services=services(),
            opt_outs=opt_outs(),
            opt_out_settings=opt_out_settings(),
            send_queue=send_queue(),
            poster=HttpInboundPoster(allow_private=current.is_local, timeout=current.callback_timeout_seconds),
            signing_token=tokens.for_account,
            default_retention_days=current.retention_days,
        )
    )


@per_settings
def callback_queue(current: Settings) -> CallbackQueue:
    from brandlink.adapters.messaging.queues import SqsCallbackQueue

    return SqsCallbackQueue(current.queue_url("status_callbacks"), current.region)


CLICK_LOOKUP_TTL_SECONDS = 60.0
"""How long the clicks worker keeps an account or a domain's callback target: a changed
``CallbackUrl`` is used within a minute."""


@per_settings
def click_worker(current: Settings) -> ClickWorker:
    """The clicks worker's ports: the full link item by slug, the account and the domain's callback
    target (both cached per container, ``TtlCache``), the account's signing token, the recorder, and
    the SSRF-pinned JSON poster (private addresses only in local mode)."""
    from brandlink.adapters.clicks.poster import HttpJsonPoster
    from brandlink.core.clicks.resolve import CallbackTarget
    from brandlink.core.clicks.worker import ClickWorker
    from brandlink.core.common.ttl_cache import TtlCache

    def target(domain_sid: str) -> CallbackTarget:
        return CallbackTarget.of(domains().get(domain_sid))

    return ClickWorker(
        link=links().get,
        account=TtlCache(accounts().get, CLICK_LOOKUP_TTL_SECONDS),
        target=TtlCache(target, CLICK_LOOKUP_TTL_SECONDS),
        signing_token=signing_tokens().for_account,
        recorder=click_recorder(),
        poster=HttpJsonPoster(allow_private=current.is_local, timeout=current.callback_timeout_seconds),
        default_retention_days=current.retention_days,
        local_port=current.short_link_port if current.is_local else None,
        publish=click_event_bus(),
    )


@per_settings
def click_event_bus(current: Settings) -> Callable[[ClickEvent], None] | None:
    """Puts each click event on the ``clickEventBus`` EventBridge bus too; None when the knob is unset."""
    if not current.click_event_bus:
        return None
    from brandlink.adapters.clicks.event_bus import EventBridgeClicks

    return EventBridgeClicks(current.click_event_bus, current.region).publish


@per_settings
def clicks_visibility(current: Settings) -> Callable[[str, int], None]:
    """Sets a received clicks-queue message's visibility (its retry delay)."""
    from brandlink.adapters.clicks.visibility import SqsVisibility

    return SqsVisibility(current.queue_url("clicks"), current.region).delay


@per_settings
def receipt_queue(current: Settings) -> ReceiptQueue:
    from brandlink.adapters.messaging.queues import SqsReceiptQueue

    return SqsReceiptQueue(current.queue_url("receipts"), current.region)


@per_settings
def receipt_keys(current: Settings) -> ReceiptKeys:
    """The keys receipts are signed with: the twilio provider's auth token, the webhook provider's
    signing key (both from the provider secret, read on the first receipt); none for other providers."""
    from brandlink.core.messaging.receipts_signatures import ReceiptKeys

    if current.provider not in ("twilio", "webhook") or not current.provider_secret_arn:
        return ReceiptKeys()
    secret = provider_secret_json()
    if current.provider == "twilio":
        token = secret.get("auth_token")
        return ReceiptKeys(twilio_auth_token=token if isinstance(token, str) and token else None)
    key = secret.get("signing_key")
    return ReceiptKeys(webhook_signing_key=key.encode("utf-8") if isinstance(key, str) and key else None)


@per_settings
def scheduler(current: Settings) -> MessageScheduler:
    from brandlink.adapters.messaging.scheduler import EventBridgeMessageScheduler

    return EventBridgeMessageScheduler(
        group=current.schedule_group,
        target_arn=current.send_queue_arn,
        role_arn=current.scheduler_role_arn,
        region=current.region,
        dead_letter_arn=current.send_dlq_arn,
    )


@per_settings
def form_poster(current: Settings) -> FormPoster:
    """Posts status callbacks; private addresses only in local mode."""
    from brandlink.adapters.common.http import UrllibFormPoster

    return UrllibFormPoster(allow_private=current.is_local, timeout=current.callback_timeout_seconds)


def _provider_config(current: Settings) -> dict[str, Any]:
    if not current.provider_config:
        return {}
    try:
        config = json.loads(current.provider_config)
    except ValueError:
        raise RuntimeError("BRANDLINK_PROVIDER_CONFIG must be a JSON object.") from None
    if not isinstance(config, dict):
        raise RuntimeError("BRANDLINK_PROVIDER_CONFIG must be a JSON object.")
    return config


@per_settings
def provider(current: Settings) -> Provider:
    """The configured delivery provider; a misconfiguration fails here, at cold start, not per message."""
    config = _provider_config(current)
    secret: Callable[[], dict[str, Any]] | None = None
    if current.provider_secret_arn:
        from brandlink.adapters.messaging.providers.secrets import load_secret_json

        secret = partial(load_secret_json, current.provider_secret_arn, current.region)
    if current.provider == "outbox":
        from brandlink.adapters.messaging.providers.outbox import OutboxProvider

        return OutboxProvider(outbox(), current.retention_days)
    if current.provider == "sms":
        from brandlink.adapters.messaging.providers.sms import EndUserMessagingSmsProvider

        return EndUserMessagingSmsProvider(current.region, config)
    if current.provider == "sns":
        from brandlink.adapters.messaging.providers.sns import SnsSmsProvider

        return SnsSmsProvider(current.region, config)
    if current.provider == "twilio":
        from brandlink.adapters.messaging.providers.twilio import TwilioProvider

        if secret is None:
            raise RuntimeError("The twilio provider needs BRANDLINK_PROVIDER_SECRET_ARN (Twilio credentials).")
        return TwilioProvider(config, secret, allow_private=current.is_local, receipts_base=current.public_api_url)
    if current.provider == "webhook":
        from brandlink.adapters.messaging.providers.webhook import WebhookProvider

        return WebhookProvider(config, secret, allow_private=current.is_local)
    from brandlink.knobs import PROVIDERS

    raise RuntimeError(f"Unknown provider {current.provider!r}: choose one of {', '.join(PROVIDERS)}.")


# ---- ports: what one feature's actions need, assembled once for the API and the handlers -------


@per_settings
def code_sender(current: Settings) -> CodeSender:
    """Sends number-verification codes through the deployment's delivery provider, from
    ``BRANDLINK_SENDER_VERIFICATION_FROM``, recorded under no account (an outbox shows them to no one)."""
    from brandlink.adapters.messaging.verification import ProviderCodeSender

    sender_id = _required(
        current.sender_verification_from, "BRANDLINK_SENDER_VERIFICATION_FROM", "verification codes are sent from it"
    )
    return ProviderCodeSender(provider(), sender_id)


@per_settings
def sender_ownership(current: Settings) -> SenderOwnership:
    """Who may send from an address: the claims, and the code sender when numbers are verified by code."""
    from brandlink.core.senders.actions import SenderOwnership

    return SenderOwnership(sender_claims(), code_sender if current.sender_verification_from else None)


def service_deletion_hooks() -> tuple[ServiceDeletionHook, ...]:
    """Run while a messaging service is deleted, before its pool goes: each detaches it from elsewhere.

    The domains feature's hook removes the service's ``service_domains`` row and its SID from the
    domain config's ``messaging_service_sids``.
    """
    from brandlink.core.domains.config import service_deletion_hook

    return (service_deletion_hook(domains()),)


def shortening_gate() -> Callable[[str, str], object]:
    """``(account_sid, service_sid)``: raises the 301xx error that keeps a service from shortening."""
    from brandlink.core.domains.shortening import shortening_domain_status

    return partial(shortening_domain_status, domains())


@per_settings
def message_ports(_current: Settings) -> MessagePorts:
    from brandlink.core.messaging.actions import MessagePorts

    return MessagePorts(
        messages=messages(),
        services=services(),
        senders=senders(),
        send_queue=send_queue(),
        scheduler=scheduler(),
        callbacks=callback_queue(),
        shortening=shortening_gate(),
        opt_outs=opt_outs(),
        admission=send_admission(),
    )


@per_settings
def sending_defaults(current: Settings) -> SendingDefaults:
    """The deployment's abuse-limit defaults (knobs ``defaultSendRate`` ...), for accounts without overrides."""
    from brandlink.core.accounts.limits import SendingDefaults, parse_countries

    return SendingDefaults(
        send_rate=current.default_send_rate,
        daily_segments=current.default_daily_segments,
        scheduled_cap=current.scheduled_cap,
        countries=parse_countries(current.default_send_countries),
    )


@per_settings
def segment_counts(_current: Settings) -> SegmentCounts:
    """Segments per account and UTC day, in the ``rate_limits`` table (shared by the API and dispatch)."""
    from brandlink.core.messaging.admission import DAY_SECONDS
    from brandlink.store.common.rate_limits import DynamoTokenWindows

    return DynamoTokenWindows("segments", window_seconds=DAY_SECONDS)


@per_settings
def send_admission(_current: Settings) -> SendAdmission:
    from brandlink.core.messaging.admission import SendAdmission
    from brandlink.store.common.rate_limits import DynamoTokenWindows

    return SendAdmission(defaults=sending_defaults(), windows=DynamoTokenWindows("send"), segments=segment_counts())


@per_settings
def dispatch_guard(_current: Settings) -> DispatchGuard:
    from brandlink.core.messaging.dispatch_guard import DispatchGuard

    return DispatchGuard(
        accounts=accounts(),
        senders=senders(),
        claims=sender_claims(),
        defaults=sending_defaults(),
        segments=segment_counts(),
    )


def domain_ports() -> DomainPorts:
    """Assembled per call (cheap): the DNS resolver, KMS sealer and job queue are built on first use."""
    from brandlink.core.domains.ports import DomainPorts

    return DomainPorts(
        domains=domains(),
        services=services(),
        dns=dns_resolver,
        sealer=certificate_sealer,
        certificate_jobs=certificate_jobs,
    )


@per_settings
def dispatcher(current: Settings) -> Dispatcher:
    from brandlink.core.messaging.delivery import RetryPolicy
    from brandlink.core.messaging.dispatch import Dispatcher
    from brandlink.core.messaging.mms_converter import MmsConverter
    from brandlink.core.messaging.sender_id_alert import SenderIdAlert, parse_registered
    from brandlink.core.senders.selection import ALPHA_SENDER_COUNTRIES

    countries = current.alpha_sender_countries
    return Dispatcher(
        messages=messages(),
        services=services(),
        senders=senders(),
        sticky=sticky_senders(),
        provider=provider(),
        send_queue=send_queue(),
        callbacks=callback_queue(),
        retry=RetryPolicy(max_attempts=current.send_max_attempts, base_delay_seconds=current.send_retry_base_seconds),
        links=link_shortener(),
        link_sends=send_counter(),
        alpha_sender_countries=frozenset(countries) if countries else ALPHA_SENDER_COUNTRIES,
        guard=dispatch_guard(),
        mms=MmsConverter(current.provider, link_shortener),
        opt_outs=opt_outs(),
        sender_id_alert=SenderIdAlert(
            parse_registered((current.registered_sender_ids or "").split(",")), _report_sender_id_warning
        ),
    )


def _report_sender_id_warning(warning: SenderIdWarning, message_sid: str) -> None:
    """The ``SenderIdNotRegistered`` metric (alarmed in the stack) and a warning line."""
    from aws_lambda_powertools import single_metric
    from aws_lambda_powertools.metrics import MetricUnit

    from brandlink.observability import logger, metrics

    # No Country dimension: the alarm watches one series per function; the country is in the log line.
    with single_metric(name="SenderIdNotRegistered", unit=MetricUnit.Count, value=1, namespace=metrics.namespace):
        pass
    logger.warning(
        f"sender ID {warning.sender_id} is not registered for {warning.country} (registration {warning.level}); "
        "the message was sent but may be blocked or its sender replaced",
        extra={"message_sid": message_sid, "sender_id": warning.sender_id, "country": warning.country},
    )


@per_settings
def receipt_processor(_current: Settings) -> ReceiptProcessor:
    """Applies delivery reports (the receipts function)."""
    from brandlink.core.messaging.receipts import ReceiptProcessor
    from brandlink.core.messaging.receipts_fallback import LongCodeFallback

    return ReceiptProcessor(
        messages=messages(),
        services=services(),
        callbacks=callback_queue(),
        fallback=LongCodeFallback(senders=senders(), send_queue=send_queue()),
    )


@per_settings
def sweeper(current: Settings) -> Sweeper:
    """Settles messages stuck in ``sending`` (the sweeper function)."""
    from datetime import timedelta

    from brandlink.core.messaging.sweeper import Sweeper
    from brandlink.store.messaging.messages import DynamoMessageRepository

    return Sweeper(
        messages=DynamoMessageRepository(),
        services=services(),
        callbacks=callback_queue(),
        sweep_after=timedelta(minutes=current.sweep_after_minutes),
    )


@per_settings
def certificate_worker(current: Settings) -> CertificateWorker:
    from brandlink.core.domains.certificate_install import CertificateWorker

    return CertificateWorker(
        domains=domains(),
        sealer=certificate_sealer,
        acm=acm,
        custom_domains=custom_domains,
        default_target=current.redirect_target,
    )
