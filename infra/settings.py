"""Deployment knobs: CDK context values, validated once at synth.

Each knob has a default here and the same default in ``cdk.json`` (a test keeps them equal).
Values given with ``cdk -c key=value`` arrive as strings, values from ``cdk.json`` as JSON, so
every reader accepts both. Anything invalid stops the synth with a sentence naming the knob.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_logs as logs

PROVIDERS = ("outbox", "sms", "sns", "twilio", "webhook")
PROVIDERS_NEEDING_SECRET = ("twilio",)
# EventBridge Scheduler's default quota is one million schedules per account and Region.
SCHEDULER_QUOTA = 1_000_000
MAX_DAYS = 3653
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[^\s]*)?$")

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

DEFAULTS: dict[str, Any] = {
    "stackName": "Brandlink",
    "lambdaAssetDir": "build/lambda",
    "provider": "outbox",
    "providerSecretArn": "",
    "providerConfig": "",
    "scheduleMinSeconds": 300,
    "scheduleMaxSeconds": 3_024_000,
    "scheduledMessageCap": 500_000,
    "retentionDays": 400,
    "linkTtlDays": 90,
    "certExpiryWindowDays": 30,
    "shortenRatePerSecond": 2000,
    "alarmEmail": "",
    "logRetentionDays": 90,
    "publicApiUrl": "",
    "sendMaxAttempts": 4,
    "alphaSenderCountries": "",
}
ALPHA_COUNTRIES = re.compile(r"^[A-Z]{2}(,[A-Z]{2})*$")


class ContextError(ValueError):
    """A CDK context value is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class DeploymentSettings:
    stack_name: str
    lambda_asset_dir: str
    provider: str
    provider_secret_arn: str | None
    provider_config: str | None
    schedule_min_seconds: int
    schedule_max_seconds: int
    scheduled_message_cap: int
    retention_days: int
    link_ttl_days: int
    cert_expiry_window_days: int
    shorten_rate_per_second: int
    alarm_email: str | None
    log_retention: logs.RetentionDays
    public_api_url: str | None
    send_max_attempts: int = 4
    alpha_sender_countries: str | None = None

    def function_environment(self) -> dict[str, str]:
        """The variables brandlink.config reads that come straight from the knobs."""
        env = {
            "BRANDLINK_PROVIDER": self.provider,
            "BRANDLINK_SCHEDULE_MIN_SECONDS": str(self.schedule_min_seconds),
            "BRANDLINK_SCHEDULE_MAX_SECONDS": str(self.schedule_max_seconds),
            "BRANDLINK_SCHEDULED_CAP": str(self.scheduled_message_cap),
            "BRANDLINK_RETENTION_DAYS": str(self.retention_days),
            "BRANDLINK_LINK_TTL_DAYS": str(self.link_ttl_days),
            "BRANDLINK_CERT_EXPIRY_WINDOW_DAYS": str(self.cert_expiry_window_days),
            "BRANDLINK_SHORTEN_RATE_PER_SECOND": str(self.shorten_rate_per_second),
            "BRANDLINK_SEND_MAX_ATTEMPTS": str(self.send_max_attempts),
        }
        optional = {
            "BRANDLINK_PROVIDER_SECRET_ARN": self.provider_secret_arn,
            "BRANDLINK_PROVIDER_CONFIG": self.provider_config,
            "BRANDLINK_PUBLIC_API_URL": self.public_api_url,
            "BRANDLINK_ALPHA_SENDER_COUNTRIES": self.alpha_sender_countries,
        }
        env.update({name: value for name, value in optional.items() if value})
        return env


def _text(context: Mapping[str, Any], key: str) -> str:
    value = context.get(key, DEFAULTS[key])
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContextError(f"Context value {key} must be a string, got {value!r}.")
    return value.strip()


def _matching(context: Mapping[str, Any], key: str, pattern: re.Pattern[str], expected: str) -> str | None:
    value = _text(context, key)
    if not value:
        return None
    if not pattern.match(value):
        raise ContextError(f"Context value {key} must be {expected}, got {value!r}.")
    return value


