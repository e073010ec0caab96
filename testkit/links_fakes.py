"""In-memory stand-ins for the send side of link shortening: the links table and the domain gate.

Shared by the unit tests and bench/ (see testkit/messaging_fakes.py for why it lives here)."""

from __future__ import annotations

from collections.abc import Sequence

from brandlink.core.domains.shortening import ShorteningDomain, ShorteningUnavailable
from brandlink.core.links.records import LinkRecord

DOMAIN_SID = "DN" + "d" * 32
CONFIG_SID = "ZK" + "e" * 32


class InMemoryLinks:
    """``LinkRepository``: records by slug; ``failure`` makes the next ``put_many`` raise it."""

    def __init__(self) -> None:
        self.items: dict[str, LinkRecord] = {}
        self.batches: list[int] = []
        self.failure: Exception | None = None

    def put_many(self, records: Sequence[LinkRecord]) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure
        for record in records:
            self.items[record.slug] = record
        self.batches.append(len(records))

    def for_message(self, message_sid: str) -> list[LinkRecord]:
        return [record for record in self.items.values() if record.message_sid == message_sid]


def shortening_domain(
    name: str = "go.brand.example", *, continue_on_failure: bool = True, disable_https: bool = False
) -> ShorteningDomain:
    return ShorteningDomain(
        domain_sid=DOMAIN_SID,
        domain_name=name,
        config_sid=CONFIG_SID,
        fallback_url="https://brand.example/",
        callback_url=None,
        continue_on_failure=continue_on_failure,
        disable_https=disable_https,
    )


class FakeDomainGate:
    """The shortening-domain check: answers ``domain``, or raises ``error`` when one is set."""

    def __init__(self, domain: ShorteningDomain | None = None) -> None:
        self.domain = domain or shortening_domain()
        self.error: ShorteningUnavailable | None = None

    def __call__(self, account_sid: str, service_sid: str) -> ShorteningDomain:
        if self.error is not None:
            raise self.error
        return self.domain
