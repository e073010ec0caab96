"""Delivery providers, one per module, chosen per deployment by ``settings().provider``."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from brandlink.config import Settings
from brandlink.core.messaging.delivery import Provider

PROVIDERS = ("outbox", "sms", "sns", "twilio", "webhook")


def _config(settings: Settings) -> dict[str, Any]:
    if not settings.provider_config:
        return {}
    try:
        config = json.loads(settings.provider_config)
    except ValueError:
        raise RuntimeError("BRANDLINK_PROVIDER_CONFIG must be a JSON object.") from None
    if not isinstance(config, dict):
        raise RuntimeError("BRANDLINK_PROVIDER_CONFIG must be a JSON object.")
    return config


def build_provider(settings: Settings) -> Provider:
    """The configured provider; a misconfiguration fails here, at cold start, not per message."""
    config = _config(settings)
    from brandlink.adapters.messaging.providers.secrets import load_secret_json

    secret = (
        partial(load_secret_json, settings.provider_secret_arn, settings.region)
        if settings.provider_secret_arn
        else None
    )
    if settings.provider == "outbox":
        from brandlink.adapters.messaging.providers.outbox import OutboxProvider
        from brandlink.store.messaging.outbox import DynamoOutboxRepository

        return OutboxProvider(DynamoOutboxRepository(), settings.retention_days)
    if settings.provider == "sms":
        from brandlink.adapters.messaging.providers.sms import EndUserMessagingSmsProvider

        return EndUserMessagingSmsProvider(settings.region, config)
    if settings.provider == "sns":
        from brandlink.adapters.messaging.providers.sns import SnsSmsProvider

        return SnsSmsProvider(settings.region, config)
    if settings.provider == "twilio":
        from brandlink.adapters.messaging.providers.twilio import TwilioProvider

        if secret is None:
            raise RuntimeError("The twilio provider needs BRANDLINK_PROVIDER_SECRET_ARN (Twilio credentials).")
        return TwilioProvider(config, secret, allow_private=settings.is_local)
    if settings.provider == "webhook":
        from brandlink.adapters.messaging.providers.webhook import WebhookProvider

        return WebhookProvider(config, secret, allow_private=settings.is_local)
    raise RuntimeError(f"Unknown provider {settings.provider!r}: choose one of {', '.join(PROVIDERS)}.")
