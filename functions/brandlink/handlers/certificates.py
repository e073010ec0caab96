"""Certificate worker: installs uploaded certificates (ACM + API Gateway custom domain) and removes
the ones a domain let go. SQS batch with partial failures: a failed job is retried, then dead-lettered."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import resources
from brandlink.config import settings
from brandlink.core.domains import certificate_install
from brandlink.core.domains.certificate_install import CertificateAuthorityStore, CustomDomains, InstallJob, KeySealer
from brandlink.core.domains.repository import DomainRepository
from brandlink.observability import logger, metrics, tracer

# A failed whole batch is reported like a partial one (every id listed), not raised, so the log shows
# one clear record failure instead of a second BatchProcessingError trace.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@lru_cache(maxsize=1)
def _domains() -> DomainRepository:
    from brandlink.store.domains import DynamoDomainRepository

    return DynamoDomainRepository()


@lru_cache(maxsize=4)
def _sealer(key_arn: str, region: str) -> KeySealer:
    from brandlink.adapters.domains.kms import KmsKeySealer

    return KmsKeySealer(key_arn, region)


@lru_cache(maxsize=4)
def _acm(region: str) -> CertificateAuthorityStore:
    from brandlink.adapters.domains.acm import AcmCertificateStore

    return AcmCertificateStore(region)


@lru_cache(maxsize=4)
def _custom_domains(redirect_api_id: str, region: str) -> CustomDomains:
    from brandlink.adapters.domains.apigateway import ApiGatewayCustomDomains

    return ApiGatewayCustomDomains(redirect_api_id, region)


def _required(value: str | None, variable: str) -> str:
    if not value:
        raise RuntimeError(f"Set {variable} for the certificates function.")
    return value


def _is_last_attempt(record: SQSRecord) -> bool:
    received = int(record.attributes.approximate_receive_count or "1")
    return received >= resources.queue("certificates").max_receive_count


def record_handler(record: SQSRecord) -> None:
    job = certificate_install.parse_job(json.loads(record.body))
    current = settings()
    region = current.region
    if not isinstance(job, InstallJob):
        custom_domains = _custom_domains(_required(current.redirect_api_id, "BRANDLINK_REDIRECT_API_ID"), region)
        certificate_install.remove_installed(_acm(region), custom_domains, job)
        logger.info("certificate removed", extra={"domain_name": job.domain_name, "acm_arn": job.acm_arn})
        return
    try:
        outcome = certificate_install.install_certificate(
            _domains(),
            _sealer(_required(current.certificate_key_arn, "BRANDLINK_CERTIFICATE_KEY_ARN"), region),
            _acm(region),
            _custom_domains(_required(current.redirect_api_id, "BRANDLINK_REDIRECT_API_ID"), region),
            job,
            default_target=current.redirect_target,
        )
    except Exception:
        if _is_last_attempt(record):
            certificate_install.give_up_install(_domains(), job)
        raise
    metrics.add_metric(name=f"Certificate{outcome.capitalize()}", unit=MetricUnit.Count, value=1)
    logger.info(
        "certificate job done", extra={"domain_sid": job.domain_sid, "upload_id": job.upload_id, "outcome": outcome}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
