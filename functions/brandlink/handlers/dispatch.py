"""Dispatch function: sends the messages on the send queue (send-now and due schedules) exactly once.

SQS batch with partial failures: a record whose processing raised (a store or queue outage) comes
back after the visibility timeout, then goes to the DLQ; a record that is not a dispatch request
fails until it reaches the DLQ, where the alarm shows it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.core.messaging.send_queue import DispatchRequest
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    request = DispatchRequest.from_json(record.body)
    if _receive_count(record) > 1:
        # An earlier receive did not finish: dispatch looks for link records it may have written.
        request = replace(request, redelivered=True)
    outcome = wiring.dispatcher().dispatch(request)
    logger.info(
        "dispatched", extra={"message_sid": request.message_sid, "attempt": request.attempt, "outcome": outcome}
    )
    metrics.add_metric(name=f"Dispatch{outcome.value.capitalize()}", unit=MetricUnit.Count, value=1)


def _receive_count(record: SQSRecord) -> int:
    """SQS's ``ApproximateReceiveCount`` (1 when absent or not a number)."""
    raw = (record.raw_event.get("attributes") or {}).get("ApproximateReceiveCount")
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return 1


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
