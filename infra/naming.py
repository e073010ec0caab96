"""Names derived from resource specs: construct ids and CloudFormation output keys."""

from __future__ import annotations


def camel(logical: str) -> str:
    """``service_domains`` -> ``ServiceDomains`` (the form the operator command, ops/target.py, expects in output keys)."""
    return "".join(part.capitalize() for part in logical.split("_"))
