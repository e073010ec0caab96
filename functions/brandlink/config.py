"""Typed configuration, read once from the environment.

In AWS the CDK stack sets these variables on every function; in local mode the runner sets
them before it imports any handler. Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from brandlink import resources


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"Environment variable {name} must be a whole number, got {raw!r}") from None


def _country_list(raw: str | None) -> tuple[str, ...] | None:
    """``"GB, de,FR"`` → ``("GB", "DE", "FR")``; unset or blank → None."""
    if raw is None or not raw.strip():
        return None
    return tuple(part.strip().upper() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    mode: str  # "local" or "aws"
    region: str
    tables: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    public_api_url: str | None = None
    redirect_target: str | None = None
    redirect_api_id: str | None = None  # the redirect HTTP API that short-domain API mappings point at
    certificate_key_arn: str | None = None  # KMS key that seals private keys on the certificates queue
    schedule_group: str = resources.SCHEDULE_GROUP_NAME
    scheduler_role_arn: str | None = None
    send_queue_arn: str | None = None
    alerts_topic_arn: str | None = None
    provider: str = "outbox"
    provider_secret_arn: str | None = None
    provider_config: str | None = None
    schedule_min_seconds: int = 300
    schedule_max_seconds: int = 35 * 24 * 3600
    scheduled_cap: int = 500_000
    retention_days: int = 400
    link_ttl_days: int = 90
    cert_expiry_window_days: int = 30
    shorten_rate_per_second: int = 2000
    slug_key: str | None = None
    slug_key_secret_arn: str | None = None
    token_key: str | None = None
    token_key_secret_arn: str | None = None
    send_dlq_arn: str | None = None  # where EventBridge Scheduler parks a schedule it could not deliver
    send_max_attempts: int = 4  # provider attempts per message for retryable failures
    send_retry_base_seconds: int = 30  # first retry delay; x4 per attempt, capped at 900 s
    alpha_sender_countries: tuple[str, ...] | None = None  # None: the built-in allow-list
    callback_timeout_seconds: int = 5

    @property
    def is_local(self) -> bool:
        return self.mode == "local"

    def table_name(self, logical: str) -> str:
        return self.tables[logical]

    def queue_url(self, logical: str) -> str:
        try:
            return self.queue_urls[logical]
        except KeyError:
            raise RuntimeError(f"Queue {logical!r} is not configured: set {resources.queue(logical).env_var}") from None


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        mode=env.get("BRANDLINK_MODE", "aws"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        tables={t.logical: env.get(t.env_var, t.default_name) for t in resources.TABLES},
        queue_urls={q.logical: env[q.env_var] for q in resources.QUEUES if env.get(q.env_var)},
        public_api_url=(env.get("BRANDLINK_PUBLIC_API_URL") or None),
        redirect_target=env.get("BRANDLINK_REDIRECT_TARGET") or None,
        redirect_api_id=env.get("BRANDLINK_REDIRECT_API_ID") or None,
        certificate_key_arn=env.get("BRANDLINK_CERTIFICATE_KEY_ARN") or None,
        schedule_group=env.get("BRANDLINK_SCHEDULE_GROUP", resources.SCHEDULE_GROUP_NAME),
        scheduler_role_arn=env.get("BRANDLINK_SCHEDULER_ROLE_ARN") or None,
        send_queue_arn=env.get("BRANDLINK_SEND_QUEUE_ARN") or None,
        alerts_topic_arn=env.get("BRANDLINK_ALERTS_TOPIC_ARN") or None,
        provider=env.get("BRANDLINK_PROVIDER", "outbox"),
        provider_secret_arn=env.get("BRANDLINK_PROVIDER_SECRET_ARN") or None,
        provider_config=env.get("BRANDLINK_PROVIDER_CONFIG") or None,
        schedule_min_seconds=_int(env, "BRANDLINK_SCHEDULE_MIN_SECONDS", 300),
        schedule_max_seconds=_int(env, "BRANDLINK_SCHEDULE_MAX_SECONDS", 35 * 24 * 3600),
        scheduled_cap=_int(env, "BRANDLINK_SCHEDULED_CAP", 500_000),
        retention_days=_int(env, "BRANDLINK_RETENTION_DAYS", 400),
        link_ttl_days=_int(env, "BRANDLINK_LINK_TTL_DAYS", 90),
        cert_expiry_window_days=_int(env, "BRANDLINK_CERT_EXPIRY_WINDOW_DAYS", 30),
        shorten_rate_per_second=_int(env, "BRANDLINK_SHORTEN_RATE_PER_SECOND", 2000),
        slug_key=env.get("BRANDLINK_SLUG_KEY") or None,
        slug_key_secret_arn=env.get("BRANDLINK_SLUG_KEY_SECRET_ARN") or None,
        token_key=env.get("BRANDLINK_TOKEN_KEY") or None,
        token_key_secret_arn=env.get("BRANDLINK_TOKEN_KEY_SECRET_ARN") or None,
        send_dlq_arn=env.get("BRANDLINK_SEND_DLQ_ARN") or None,
        send_max_attempts=_int(env, "BRANDLINK_SEND_MAX_ATTEMPTS", 4),
        send_retry_base_seconds=_int(env, "BRANDLINK_SEND_RETRY_BASE_SECONDS", 30),
        alpha_sender_countries=_country_list(env.get("BRANDLINK_ALPHA_SENDER_COUNTRIES")),
        callback_timeout_seconds=_int(env, "BRANDLINK_CALLBACK_TIMEOUT_SECONDS", 5),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings; tests call ``settings.cache_clear()`` after changing the env."""
    return load_settings()
