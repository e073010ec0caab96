"""The real DNS resolver (dnspython) behind ``brandlink.core.domains.dns_check.DnsResolver``."""

from __future__ import annotations

import dns.exception
import dns.resolver

from brandlink.core.domains.dns_check import DnsLookupFailed

LIFETIME_SECONDS = 4.0
_NO_RECORD = (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer)


class DnspythonResolver:
    def __init__(self, lifetime: float = LIFETIME_SECONDS) -> None:
        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = lifetime

    def _answer(self, name: str, rdtype: str) -> list[dns.rdata.Rdata]:
        try:
            return list(self._resolver.resolve(name, rdtype, search=False))
        except _NO_RECORD:
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN) as exc:
            raise DnsLookupFailed(type(exc).__name__) from None

    def txt_records(self, name: str) -> list[str]:
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._answer(name, "TXT")]  # type: ignore[attr-defined]

    def cname_target(self, name: str) -> str | None:
        answers = self._answer(name, "CNAME")
        return answers[0].target.to_text().rstrip(".").lower() if answers else None  # type: ignore[attr-defined]

    def addresses(self, name: str) -> frozenset[str]:
        return frozenset(r.to_text() for rdtype in ("A", "AAAA") for r in self._answer(name, rdtype))
