"""Clicks worker: turns each tap the redirect queued into a click or preview event, records it and
posts it, signed, to the short domain's ``CallbackUrl`` (``core.clicks.worker``).

SQS batches with partial failures (Powertools ``BatchProcessor``): only the records whose post failed
are retried. A failed post (no answer, or not 2xx) sets its own message's visibility to a delay that
grows with its receive count (``callbacks.retry_delay``: 5 s, 20 s, 80 s ... with the default
``BRANDLINK_CALLBACK_RETRY_BASE_SECONDS``), so a receiver that is down is retried ever more slowly
and no other customer's event waits on it; after the queue's ``maxReceiveCount`` receives the message
goes to the DLQ (alarmed), and ``brandlink replay-dlq clicks`` sends it back.

A body that is not a tap is logged and dropped (``ClickTapMalformed``), never retried: it would
only come back until the DLQ took it. A tap that is not an event (unknown slug, another domain,
expired link, beyond the account's retention, deleted account) is dropped with a count per reason.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.config import settings
from brandlink.core.accounts.tokens import TokenUnavailable
from brandlink.core.clicks.callbacks import CallbackRejected, retry_delay
from brandlink.core.clicks.model import Tap
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def retry_later(record: SQSRecord) -> int:
    """Hide the record for its next retry delay; the delay set (a failure to set it is only logged:
    the message then comes back after the queue's visibility timeout)."""
    attempt = int(record.attributes.approximate_receive_count or 1)
    current = settings()
    delay = retry_delay(attempt, current.callback_retry_base_seconds, current.callback_retry_max_seconds)
    try:
        wiring.clicks_visibility()(record.receipt_handle, delay)
    except Exception as exc:
        logger.warning(f"could not set the retry delay of a click event: {exc}", extra={"attempt": attempt})
    return delay


def record_handler(record: SQSRecord) -> None:
    try:
        tap = Tap.from_json(record.body)
    except ValueError as exc:
        logger.error(f"dropping a clicks-queue message that is not a tap: {exc}", extra={"body": record.body[:200]})
        metrics.add_metric(name="ClickTapMalformed", unit=MetricUnit.Count, value=1)
        return
    try:
        outcome = wiring.click_worker().handle(tap)
    except (OSError, CallbackRejected, TokenUnavailable) as exc:  # OSError: NotSent / NoAnswer
        delay = retry_later(record)
        attempt = record.attributes.approximate_receive_count
        logger.warning(
            f"click event post failed (attempt {attempt}, retry in {delay} s): {exc}",
            extra={"event_id": tap.tap_id, "slug": tap.slug},
        )
        metrics.add_metric(name="ClickCallbackFailed", unit=MetricUnit.Count, value=1)
        raise
    if outcome.dropped is not None:
        logger.info("tap dropped", extra={"event_id": tap.tap_id, "reason": str(outcome.dropped)})
        metrics.add_metric(name="TapDropped", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="ClickEventRecorded", unit=MetricUnit.Count, value=1)
    if outcome.status is not None:
        metrics.add_metric(name="ClickCallbackDelivered", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
