"""What the HTTP providers (twilio, webhook) share: one POST, its transport failures, and the reply.

A request that never left (``NotSent``) is retried; one that may have reached the server
(``NoAnswer``) is not, because the message may have been sent. What a reply means (its message ID,
its error codes) is each provider's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brandlink.adapters.common.http import HttpResponse, NoAnswer, NotSent
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.delivery import DeliveryError

RETRY_LATER_STATUSES = frozenset({429, 503})

Transport = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Reply:
    status: int
    payload: dict[str, Any]
    """The body's JSON object; empty when the body is not one."""

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry_later(self) -> bool:
        return self.status in RETRY_LATER_STATUSES


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def post(transport: Transport, provider: str, url: str, **options: Any) -> Reply:
    """POST to ``url``; ``provider`` names the other side in error messages ("Twilio", "The webhook")."""
    try:
        response = transport("POST", url, **options)
    except NotSent as exc:
        raise DeliveryError(ErrorCode.UNKNOWN_ERROR, f"{provider} could not be reached: {exc}", retryable=True) from exc
    except NoAnswer as exc:
        raise DeliveryError(
            ErrorCode.UNKNOWN_ERROR, f"{provider} did not answer; the message may have been sent: {exc}"
        ) from exc
    return Reply(response.status, _json_object(response.body))
