"""DNS checks of a short-link domain behind a small resolver interface (tests inject answers).

Two checks: ownership (a TXT record holding the domain's verification token) and routing (the
domain's CNAME, or its A/AAAA records, lead to this deployment's redirect endpoint). The real
resolver lives in ``brandlink.adapters.domains.dns``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class DnsLookupFailed(Exception):
    """The resolver could not get an answer (timeout, SERVFAIL); distinct from "no such record"."""


class DnsResolver(Protocol):
    def txt_records(self, name: str) -> list[str]:
        """Every TXT record of ``name`` (character-strings of one record joined); [] when none."""
        ...

    def cname_target(self, name: str) -> str | None:
        """The CNAME target of ``name`` (lower case, no trailing dot), or None."""
        ...

    def addresses(self, name: str) -> frozenset[str]:
        """The A and AAAA addresses ``name`` resolves to (following CNAMEs); empty when none."""
        ...


def _host(name: str) -> str:
    return name.strip().rstrip(".").lower()


def verify_txt_record(resolver: DnsResolver, record_name: str, expected_value: str) -> str | None:
    """None when a TXT record ``record_name`` holds ``expected_value``; else what to fix, as a sentence."""
    try:
        values = resolver.txt_records(record_name)
    except DnsLookupFailed as exc:
        return f"the DNS lookup of TXT {record_name} failed ({exc}); try again in a few minutes."
    if expected_value in (value.strip() for value in values):
        return None
    if not values:
        return f'no TXT record {record_name} was found; publish TXT {record_name} "{expected_value}".'
    return f'TXT {record_name} does not hold "{expected_value}"; publish that value (it may take a while to propagate).'


@dataclass(frozen=True)
class RoutingCheck:
    is_valid: bool
    reason: str | None


def check_routing(resolver: DnsResolver, domain_name: str, target: str | None) -> RoutingCheck:
    """Whether ``domain_name`` points at ``target`` by CNAME, or by A/AAAA records (an apex ALIAS)."""
    if not target:
        return RoutingCheck(
            False,
            "This deployment has no redirect target for the domain yet: upload its certificate, "
            "then point a CNAME at the target shown on the domain.",
        )
    target = _host(target)
    try:
        cname = resolver.cname_target(domain_name)
        if cname is not None:
            if _host(cname) == target:
                return RoutingCheck(True, None)
            return RoutingCheck(False, f"{domain_name} is a CNAME for {_host(cname)}; point it at {target}.")
        own = resolver.addresses(domain_name)
        if not own:
            return RoutingCheck(
                False, f"{domain_name} has no CNAME or A record; create CNAME {domain_name} -> {target}."
            )
        expected = resolver.addresses(target)
    except DnsLookupFailed as exc:
        return RoutingCheck(False, f"The DNS lookup of {domain_name} failed ({exc}); try again in a few minutes.")
    if expected and own <= expected:
        return RoutingCheck(True, None)
    shown = ", ".join(sorted(own))
    return RoutingCheck(
        False,
        f"{domain_name} resolves to {shown}, not to {target}; "
        f"replace those records with CNAME {domain_name} -> {target}.",
    )
