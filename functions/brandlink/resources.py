"""Declarative description of Brandlink's AWS resources: the one source of truth.

The CDK stack (``infra/``) and the local runner (``local/``) both build tables, queues,
functions and their triggers from these specs, so local mode cannot drift from AWS. A function is
declared before its handler exists (``built=False``): the stack deploys only ``FUNCTIONS``, the built
ones, so it never ships a function whose module is missing.
This module is pure data: no AWS SDK imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

KeyType = Literal["S", "N"]


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: str
    range_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    logical: str
    hash_key: str
    range_key: str | None = None
    attributes: dict[str, KeyType] = field(default_factory=dict)
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    description: str = ""

    @property
    def env_var(self) -> str:
        return f"BRANDLINK_TABLE_{self.logical.upper()}"

    @property
    def default_name(self) -> str:
        return f"brandlink-{self.logical.replace('_', '-')}"


@dataclass(frozen=True)
class QueueSpec:
    logical: str
    visibility_timeout_seconds: int
    max_receive_count: int = 5
    retention_days: int = 4
    description: str = ""

    @property
    def env_var(self) -> str:
        return f"BRANDLINK_QUEUE_{self.logical.upper()}_URL"

    @property
    def default_name(self) -> str:
        return f"brandlink-{self.logical.replace('_', '-')}"

    @property
    def dlq_name(self) -> str:
        return f"{self.default_name}-dlq"


@dataclass(frozen=True)
class QueueTrigger:
    queue: str
    batch_size: int = 10
    max_batching_window_seconds: int = 0


@dataclass(frozen=True)
class TableRead:
    """The only reads a function makes of ``table``: these DynamoDB ``actions`` (``GetItem``, ``Query``)
    on the table itself, or on its ``index`` only. Narrower than ``tables_read``, which allows every
    read action on the table and all its indexes."""

    table: str
    actions: tuple[str, ...]
    index: str | None = None


@dataclass(frozen=True)
class TableWrite:
    """The only writes a function makes to ``table``: these DynamoDB ``actions`` (``UpdateItem``).
    Narrower than ``tables_write``, which allows putting, updating and deleting any item."""

    table: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class FunctionSpec:
    logical: str
    handler: str
    description: str
    memory_mb: int = 512
    timeout_seconds: int = 15
    http_api: Literal["management", "redirect"] | None = None
    queue_trigger: QueueTrigger | None = None
    schedule_expression: str | None = None
    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()
    queues_send: tuple[str, ...] = ()
    # Extra capabilities the infra grants with least privilege (infra.permissions.CAPABILITY_GRANTS):
    # scheduler, acm, apigateway_domains, alerts_topic, metrics, provider_secret, provider_sms,
    # kms_certificates, token_decrypt (opens sealed auth tokens to sign webhooks), provider_verification
    # (sends number-verification codes through the provider, when senderVerificationFrom is set),
    # click_events (events:PutEvents on the clickEventBus bus, when that knob is set),
    # provider_receipts (reads the provider secret to check Twilio/webhook receipt signatures),
    # provider_inbound (reads the provider secret to check /v1/Inbound/* with twilio or webhook).
    capabilities: tuple[str, ...] = ()
    # Concurrent executions reserved (and capped) for the function; None: the account's pool.
    reserved_concurrency: int | None = None
    # Tables of tables_read that the function reads only this way (infra.permissions grants just that).
    only_reads: tuple[TableRead, ...] = ()
    # Tables of tables_write that the function writes only this way.
    only_writes: tuple[TableWrite, ...] = ()
    # Latency-critical: Lambda SnapStart (a published version and an alias) when the snapStart knob is on.
    snap_start: bool = False
    # Whether this build has the function's handler. A declared function that is not built yet is
    # left out of the stack (FUNCTIONS) and shown as "not in this build yet" by the local runner.
    built: bool = True


TABLES: tuple[TableSpec, ...] = (
    TableSpec("accounts", "sid", description="Accounts and their salted auth-token hashes."),
    TableSpec(
        "services",
        "account_sid",
        "sid",
        description="Messaging services (MG) per account.",
    ),
    TableSpec(
        "senders",
        "owner_sid",
        "sid",
        attributes={"account_sid": "S", "address": "S"},
        indexes=(IndexSpec("by_address", "account_sid", "address"),),
        description="Account-owned senders (PN/SC/AI) and service pool entries.",
    ),
    TableSpec(
        "sender_claims",
        "address",
        description="Which account holds each number and short code deployment-wide; alpha ID allow-lists.",
    ),
    TableSpec(
        "domains",
        "sid",
        attributes={"account_sid": "S", "domain_name": "S"},
        indexes=(IndexSpec("by_account", "account_sid", "sid"), IndexSpec("by_name", "domain_name")),
        ttl_attribute="expires_at",
        description="Link-shortening domains (DN) with certificate metadata and config; unverified ones expire.",
    ),
    TableSpec(
        "service_domains",
        "service_sid",
        description="Which domain config a messaging service belongs to (at most one).",
    ),
    TableSpec(
        "messages",
        "sid",
        attributes={"account_sid": "S", "created_key": "S", "sending_shard": "S", "sending_since": "S"},
        indexes=(
            IndexSpec("by_account", "account_sid", "created_key"),
            # Sparse: only messages in ``sending`` carry these keys; the sweeper reads this index only.
            IndexSpec("by_sending", "sending_shard", "sending_since"),
        ),
        ttl_attribute="expires_at",
        description="Messages (SM/MM); expire after the account's retention period.",
    ),
    TableSpec(
        "sticky_senders",
        "service_sid",
        "to",
        ttl_attribute="expires_at",
        description="Sticky sender To -> From mapping per service.",
    ),
    TableSpec(
        "links",
        "slug",
        attributes={"message_sid": "S", "position": "N", "service_sid": "S", "created_at": "N"},
        indexes=(
            IndexSpec("by_message", "message_sid", "position"),
            IndexSpec("by_service", "service_sid", "created_at"),
        ),
        ttl_attribute="expires_at",
        description=(
            "Short-link mappings, 90 days; by_message finds a message's links (a redelivered dispatch), "
            "by_service a service's links by send time (GET /v1/LinkShortening/Links)."
        ),
    ),
    TableSpec("counters", "name", description="Block allocation for the slug counter; never expires."),
    TableSpec(
        "rate_limits",
        "key",
        ttl_attribute="expires_at",
        description="Rate-limit token counts per key and second (link shortening per account); expire after an hour.",
    ),
    TableSpec(
        "clicks",
        "message_sid",
        "click_id",
        ttl_attribute="expires_at",
        description="Recorded click events; expire with message retention.",
    ),
    TableSpec(
        "opt_outs",
        "scope",
        "recipient",
        description="Recipients opted out (STOP) of a messaging service or of a sender in no service.",
    ),
    TableSpec(
        "opt_out_settings",
        "service_sid",
        description="Advanced Opt-Out keywords and replies per messaging service (absent: Twilio's defaults).",
    ),
    TableSpec(
        "click_stats",
        "pk",
        "sk",
        ttl_attribute="expires_at",
        description=(
            "Click analytics kept up to date as events arrive (docs/insights.md): sharded hourly counters, "
            "one first-click item per clicked message, per-link counts, sent-message markers."
        ),
    ),
    TableSpec("idempotency", "id", ttl_attribute="expiration", description="Powertools idempotency records."),
    TableSpec(
        "outbox",
        "account_sid",
        "sent_key",
        ttl_attribute="expires_at",
        description="What the outbox provider delivered (GET /v1/Outbox), newest first; expires with the message.",
    ),
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("send", visibility_timeout_seconds=90, description="Messages to dispatch now (and due schedules)."),
    QueueSpec("clicks", visibility_timeout_seconds=90, max_receive_count=8, description="Click events to post."),
    QueueSpec(
        "status_callbacks",
        visibility_timeout_seconds=90,
        max_receive_count=8,
        description="Status callbacks to post.",
    ),
    QueueSpec(
        "receipts",
        visibility_timeout_seconds=90,
        max_receive_count=8,
        description="Delivery receipts (End User Messaging events, Twilio and webhook receipts, the outbox carrier).",
    ),
    QueueSpec("certificates", visibility_timeout_seconds=180, description="Certificate installs (ACM + API GW)."),
    QueueSpec(
        "inbound",
        visibility_timeout_seconds=90,
        max_receive_count=8,
        description="Inbound messages from every provider (and End User Messaging's two-way SNS topic).",
    ),
)

ALL_TABLES = tuple(t.logical for t in TABLES)

DECLARED_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "api",
        "brandlink.handlers.api.handler",
        "Management API (Twilio-compatible).",
        memory_mb=1024,
        timeout_seconds=29,
        http_api="management",
        tables_read=ALL_TABLES,
        # Never links, clicks or idempotency (dispatch and the click worker write those); outbox only
        # for number-verification codes sent through the outbox provider.
        tables_write=(
            "accounts",
            "services",
            "senders",
            "sender_claims",
            "domains",
            "service_domains",
            "messages",
            "sticky_senders",
            "counters",
            "rate_limits",
            "outbox",
            "opt_out_settings",
        ),
        # Accounts are created, their tokens issued and their status set by the operator: the API only
        # renames one (UpdateItem), and can neither create nor delete an account.
        only_writes=(TableWrite("accounts", ("UpdateItem",)),),
        queues_send=("send", "certificates", "status_callbacks", "receipts", "inbound"),
        # provider_receipts / provider_inbound: the Twilio and webhook receipt and inbound endpoints check
        # signatures with the provider secret.
        capabilities=(
            "scheduler",
            "metrics",
            "kms_certificates",
            "provider_verification",
            "provider_receipts",
            "provider_inbound",
        ),
        snap_start=True,
    ),
    FunctionSpec(
        "redirect",
        "brandlink.handlers.redirect.handler",
        "Short-link redirects: one key read and one queue send.",
        memory_mb=1024,
        timeout_seconds=5,
        http_api="redirect",
        tables_read=("links", "domains"),
        # One GetItem of a link per tap; a domain's fallback URL by name (core.links.redirect).
        only_reads=(TableRead("links", ("GetItem",)), TableRead("domains", ("Query",), index="by_name")),
        queues_send=("clicks",),
        capabilities=("metrics",),
        snap_start=True,
    ),
    FunctionSpec(
        "dispatch",
        "brandlink.handlers.dispatch.handler",
        "Sends queued and due scheduled messages exactly once.",
        timeout_seconds=60,
        queue_trigger=QueueTrigger("send", batch_size=10),
        tables_read=ALL_TABLES,
        tables_write=(
            "messages",
            "sticky_senders",
            "links",
            "counters",
            "rate_limits",
            "outbox",
            "click_stats",
        ),
        queues_send=("status_callbacks", "send"),
        capabilities=("metrics", "provider_secret", "provider_sms", "scheduler"),
    ),
    FunctionSpec(
        "clicks",
        "brandlink.handlers.clicks.handler",
        "Posts signed click events to the domain callback and records them.",
        timeout_seconds=60,
        # No batching window: a click reaches its callback as soon as it is queued (latency goal).
        queue_trigger=QueueTrigger("clicks", batch_size=10),
        tables_read=("accounts", "domains", "messages", "links", "clicks", "click_stats"),
        tables_write=("clicks", "click_stats"),
        capabilities=("metrics", "token_decrypt", "click_events"),
    ),
    FunctionSpec(
        "status_callbacks",
        "brandlink.handlers.status_callbacks.handler",
        "Posts signed status callbacks.",
        timeout_seconds=60,
        queue_trigger=QueueTrigger("status_callbacks", batch_size=10),
        tables_read=("accounts",),
        capabilities=("metrics", "token_decrypt"),
    ),
    FunctionSpec(
        "receipts",
        "brandlink.handlers.receipts.handler",
        "Applies delivery receipts: forward-only status changes, their status callbacks, Fallback to Long Code.",
        timeout_seconds=60,
        queue_trigger=QueueTrigger("receipts", batch_size=10),
        tables_read=("messages", "services", "senders"),
        tables_write=("messages",),
        queues_send=("status_callbacks", "send"),
        capabilities=("metrics",),
    ),
    FunctionSpec(
        "sweeper",
        "brandlink.handlers.sweeper.handler",
        "Settles messages stuck in sending (a crash between the provider call and the final write).",
        timeout_seconds=120,
        schedule_expression="rate(5 minutes)",
        tables_read=("messages", "services"),
        tables_write=("messages",),
        only_reads=(TableRead("messages", ("Query",), index="by_sending"),),  # the index projects whole items
        queues_send=("status_callbacks",),
        capabilities=("metrics",),
    ),
    FunctionSpec(
        "inbound",
        "brandlink.handlers.inbound.handler",
        "Records inbound messages, applies opt-out keywords, posts the signed inbound webhook, sends TwiML replies.",
        timeout_seconds=60,
        queue_trigger=QueueTrigger("inbound", batch_size=10),
        tables_read=("accounts", "sender_claims", "senders", "services", "messages", "opt_outs", "opt_out_settings"),
        tables_write=("messages", "opt_outs"),
        queues_send=("send",),
        capabilities=("metrics", "token_decrypt"),
    ),
    FunctionSpec(
        "certificates",
        "brandlink.handlers.certificates.handler",
        "Imports uploaded certificates into ACM and wires API Gateway custom domains.",
        timeout_seconds=120,
        queue_trigger=QueueTrigger("certificates", batch_size=1),
        tables_read=("domains",),
        tables_write=("domains",),
        capabilities=("acm", "apigateway_domains", "kms_certificates", "metrics"),
        # One install at a time: two concurrent re-imports into a domain's ACM ARN could finish in
        # the wrong order. Uploads are rare, so serial installs cost nothing.
        reserved_concurrency=1,
    ),
    FunctionSpec(
        "cert_expiry",
        "brandlink.handlers.cert_expiry.handler",
        "Daily check for certificates about to expire (30131).",
        timeout_seconds=120,
        schedule_expression="rate(1 day)",
        tables_read=("domains", "accounts"),
        tables_write=("domains",),
        capabilities=("metrics", "alerts_topic"),
    ),
)

FUNCTIONS: tuple[FunctionSpec, ...] = tuple(spec for spec in DECLARED_FUNCTIONS if spec.built)
"""The functions the stack deploys: the declared ones whose handler is in this build
(tests/unit/test_handler_imports.py imports each; tests/infra/test_stack.py checks the others are absent)."""

SCHEDULE_GROUP_NAME = "brandlink"


def table(logical: str) -> TableSpec:
    return next(t for t in TABLES if t.logical == logical)


def queue(logical: str) -> QueueSpec:
    return next(q for q in QUEUES if q.logical == logical)
