"""Typed configuration, read once from the environment through the knob table (``brandlink.knobs``).

In AWS the CDK stack sets these variables on every function; in local mode the runner sets them
before it imports any handler. Nothing else in the package reads ``os.environ``. A variable whose
value its knob refuses stops the function at its first use of the settings, with a sentence naming
the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from brandlink import knobs, resources


@dataclass(frozen=True)
class Settings:
    """One field per knob with an environment variable (``brandlink.knobs``: name, default, parser,
    meaning), plus the tables and queues of ``brandlink.resources``. tests/unit/test_knobs.py keeps
    the fields and the knobs in step."""

    tables: dict[str, str]
    queue_urls: dict[str, str]
    mode: str
    region: str
    provider: str
    provider_secret_arn: str | None
    provider_config: str | None
    schedule_min_seconds: int
    schedule_max_seconds: int
    scheduled_cap: int
    default_send_rate: int
    default_daily_segments: int
    default_send_countries: str
    retention_days: int
    link_ttl_days: int
    cert_expiry_window_days: int
    shorten_rate_per_second: int
    public_api_url: str | None
    send_max_attempts: int
    alpha_sender_countries: tuple[str, ...] | None
    registered_sender_ids: str | None
    sender_verification_from: str | None
    domain_verification_days: int
    legacy_token_key_secret_arn: str | None
    click_event_bus: str | None
    redirect_target: str | None
    redirect_api_id: str | None
    certificate_key_arn: str | None
    schedule_group: str
    scheduler_role_arn: str | None
    send_queue_arn: str | None
    send_dlq_arn: str | None
    alerts_topic_arn: str | None
    slug_key: str | None
    short_link_port: int | None
    slug_key_secret_arn: str | None
    token_key_arn: str | None
    send_retry_base_seconds: int
    callback_timeout_seconds: int
    callback_retry_base_seconds: int
    callback_retry_max_seconds: int
    sweep_after_minutes: int

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


KNOB_FIELDS = tuple(field.name for field in fields(Settings) if field.name not in ("tables", "queue_urls"))


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    values = dict(os.environ if env is None else env)
    settings: dict[str, Any] = {name: knobs.read(knobs.knob(name), values) for name in KNOB_FIELDS}
    return Settings(
        tables={t.logical: values.get(t.env_var, t.default_name) for t in resources.TABLES},
        queue_urls={q.logical: values[q.env_var] for q in resources.QUEUES if values.get(q.env_var)},
        **settings,
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings; tests call ``settings.cache_clear()`` after changing the env."""
    return load_settings()