def _whole_number(context: Mapping[str, Any], key: str, minimum: int, maximum: int) -> int:
    raw = context.get(key, DEFAULTS[key])
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ContextError(f"Context value {key} must be a whole number, got {raw!r}.")
    try:
        value = int(raw)
    except ValueError:
        raise ContextError(f"Context value {key} must be a whole number, got {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise ContextError(f"Context value {key} must be between {minimum} and {maximum}, got {value}.")
    return value


def _provider(context: Mapping[str, Any]) -> str:
    provider = _text(context, "provider").lower()
    if provider not in PROVIDERS:
        raise ContextError(f"Context value provider must be one of {', '.join(PROVIDERS)}, got {provider!r}.")
    return provider


def _provider_config(context: Mapping[str, Any]) -> str | None:
    raw = context.get("providerConfig", DEFAULTS["providerConfig"])
    if raw in (None, ""):
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ContextError(
                "Context value providerConfig must be a JSON object, got text that is not JSON."
            ) from None
    if not isinstance(raw, dict):
        raise ContextError(f"Context value providerConfig must be a JSON object, got {raw!r}.")
    return json.dumps(raw, separators=(",", ":"), sort_keys=True)


def _log_retention(context: Mapping[str, Any]) -> logs.RetentionDays:
    days = _whole_number(context, "logRetentionDays", 1, MAX_DAYS)
    if days not in LOG_RETENTION:
        choices = ", ".join(str(value) for value in LOG_RETENTION)
        raise ContextError(
            f"Context value logRetentionDays must be one CloudWatch Logs accepts ({choices}), got {days}."
        )
    return LOG_RETENTION[days]


def load_deployment_settings(context: Callable[[str], Any] | Mapping[str, Any]) -> DeploymentSettings:
    """Read and validate every knob; ``context`` is ``node.try_get_context`` or a plain mapping."""
    values = context if isinstance(context, Mapping) else {key: context(key) for key in DEFAULTS}
    values = {key: value for key, value in values.items() if value is not None}
    stack_name = _text(values, "stackName")
    if not STACK_NAME.match(stack_name):
        raise ContextError(
            f"Context value stackName must start with a letter and hold only letters, digits and hyphens "
            f"(at most 128), got {stack_name!r}."
        )
    asset_dir = _text(values, "lambdaAssetDir")
    if not asset_dir:
        raise ContextError("Context value lambdaAssetDir must name the Lambda asset folder (default build/lambda).")
    provider = _provider(values)
    secret_arn = _matching(values, "providerSecretArn", SECRET_ARN, "the full ARN of a Secrets Manager secret")
    if provider in PROVIDERS_NEEDING_SECRET and not secret_arn:
        raise ContextError(
            f"Provider {provider} needs its credentials: set providerSecretArn to a Secrets Manager ARN."
        )
    schedule_min = _whole_number(values, "scheduleMinSeconds", 1, 366 * 86400)
    schedule_max = _whole_number(values, "scheduleMaxSeconds", 1, 366 * 86400)
    if schedule_min >= schedule_max:
        raise ContextError(
            f"Context value scheduleMinSeconds ({schedule_min}) must be below scheduleMaxSeconds ({schedule_max})."
        )
    return DeploymentSettings(
        stack_name=stack_name,
        lambda_asset_dir=asset_dir,
        provider=provider,
        provider_secret_arn=secret_arn,
        provider_config=_provider_config(values),
        schedule_min_seconds=schedule_min,
        schedule_max_seconds=schedule_max,
        scheduled_message_cap=_whole_number(values, "scheduledMessageCap", 1, SCHEDULER_QUOTA),
        retention_days=_whole_number(values, "retentionDays", 1, MAX_DAYS),
        link_ttl_days=_whole_number(values, "linkTtlDays", 1, MAX_DAYS),
        cert_expiry_window_days=_whole_number(values, "certExpiryWindowDays", 1, 365),
        shorten_rate_per_second=_whole_number(values, "shortenRatePerSecond", 1, 1_000_000),
        alarm_email=_matching(values, "alarmEmail", EMAIL, "an e-mail address"),
        log_retention=_log_retention(values),
        public_api_url=_matching(values, "publicApiUrl", HTTPS_URL, "an https:// URL"),
        send_max_attempts=_whole_number(values, "sendMaxAttempts", 1, 10),
        alpha_sender_countries=_matching(
            values, "alphaSenderCountries", ALPHA_COUNTRIES, "comma-separated ISO country codes such as GB,DE,FR"
        ),
    )
