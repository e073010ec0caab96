"""Every deployment setting, declared once: its environment variable, CDK context key, default and parser.

Pure data (no AWS SDK, no CDK): ``brandlink.config`` reads the functions' settings from the
environment through this table; ``infra.settings`` reads the CDK context through it and turns the
values into the functions' environment; ``cdk.json``'s context defaults and docs/configuration.md
are checked against it by tests (tests/infra/test_settings.py, tests/unit/test_knobs.py).

A knob has an environment variable (what a function reads), a context key (what an operator sets
with ``cdk -c`` or in ``cdk.json``), or both. Values arrive as text (environment, ``-c``) or as
JSON (``cdk.json``); every parser accepts both and raises ``KnobError`` with the end of a sentence
("must be a whole number, got 'soon'.") that the reader prefixes with the knob's name. The parsers
are plain classes, not dataclasses: every cold start reads this module, and generated methods cost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brandlink import resources

PROVIDERS = ("outbox", "sms", "sns", "twilio", "webhook")
PROVIDERS_NEEDING_SECRET = ("twilio",)
# EventBridge Scheduler's default quota is one million schedules per account and Region.
SCHEDULER_QUOTA = 1_000_000
MAX_DAYS = 3653
# The retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545),
    *(731, 1096, 1827, 2192, 2557, 2922, 3288, 3653),
)


class KnobError(ValueError):
    """A value a knob cannot take; the message ends a sentence that starts with the knob's name."""


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise KnobError(f"must be a string, got {raw!r}.")
    return raw.strip()


class Text:
    """Free text, optionally matching ``pattern`` (``must`` says what it must do, after "must");
    blank means "not set" (None) unless ``required`` gives the sentence end that refuses it."""

    def __init__(self, pattern: str | None = None, must: str = "", *, required: str | None = None) -> None:
        self.pattern, self.must, self.required = pattern, must, required

    def __call__(self, raw: object) -> str | None:
        value = _text(raw)
        if not value:
            if self.required is not None:
                raise KnobError(self.required)
            return None
        if self.pattern is not None and not re.match(self.pattern, value):
            raise KnobError(f"must {self.must}, got {value!r}.")
        return value

    def render(self, value: str) -> str:
        return value


class WholeNumber:
    """A whole number from ``minimum`` to ``maximum``; with ``allowed``, one of those only."""

    def __init__(self, minimum: int, maximum: int, allowed: tuple[int, ...] = (), allowed_doc: str = "") -> None:
        self.minimum, self.maximum, self.allowed, self.allowed_doc = minimum, maximum, allowed, allowed_doc

    def __call__(self, raw: object) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise KnobError(f"must be a whole number, got {raw!r}.")
        try:
            value = int(raw)
        except ValueError:
            raise KnobError(f"must be a whole number, got {raw!r}.") from None
        if not self.minimum <= value <= self.maximum:
            raise KnobError(f"must be between {self.minimum} and {self.maximum}, got {value}.")
        if self.allowed and value not in self.allowed:
            raise KnobError(
                f"must be one {self.allowed_doc} accepts ({', '.join(map(str, self.allowed))}), got {value}."
            )
        return value

    def render(self, value: int) -> str:
        return str(value)


class Choice:
    """One of ``options``, in any case."""

    def __init__(self, options: tuple[str, ...]) -> None:
        self.options = options

    def __call__(self, raw: object) -> str:
        value = _text(raw).lower()
        if value not in self.options:
            raise KnobError(f"must be one of {', '.join(self.options)}, got {value!r}.")
        return value

    def render(self, value: str) -> str:
        return value


class JsonObject:
    """A JSON object (an object in ``cdk.json``, JSON text elsewhere), kept as compact, sorted JSON."""

    def __call__(self, raw: object) -> str | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise KnobError("must be a JSON object, got text that is not JSON.") from None
        if not isinstance(raw, dict):
            raise KnobError(f"must be a JSON object, got {raw!r}.")
        return json.dumps(raw, separators=(",", ":"), sort_keys=True)

    def render(self, value: str) -> str:
        return value


