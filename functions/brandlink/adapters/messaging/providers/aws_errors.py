"""How a failed AWS SDK call of a provider maps to a ``DeliveryError``.

Provider clients are built with botocore retries off: botocore would retry a read timeout or a
5xx, which may send the message twice. Brandlink retries itself, and only what certainly did not
reach the service (connection failures) or what the service refused before acting (throttling).
"""

from __future__ import annotations

from collections.abc import Callable

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.delivery import DeliveryError

NO_SDK_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=10)

THROTTLING_CODES = frozenset(
    {"ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException", "KMSThrottlingException"}
)

ClientErrorMapper = Callable[[str, str, str], DeliveryError | None]
"""``(error code, reason, message)`` → the error, or None for the generic mapping."""


def delivery_error(exc: Exception, provider: str, specific: ClientErrorMapper) -> DeliveryError:
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError) and not isinstance(exc, ConnectionClosedError):
        return DeliveryError(ErrorCode.UNKNOWN_ERROR, f"{provider} could not be reached: {exc}", retryable=True)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        reason = str(exc.response.get("Reason") or error.get("Reason") or "")
        if code in THROTTLING_CODES:
            return DeliveryError(
                ErrorCode.QUEUE_OVERFLOW, f"{provider} throttled the message: {message}", retryable=True
            )
        mapped = specific(code, reason, message)
        if mapped is not None:
            return mapped
        return DeliveryError(ErrorCode.UNKNOWN_ERROR, f"{provider} refused the message ({code}): {message}")
    if isinstance(exc, BotoCoreError):
        # Read timeouts and closed connections: the request may have been acted upon.
        return DeliveryError(
            ErrorCode.UNKNOWN_ERROR, f"{provider} did not answer; the message may have been sent: {exc}"
        )
    return DeliveryError(ErrorCode.UNKNOWN_ERROR, f"{provider} failed: {exc}")
