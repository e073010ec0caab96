"""Names derived from resource specs: construct ids and CloudFormation output keys."""

from __future__ import annotations


def camel(logical: str) -> str:
    """``service_domains`` -> ``ServiceDomains`` (output keys; ops/target.py reads them)."""
    return "".join(part.capitalize() for part in logical.split("_"))
