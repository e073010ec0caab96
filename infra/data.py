"""DynamoDB tables, one per ``resources.TABLES`` entry."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from brandlink import resources
from infra.naming import camel

ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attribute(spec: resources.TableSpec, name: str) -> dynamodb.Attribute:
    # Key attributes default to strings; TableSpec.attributes declares the others.
    return dynamodb.Attribute(name=name, type=ATTRIBUTE_TYPES[spec.attributes.get(name, "S")])


class DataTables(Construct):
    """On-demand, point-in-time-recoverable, encrypted tables that outlive the stack."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {spec.logical: self._table(spec) for spec in resources.TABLES}

    def _table(self, spec: resources.TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            camel(spec.logical),
            partition_key=_attribute(spec, spec.hash_key),
            sort_key=_attribute(spec, spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=spec.ttl_attribute,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(spec, index.hash_key),
                sort_key=_attribute(spec, index.range_key) if index.range_key else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def table(self, logical: str) -> dynamodb.Table:
        return self.tables[logical]

    def index_arns(self, logical: str) -> list[str]:
        table = self.tables[logical]
        return [f"{table.table_arn}/index/{index.name}" for index in resources.table(logical).indexes]
