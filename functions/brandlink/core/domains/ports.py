"""What the domain actions need, as one value (``brandlink.wiring.domain_ports()`` builds it).

The DNS resolver, the KMS sealer and the certificate job queue are factories: only the actions that
use them build them, so listing domains never loads dnspython nor needs the sealing key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from brandlink.core.domains.certificate_install import CertificateJobQueue, KeySealer
from brandlink.core.domains.dns_check import DnsResolver
from brandlink.core.domains.repository import DomainRepository
from brandlink.core.services.repository import ServiceRepository


@dataclass(frozen=True)
class DomainPorts:
    domains: DomainRepository
    services: ServiceRepository
    dns: Callable[[], DnsResolver]
    sealer: Callable[[], KeySealer]
    certificate_jobs: Callable[[], CertificateJobQueue]

    def service_exists(self, account_sid: str, service_sid: str) -> bool:
        """Whether the account owns that messaging service (a config may list only those)."""
        return self.services.get(account_sid, service_sid) is not None
