"""Dispatch function: sends the messages on the send queue (send-now and due schedules) exactly once.

SQS batch with partial failures: a record whose processing raised (a store or queue outage) comes
back after the visibility timeout, then goes to the DLQ; a record that is not a dispatch request
fails until it reaches the DLQ, where the alarm shows it.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink.config import settings
from brandlink.core.messaging.delivery import RetryPolicy
from brandlink.core.messaging.dispatch import Dispatcher, DispatchRequest
from brandlink.core.senders.selection import ALPHA_SENDER_COUNTRIES
from brandlink.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def dispatcher() -> Dispatcher:
    current = settings()
    return _dispatcher(
        current.queue_url("send"),
        current.queue_url("status_callbacks"),
        current.provider,
        current.provider_config,
        current.provider_secret_arn,
        current.send_max_attempts,
        current.send_retry_base_seconds,
        current.alpha_sender_countries,
        current.region,
    )


# Keyed on the configuration, so a changed environment (a test, a local restart) gets fresh clients.
@lru_cache(maxsize=4)
def _dispatcher(
    send_queue_url: str,
    callback_queue_url: str,
    provider: str,
    provider_config: str | None,
    provider_secret_arn: str | None,
    max_attempts: int,
    retry_base_seconds: int,
    alpha_sender_countries: tuple[str, ...] | None,
    region: str,
) -> Dispatcher:
    from brandlink.adapters.messaging.providers import build_provider
    from brandlink.adapters.messaging.queues import SqsCallbackQueue, SqsSendQueue
    from brandlink.core.domains.shortening import shortening_domain_status
    from brandlink.store.domains import DynamoDomainRepository
    from brandlink.store.messaging.messages import DynamoMessageRepository
    from brandlink.store.messaging.sticky_senders import DynamoStickySenders
    from brandlink.store.services import DynamoSenderRepository, DynamoServiceRepository

    return Dispatcher(
        messages=DynamoMessageRepository(),
        services=DynamoServiceRepository(),
        senders=DynamoSenderRepository(),
        sticky=DynamoStickySenders(),
        provider=build_provider(settings()),
        send_queue=SqsSendQueue(send_queue_url, region),
        callbacks=SqsCallbackQueue(callback_queue_url, region),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay_seconds=retry_base_seconds),
        shortening=partial(shortening_domain_status, DynamoDomainRepository()),
        alpha_sender_countries=frozenset(alpha_sender_countries) if alpha_sender_countries else ALPHA_SENDER_COUNTRIES,
    )


def record_handler(record: SQSRecord) -> None:
    request = DispatchRequest.from_json(record.body)
    outcome = dispatcher().dispatch(request)
    logger.info(
        "dispatched", extra={"message_sid": request.message_sid, "attempt": request.attempt, "outcome": outcome}
    )
    metrics.add_metric(name=f"Dispatch{outcome.value.capitalize()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
