"""Repositories used by the routes, created on first use (no I/O at import time)."""

from __future__ import annotations

from functools import lru_cache, partial

from brandlink.config import settings
from brandlink.core.accounts.repository import AccountRepository
from brandlink.core.domains.certificate_install import CertificateJobQueue, KeySealer
from brandlink.core.domains.dns_check import DnsResolver
from brandlink.core.domains.repository import DomainRepository
from brandlink.core.messaging.actions import MessageLimits, MessagePorts
from brandlink.core.messaging.outbox import OutboxRepository
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.scheduling import ScheduleWindow
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.services.repository import ServiceDeletionHook, ServiceRepository


@lru_cache(maxsize=1)
def accounts() -> AccountRepository:
    from brandlink.store.accounts import DynamoAccountRepository

    return DynamoAccountRepository()


@lru_cache(maxsize=1)
def services() -> ServiceRepository:
    from brandlink.store.services import DynamoServiceRepository

    return DynamoServiceRepository()


@lru_cache(maxsize=1)
def senders() -> SenderRepository:
    from brandlink.store.services import DynamoSenderRepository

    return DynamoSenderRepository()


def service_deletion_hooks() -> tuple[ServiceDeletionHook, ...]:
    """Run while a messaging service is deleted, before its pool goes: each detaches it from elsewhere.

    The domains feature adds the hook that removes the service's ``service_domains`` row and its SID
    from the domain config's ``messaging_service_sids``.
    """
    from brandlink.core.domains.config import service_deletion_hook

    return (service_deletion_hook(domains()),)


@lru_cache(maxsize=1)
def domains() -> DomainRepository:
    from brandlink.store.domains import DynamoDomainRepository

    return DynamoDomainRepository()


@lru_cache(maxsize=1)
def dns_resolver() -> DnsResolver:
    from brandlink.adapters.domains.dns import DnspythonResolver

    return DnspythonResolver()


def certificate_sealer() -> KeySealer:
    key_arn = settings().certificate_key_arn
    if not key_arn:
        raise RuntimeError("Set BRANDLINK_CERTIFICATE_KEY_ARN: uploaded private keys are sealed with that KMS key.")
    return _kms_sealer(key_arn, settings().region)


def certificate_jobs() -> CertificateJobQueue:
    return _certificate_queue(settings().queue_url("certificates"), settings().region)


# Keyed on the configuration, so a changed environment (a test, a local restart) gets fresh clients.
@lru_cache(maxsize=4)
def _kms_sealer(key_arn: str, region: str) -> KeySealer:
    from brandlink.adapters.domains.kms import KmsKeySealer

    return KmsKeySealer(key_arn, region)


@lru_cache(maxsize=4)
def _certificate_queue(queue_url: str, region: str) -> CertificateJobQueue:
    from brandlink.adapters.domains.certificate_queue import SqsCertificateJobs

    return SqsCertificateJobs(queue_url, region)


@lru_cache(maxsize=1)
def messages() -> MessageRepository:
    from brandlink.store.messaging.messages import DynamoMessageRepository

    return DynamoMessageRepository()


@lru_cache(maxsize=1)
def outbox() -> OutboxRepository:
    from brandlink.store.messaging.outbox import DynamoOutboxRepository

    return DynamoOutboxRepository()


def message_ports() -> MessagePorts:
    current = settings()
    return _message_ports(
        current.queue_url("send"),
        current.queue_url("status_callbacks"),
        current.schedule_group,
        current.send_queue_arn,
        current.scheduler_role_arn,
        current.send_dlq_arn,
        current.region,
    )


def message_limits() -> MessageLimits:
    current = settings()
    return MessageLimits(
        window=ScheduleWindow(current.schedule_min_seconds, current.schedule_max_seconds),
        scheduled_cap=current.scheduled_cap,
        default_retention_days=current.retention_days,
        allow_private_urls=current.is_local,
    )


@lru_cache(maxsize=4)
def _message_ports(
    send_queue_url: str,
    callback_queue_url: str,
    schedule_group: str,
    send_queue_arn: str | None,
    scheduler_role_arn: str | None,
    send_dlq_arn: str | None,
    region: str,
) -> MessagePorts:
    from brandlink.adapters.messaging.queues import SqsCallbackQueue, SqsSendQueue
    from brandlink.adapters.messaging.scheduler import EventBridgeMessageScheduler
    from brandlink.core.domains.shortening import shortening_domain_status

    return MessagePorts(
        messages=messages(),
        services=services(),
        senders=senders(),
        send_queue=SqsSendQueue(send_queue_url, region),
        scheduler=EventBridgeMessageScheduler(
            group=schedule_group,
            target_arn=send_queue_arn,
            role_arn=scheduler_role_arn,
            region=region,
            dead_letter_arn=send_dlq_arn,
        ),
        callbacks=SqsCallbackQueue(callback_queue_url, region),
        shortening=partial(shortening_domain_status, domains()),
    )
