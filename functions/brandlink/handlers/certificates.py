"""Certificate worker: installs uploaded certificates (ACM + API Gateway custom domain) and removes
the ones a domain let go. SQS batch with partial failures: a failed job is retried, then dead-lettered."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import resources, wiring
from brandlink.core.domains import certificate_install
from brandlink.core.domains.certificate_install import InstallJob
from brandlink.observability import logger, metrics, tracer

# A failed whole batch is reported like a partial one (every id listed), not raised, so the log shows
# one clear record failure instead of a second BatchProcessingError trace.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _is_last_attempt(record: SQSRecord) -> bool:
    received = int(record.attributes.approximate_receive_count or "1")
    return received >= resources.queue("certificates").max_receive_count


def record_handler(record: SQSRecord) -> None:
    job = certificate_install.parse_job(json.loads(record.body))
    worker = wiring.certificate_worker()
    if not isinstance(job, InstallJob):
        where = {"domain_name": job.domain_name, "acm_arn": job.acm_arn}
        if worker.remove(job):
            logger.info("certificate removed", extra=where)
        else:
            # Stored state still uses this certificate: a forged or stale job; dropped, never retried.
            logger.warning("certificate remove job refused: the domain still uses it", extra=where)
            metrics.add_metric(name="CertificateRemoveRefused", unit=MetricUnit.Count, value=1)
        return
    try:
        outcome = worker.install(job)
    except Exception:
        if _is_last_attempt(record):
            worker.give_up(job)
        raise
    metrics.add_metric(name=f"Certificate{outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    logger.info(
        "certificate job done", extra={"domain_sid": job.domain_sid, "upload_id": job.upload_id, "outcome": outcome}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
