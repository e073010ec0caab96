"""Inbound function: records each message a handset sent and acts on it (core/inbound/receive.py).

SQS batch with partial failures, fed by every provider's inbound path (the local ``reply`` command,
the Twilio and webhook-provider endpoints, End User Messaging's SNS topic). An inbound webhook that
fails (no answer, non-2xx) raises, so the record comes back after the visibility timeout (marked
``redelivered``: the already-recorded message goes on to the webhook instead of being taken for a
duplicate) and finally lands in the DLQ, which is alarmed. A body that is no inbound event fails the
same way, to be seen in the DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.core.common.dates import utcnow
from brandlink.core.inbound.providers import parse_queue_body
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    event = parse_queue_body(record.body, utcnow())
    redelivered = record.attributes.approximate_receive_count not in (None, "", "1")
    try:
        outcome = wiring.inbound_receiver().receive(event, redelivered=redelivered)
    except Exception as exc:
        logger.warning(
            f"inbound message {event.message_sid} not finished: {exc}",
            extra={"provider": event.provider, "to": event.to},
        )
        metrics.add_metric(name="InboundFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info("inbound", extra={"message_sid": event.message_sid, "provider": event.provider, "outcome": outcome})
    metrics.add_metric(name=f"Inbound{outcome.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
