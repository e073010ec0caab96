"""Receipts function: applies the delivery receipts on the receipts queue.

Two kinds of record arrive: a ``DeliveryReport`` (JSON, ``kind: delivery_report``) queued by the
API's receipt endpoints and the outbox carrier, and an AWS End User Messaging SMS event delivered
raw by the configuration set's SNS topic. A status moves only forward and a duplicated receipt
changes nothing (core/messaging/receipts.py). SQS batch with partial failures: a store or queue
outage is retried, then parked in the DLQ (alarmed); a record that is not a receipt is logged and
dropped, since retrying cannot improve it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.core.messaging.receipts import DeliveryReport
from brandlink.core.messaging.receipts_mapping import NotAReceipt, from_eum_event
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def report_of(body: str) -> DeliveryReport | None:
    """The report a record carries; None for an event that changes no status. Raises ``ValueError``."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("a receipt is a JSON object")
    if "eventType" in data:
        return from_eum_event(data)
    return DeliveryReport.from_dict(data)


def record_handler(record: SQSRecord) -> None:
    try:
        report = report_of(record.body)
    except (ValueError, NotAReceipt) as exc:
        logger.warning(f"dropping a record that is not a delivery receipt: {exc}", extra={"id": record.message_id})
        metrics.add_metric(name="ReceiptUnreadable", unit=MetricUnit.Count, value=1)
        return
    if report is None:
        return
    applied = wiring.receipt_processor().apply(report)
    logger.info(
        "receipt applied",
        extra={"message_sid": report.message_sid, "status": report.status, "source": report.source, "outcome": applied},
    )
    metrics.add_metric(name=f"Receipt{applied.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
