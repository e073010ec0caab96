"""Repositories used by the routes, created on first use (no I/O at import time)."""

from __future__ import annotations

from functools import lru_cache

from brandlink.config import settings
from brandlink.core.accounts import AccountRepository
from brandlink.core.certificate_install import CertificateJobQueue, KeySealer
from brandlink.core.dns_check import DnsResolver
from brandlink.core.domains import DomainRepository
from brandlink.core.services import SenderRepository, ServiceDeletionHook, ServiceRepository


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
    from brandlink.core.domain_config import service_deletion_hook

    return (service_deletion_hook(domains()),)


@lru_cache(maxsize=1)
def domains() -> DomainRepository:
    from brandlink.store.domains import DynamoDomainRepository

    return DynamoDomainRepository()


@lru_cache(maxsize=1)
def dns_resolver() -> DnsResolver:
    from brandlink.adapters.dns import DnspythonResolver

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
    from brandlink.adapters.kms import KmsKeySealer

    return KmsKeySealer(key_arn, region)


@lru_cache(maxsize=4)
def _certificate_queue(queue_url: str, region: str) -> CertificateJobQueue:
    from brandlink.adapters.certificate_queue import SqsCertificateJobs

    return SqsCertificateJobs(queue_url, region)