class CountryList:
    """Comma-separated ISO 3166-1 alpha-2 codes (``GB,DE,FR``; spaces and case do not matter)."""

    def __call__(self, raw: object) -> tuple[str, ...] | None:
        codes = tuple(part.strip().upper() for part in _text(raw).split(",") if part.strip())
        if not codes:
            return None
        if not all(re.fullmatch(r"[A-Z]{2}", code) for code in codes):
            raise KnobError(f"must be comma-separated ISO country codes such as GB,DE,FR, got {raw!r}.")
        return codes

    def render(self, value: tuple[str, ...]) -> str:
        return ",".join(value)


class Flag:
    """True or false: a JSON boolean (``cdk.json``) or the text ``true``/``false`` (``-c``), any case."""

    def __call__(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        value = _text(raw).lower()
        if value not in ("true", "false"):
            raise KnobError(f"must be true or false, got {raw!r}.")
        return value == "true"

    def render(self, value: bool) -> str:
        return "true" if value else "false"


Parser = Text | WholeNumber | Choice | JsonObject | CountryList | Flag


@dataclass(frozen=True)
class Knob:
    """One setting. ``field`` names it in ``brandlink.config.Settings`` (functions) and
    ``infra.settings.DeploymentSettings`` (the stack); ``env`` is the variable a function reads
    (``also_env``: older names read when it is unset); ``context`` the CDK context key, when an
    operator sets it; ``default`` the value when nothing is set (as the context default too)."""

    field: str
    doc: str
    parse: Parser
    default: Any = None
    env: str | None = None
    context: str | None = None
    also_env: tuple[str, ...] = ()

    @property
    def context_default(self) -> Any:
        """What ``cdk.json`` holds for the knob: the default, or "" for an unset optional one."""
        return "" if self.default is None else self.default


_ARN = r"^arn:aws[a-z-]*:"
STACK_NAME = r"^[A-Za-z][A-Za-z0-9-]{0,127}$"
SECRET_ARN = _ARN + r"secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
HTTPS_URL = r"^https://[A-Za-z0-9.-]+(:\d+)?(/[^\s]*)?$"
_STACK_NAME_RULE = "start with a letter and hold only letters, digits and hyphens (at most 128)"

KNOBS: tuple[Knob, ...] = (
    # ---- deployment knobs: CDK context values, most of them passed on to the functions -----------
    Knob(
        "stack_name",
        "the CloudFormation stack name; `--stack` of the operator command `brandlink` takes this name",
        Text(STACK_NAME, _STACK_NAME_RULE, required=f"must {_STACK_NAME_RULE}, got ''."),
        "Brandlink",
        context="stackName",
    ),
    Knob(
        "lambda_asset_dir",
        "the folder `make assets` builds the functions' code into, relative to the project root",
        Text(required="must name the Lambda asset folder (default build/lambda)."),
        "build/lambda",
        context="lambdaAssetDir",
    ),
    Knob(
        "provider",
        "how messages are delivered: outbox, sms, sns, twilio or webhook (docs/messages.md)",
        Choice(PROVIDERS),
        "outbox",
        env="BRANDLINK_PROVIDER",
        context="provider",
    ),
    Knob(
        "provider_secret_arn",
        "the Secrets Manager secret holding the provider's credentials (required by twilio)",
        Text(SECRET_ARN, "be the full ARN of a Secrets Manager secret"),
        env="BRANDLINK_PROVIDER_SECRET_ARN",
        context="providerSecretArn",
    ),
    Knob(
        "provider_config",
        "the provider's settings that are not secret, a JSON object",
        JsonObject(),
        env="BRANDLINK_PROVIDER_CONFIG",
        context="providerConfig",
    ),
    Knob(
        "schedule_min_seconds",
        "the earliest SendAt, in seconds from now",
        WholeNumber(1, 366 * 86400),
        300,
        env="BRANDLINK_SCHEDULE_MIN_SECONDS",
        context="scheduleMinSeconds",
    ),
    Knob(
        "schedule_max_seconds",
        "the latest SendAt, in seconds from now (35 days)",
        WholeNumber(1, 366 * 86400),
        35 * 24 * 3600,
        env="BRANDLINK_SCHEDULE_MAX_SECONDS",
        context="scheduleMaxSeconds",
    ),
    Knob(
        "scheduled_cap",
        "the most messages scheduled at once per account (one EventBridge schedule each)",
        WholeNumber(1, SCHEDULER_QUOTA),
        500_000,
        env="BRANDLINK_SCHEDULED_CAP",
        context="scheduledMessageCap",
    ),
    Knob(
        "default_send_rate",
        "messages an account may create per second (send-now and scheduled), unless the operator set its own "
        "(brandlink set-limits --send-rate); over it 20429",
        WholeNumber(1, 100_000),
        100,
        env="BRANDLINK_DEFAULT_SEND_RATE",
        context="defaultSendRate",
    ),
    Knob(
        "default_daily_segments",
        "segments an account may send per UTC day, unless the operator set its own (--daily-segments); over it 30023",
        WholeNumber(1, 1_000_000_000),
        2_000_000,
        env="BRANDLINK_DEFAULT_DAILY_SEGMENTS",
        context="defaultDailySegments",
    ),
    Knob(
        "default_send_countries",
        "destination countries an account may send to (comma-separated ISO codes, or * for all), unless the "
        "operator set its own (--countries); elsewhere 21408",
        Text(r"^(\*|[A-Za-z]{2}( *, *[A-Za-z]{2})*)$", "be comma-separated ISO country codes such as US,CA, or *"),
        "US,CA",
        env="BRANDLINK_DEFAULT_SEND_COUNTRIES",
        context="defaultSendCountries",
    ),
    Knob(
        "retention_days",
        "default message retention (TTL of messages and their clicks), in days",
        WholeNumber(1, MAX_DAYS),
        400,
        env="BRANDLINK_RETENTION_DAYS",
        context="retentionDays",
    ),
    Knob(
        "link_ttl_days",
        "how long a short link redirects, in days",
        WholeNumber(1, MAX_DAYS),
        90,
        env="BRANDLINK_LINK_TTL_DAYS",
        context="linkTtlDays",
    ),
    Knob(
        "cert_expiry_window_days",
        "the daily check warns (30131) about certificates expiring within this many days",
        WholeNumber(1, 365),
        30,
        env="BRANDLINK_CERT_EXPIRY_WINDOW_DAYS",
        context="certExpiryWindowDays",
    ),
    Knob(
        "shorten_rate_per_second",
        "link-shortening requests per account per second (messages with links to shorten); over it 20429",
        WholeNumber(1, 1_000_000),
        2000,
        env="BRANDLINK_SHORTEN_RATE_PER_SECOND",
        context="shortenRatePerSecond",
    ),
    Knob(
        "alarm_email",
        "where alarms are mailed (an e-mail subscription on the alerts topic)",
        Text(EMAIL, "be an e-mail address"),
        context="alarmEmail",
    ),
    Knob(
        "log_retention_days",
        "retention of every function's log group and both API access-log groups, in days",
        WholeNumber(1, MAX_DAYS, LOG_RETENTION_DAYS, "CloudWatch Logs"),
        90,
        context="logRetentionDays",
    ),
    Knob(
        "snap_start",
        "Lambda SnapStart on the functions whose spec asks for it (the redirect and the API): a published "
        "version and a `live` alias that their HTTP API calls",
        Flag(),
        True,
        context="snapStart",
    ),
    Knob(
        "public_api_url",
        "the https:// URL the management API is published under, for v1 `url` fields",
        Text(HTTPS_URL, "be an https:// URL"),
        env="BRANDLINK_PUBLIC_API_URL",
        context="publicApiUrl",
    ),
    Knob(
        "send_max_attempts",
        "provider calls per message for failures that certainly did not deliver",
        WholeNumber(1, 10),
        4,
        env="BRANDLINK_SEND_MAX_ATTEMPTS",
        context="sendMaxAttempts",
    ),
    Knob(
        "alpha_sender_countries",
        "countries where an alphanumeric sender ID may be used; unset, the built-in allow-list",
        CountryList(),
        env="BRANDLINK_ALPHA_SENDER_COUNTRIES",
        context="alphaSenderCountries",
    ),
    Knob(
        "registered_sender_ids",
        "alphanumeric sender IDs registered per country, ID:CC pairs (ACME:IN,ACME:SA; ID:* for every country); "
        "others sent where registration is required or recommended raise the SenderIdNotRegistered warning",
        Text(r"^[A-Za-z0-9 ]{1,11}:([A-Za-z]{2}|\*)(,[A-Za-z0-9 ]{1,11}:([A-Za-z]{2}|\*))*$", "be ID:CC pairs"),
        env="BRANDLINK_REGISTERED_SENDER_IDS",
        context="registeredSenderIds",
    ),
    Knob(
        "sender_verification_from",
        "the sender ID (+E164 or 1-11 letters/digits) number-verification codes are sent from; unset, only "
        "the operator assigns numbers (brandlink assign-sender)",
        Text(r"^(\+[1-9][0-9]{1,14}|[A-Za-z0-9 ]{1,11})$", "be an E.164 number or an alphanumeric sender ID"),
        env="BRANDLINK_SENDER_VERIFICATION_FROM",
        context="senderVerificationFrom",
    ),
    Knob(
        "domain_verification_days",
        "how long an unverified link-shortening domain registration lives, in days; the first account to "
        "verify a name holds it",
        WholeNumber(1, 90),
        7,
        env="BRANDLINK_DOMAIN_VERIFICATION_DAYS",
        context="domainVerificationDays",
    ),
    Knob(
        "legacy_token_key_secret_arn",
        "while upgrading a deployment from before per-account secrets: its old token master key secret, "
        "so webhooks of accounts not yet migrated (`brandlink migrate-tokens`) are still signed",
        Text(SECRET_ARN, "be the full ARN of a Secrets Manager secret"),
        env="BRANDLINK_LEGACY_TOKEN_KEY_SECRET_ARN",
        context="legacyTokenKeySecretArn",
    ),
    Knob(
        "click_event_bus",
        "also put every click event on this EventBridge bus (Source brandlink, DetailType Link Clicked): "
        "`default`, a bus name or a bus ARN; unset, no EventBridge",
        Text(
            r"^(arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256}|[A-Za-z0-9._-]{1,256})$",
            "be default, an event bus name or an event bus ARN",
        ),
        env="BRANDLINK_CLICK_EVENT_BUS",
        context="clickEventBus",
    ),
    # ---- the functions' own settings: the stack sets them from what it creates; no context key ----
    Knob("mode", "local (make run, tests) or aws", Choice(("local", "aws")), "aws", env="BRANDLINK_MODE"),
    Knob(
        "region",
        "the AWS Region of every client",
        Text(),
        "us-east-1",
        env="AWS_REGION",
        also_env=("AWS_DEFAULT_REGION",),
    ),
    Knob(
        "redirect_target",
        "the redirect API's host name: where short domains' CNAMEs point",
        Text(),
        env="BRANDLINK_REDIRECT_TARGET",
    ),
    Knob(
        "redirect_api_id",
        "the redirect HTTP API that each short domain's custom domain is mapped to",
        Text(),
        env="BRANDLINK_REDIRECT_API_ID",
    ),
    Knob(
        "certificate_key_arn",
        "the KMS key that seals uploaded private keys on the certificates queue",
        Text(),
        env="BRANDLINK_CERTIFICATE_KEY_ARN",
    ),
    Knob(
        "schedule_group",
        "the EventBridge Scheduler group of the messages' one-time schedules",
        Text(),
        resources.SCHEDULE_GROUP_NAME,
        env="BRANDLINK_SCHEDULE_GROUP",
    ),
    Knob(
        "scheduler_role_arn",
        "the role EventBridge Scheduler assumes to send to the send queue",
        Text(),
        env="BRANDLINK_SCHEDULER_ROLE_ARN",
    ),
    Knob("send_queue_arn", "the send queue: every schedule's target", Text(), env="BRANDLINK_SEND_QUEUE_ARN"),
    Knob(
        "send_dlq_arn",
        "the send queue's DLQ: where EventBridge Scheduler parks a schedule it could not deliver",
        Text(),
        env="BRANDLINK_SEND_DLQ_ARN",
    ),
    Knob("alerts_topic_arn", "the SNS topic of operator alerts", Text(), env="BRANDLINK_ALERTS_TOPIC_ARN"),
    Knob("slug_key", "the slug permutation key itself (local mode only)", Text(), env="BRANDLINK_SLUG_KEY"),
    Knob(
        "short_link_port",
        "local mode only: the local links gateway's port; short links become http://{domain}:{port}/{slug}",
        WholeNumber(1, 65535),
        env="BRANDLINK_SHORT_LINK_PORT",
    ),
    Knob(
        "slug_key_secret_arn",
        "the secret holding the slug key (functions that write links)",
        Text(),
        env="BRANDLINK_SLUG_KEY_SECRET_ARN",
    ),
    Knob(
        "token_key_arn",
        "the KMS key auth tokens are sealed with (the operator encrypts, the signing functions decrypt)",
        Text(),
        env="BRANDLINK_TOKEN_KEY_ARN",
    ),
    Knob(
        "send_retry_base_seconds",
        "the first retry delay of a retryable provider failure (x4 per attempt, at most 900 s)",
        WholeNumber(0, 900),
        30,
        env="BRANDLINK_SEND_RETRY_BASE_SECONDS",
    ),
    Knob(
        "callback_timeout_seconds",
        "how long a status-callback or click-event post waits for the receiver",
        WholeNumber(1, 60),
        5,
        env="BRANDLINK_CALLBACK_TIMEOUT_SECONDS",
    ),
    Knob(
        "callback_retry_base_seconds",
        "the first retry delay of a click-event post that failed (x4 per attempt, at most 3600 s)",
        WholeNumber(0, 3600),
        5,
        env="BRANDLINK_CALLBACK_RETRY_BASE_SECONDS",
    ),
    Knob(
        "callback_retry_max_seconds",
        "the longest retry delay of a click-event post (SQS allows 12 hours)",
        WholeNumber(1, 43_200),
        3600,
        env="BRANDLINK_CALLBACK_RETRY_MAX_SECONDS",
    ),
    Knob(
        "sweep_after_minutes",
        "how long a message may stay sending before the sweeper settles it as failed (30008); longer than "
        "the longest retry delay (15 min)",
        WholeNumber(20, 1440),
        30,
        env="BRANDLINK_SWEEP_AFTER_MINUTES",
    ),
)

BY_FIELD = {knob.field: knob for knob in KNOBS}
CONTEXT_KNOBS = tuple(knob for knob in KNOBS if knob.context)
ENV_KNOBS = tuple(knob for knob in KNOBS if knob.env)


def knob(field_name: str) -> Knob:
    return BY_FIELD[field_name]


def read(env_knob: Knob, env: Mapping[str, str]) -> Any:
    """The knob's value from the environment ``env``: the default when unset or blank."""
    assert env_knob.env is not None
    for name in (env_knob.env, *env_knob.also_env):
        raw = env.get(name)
        if raw is not None and raw.strip():
            try:
                return env_knob.parse(raw)
            except KnobError as exc:
                raise RuntimeError(f"Environment variable {name} {exc}") from None
    return env_knob.default
