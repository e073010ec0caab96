"""Deployment knobs: CDK context values, validated once at synth, through the knob table.

Every knob (context key, default, parser, the environment variable it becomes) is declared once in
``brandlink.knobs``; this module reads the context with it, adds the checks that involve two knobs,
and turns the values into the functions' environment. ``cdk.json`` holds the same defaults (a test
keeps them equal). Values given with ``cdk -c key=value`` arrive as strings, values from ``cdk.json``
as JSON; every parser accepts both. Anything invalid stops the synth with a sentence naming the knob.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs

from brandlink import knobs

LOG_RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}

DEFAULTS: dict[str, Any] = {knob.context: knob.context_default for knob in knobs.CONTEXT_KNOBS if knob.context}
"""The context defaults, as ``cdk.json`` must hold them."""


class ContextError(ValueError):
    """A CDK context value is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class DeploymentSettings:
    """One field per knob with a context key (``brandlink.knobs``), plus the log retention as CDK's enum."""

    stack_name: str
    lambda_asset_dir: str
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
    alarm_email: str | None
    log_retention_days: int
    snap_start: bool
    public_api_url: str | None
    send_max_attempts: int
    alpha_sender_countries: tuple[str, ...] | None
    registered_sender_ids: str | None
    sender_verification_from: str | None
    domain_verification_days: int
    legacy_token_key_secret_arn: str | None
    click_event_bus: str | None

    @property
    def log_retention(self) -> logs.RetentionDays:
        return LOG_RETENTION[self.log_retention_days]

    def function_environment(self) -> dict[str, str]:
        """The variables ``brandlink.config`` reads that come straight from the knobs (unset ones left out)."""
        env = {}
        for knob in knobs.CONTEXT_KNOBS:
            value = getattr(self, knob.field)
            if knob.env and value is not None and value != "":
                env[knob.env] = knob.parse.render(value)
        return env


def _read(values: Mapping[str, Any], knob: knobs.Knob) -> Any:
    assert knob.context is not None
    try:
        return knob.parse(values.get(knob.context, knob.default))
    except knobs.KnobError as exc:
        raise ContextError(f"Context value {knob.context} {exc}") from None


def load_deployment_settings(context: Callable[[str], Any] | Mapping[str, Any]) -> DeploymentSettings:
    """Read and validate every knob; ``context`` is ``node.try_get_context`` or a plain mapping."""
    raw = context if isinstance(context, Mapping) else {key: context(key) for key in DEFAULTS}
    values = {key: value for key, value in raw.items() if value is not None}
    read = {knob.field: _read(values, knob) for knob in knobs.CONTEXT_KNOBS}
    if read["provider"] in knobs.PROVIDERS_NEEDING_SECRET and not read["provider_secret_arn"]:
        raise ContextError(
            f"Provider {read['provider']} needs its credentials: set providerSecretArn to a Secrets Manager ARN."
        )
    if read["schedule_min_seconds"] >= read["schedule_max_seconds"]:
        raise ContextError(
            f"Context value scheduleMinSeconds ({read['schedule_min_seconds']}) must be below "
            f"scheduleMaxSeconds ({read['schedule_max_seconds']})."
        )
    return DeploymentSettings(**read)
