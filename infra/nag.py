"""cdk-nag AwsSolutions checks, and acknowledgments that each carry a written reason.

cdk-nag 3 runs as a CDK validation plugin: any unacknowledged finding makes ``app.synth()``
raise. Acknowledgments are attached to the narrowest construct that needs them; rules that
report several findings per resource (IAM5 wildcards) are acknowledged finding by finding,
so a new wildcard added later still fails the synth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

PACK = "AwsSolutions"


@dataclass(frozen=True)
class RecordedAcknowledgment:
    path: str
    rule_id: str
    reason: str


def enable_checks(app: IConstruct) -> None:
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str, finding: str | None = None) -> None:
    """Accept one AwsSolutions rule (``"L1"``), or one finding of it, on ``scope`` and its children."""
    if not reason.strip():
        raise ValueError(f"Acknowledging {PACK}-{rule} needs a reason.")
    rule_id = f"{PACK}-{rule}" + (f"[{finding}]" if finding else "")
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PACK}::{rule_id}", reason=reason))


def acknowledge_wildcard_resources(scope: IConstruct, resources: list[str], reason: str) -> None:
    """Accept the IAM5 findings for exactly these wildcard resources (ARNs, tokens allowed)."""
    for resource in resources:
        acknowledge(scope, "IAM5", reason, finding=f"Resource::{flatten(scope, resource)}")


def flatten(scope: IConstruct, value: str) -> str:
    """Render a resource the way cdk-nag names it in a finding (``<Logical.Arn>`` for references)."""
    return _flatten_resolved(Stack.of(scope).resolve(value))


def _flatten_resolved(node: Any) -> str:
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten_resolved(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten_resolved(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten_resolved(resource)}.{_flatten_resolved(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten_resolved(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten_resolved(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def recorded_acknowledgments(root: IConstruct) -> list[RecordedAcknowledgment]:
    """Every acknowledgment in the construct tree, for review and tests."""
    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found: list[RecordedAcknowledgment] = []
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key and entry.data:
                found.extend(
                    RecordedAcknowledgment(construct.node.path, rule_id, reason)
                    for rule_id, reason in entry.data.items()
                )
    return found
