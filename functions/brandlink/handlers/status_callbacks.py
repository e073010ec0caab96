"""Status-callback function: posts each queued status callback, signed, to the customer's URL.

SQS batch with partial failures: a post that fails (no answer, non-2xx) is retried when the record
becomes visible again, up to the queue's ``maxReceiveCount``, then moved to the DLQ (alarmed).
A callback of an account that no longer exists is dropped: nobody can verify its signature. The
signing token is the account's own, opened from its KMS-sealed copy (``wiring.signing_tokens``).

A receiver that is down or refuses is the customer's everyday problem, not a fault of this function:
each failed post is one warning line (URL, reason, attempt) and a ``StatusCallbackFailed`` metric, and
a batch whose every post failed is reported like a partial one (every id listed) instead of raising a
``BatchProcessingError`` that carries every record's traceback.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.core.accounts.tokens import TokenUnavailable
from brandlink.core.messaging.status_callbacks import CallbackRejected, StatusCallbackJob, deliver
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    job = StatusCallbackJob.from_json(record.body)
    account = wiring.accounts().get(job.account_sid)
    if account is None:
        logger.warning("dropping a status callback of a deleted account", extra={"account_sid": job.account_sid})
        return
    try:
        token = wiring.signing_tokens().for_account(account)
    except TokenUnavailable as exc:  # an operator's problem (migration, key policy): retried, then the DLQ
        logger.error(f"cannot sign a status callback: {exc}", extra={"account_sid": account.sid})
        raise
    try:
        status = deliver(job, token, wiring.form_poster())
    except (OSError, CallbackRejected) as exc:  # OSError: NotSent / NoAnswer, nothing usable came back
        attempt = record.attributes.approximate_receive_count
        logger.warning(
            f"status callback to {job.url} failed (attempt {attempt}): {exc}",
            extra={"message_sid": job.params.get("MessageSid"), "attempt": attempt},
        )
        metrics.add_metric(name="StatusCallbackFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info(
        "status callback delivered",
        extra={"message_sid": job.params.get("MessageSid"), "status": job.params.get("MessageStatus"), "http": status},
    )
    metrics.add_metric(name="StatusCallbackDelivered", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
