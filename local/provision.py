"""Create Brandlink's tables, queues, schedule group and alerts topic on the current AWS endpoint.

Both the local runner (against moto server) and the integration tests (against ``mock_aws``)
call this; it reads the same ``brandlink.resources`` specs the CDK stack is built from.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import boto3

from brandlink import resources

ACCOUNT_ID = "000000000000"


def _create_table(client: Any, spec: resources.TableSpec) -> None:
    attributes: dict[str, str] = {spec.hash_key: "S"}
    if spec.range_key:
        attributes[spec.range_key] = "S"
    attributes.update(spec.attributes)
    key_schema = [{"AttributeName": spec.hash_key, "KeyType": "HASH"}]
    if spec.range_key:
        key_schema.append({"AttributeName": spec.range_key, "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": spec.default_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
        "KeySchema": key_schema,
    }
    if spec.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [{"AttributeName": index.hash_key, "KeyType": "HASH"}]
                + ([{"AttributeName": index.range_key, "KeyType": "RANGE"}] if index.range_key else []),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    client.create_table(**kwargs)
    if spec.ttl_attribute:
        client.update_time_to_live(
            TableName=spec.default_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def _create_queue(client: Any, spec: resources.QueueSpec) -> tuple[str, str]:
    dlq_url = client.create_queue(QueueName=spec.dlq_name)["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = client.create_queue(
        QueueName=spec.default_name,
        Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}),
        },
    )["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def provision(region: str | None = None) -> dict[str, str]:
    """Create every resource; set and return the environment the handlers read."""
    region = region or os.environ.get("AWS_REGION", "us-east-1")
    dynamodb = boto3.client("dynamodb", region_name=region)
    existing = set(dynamodb.list_tables().get("TableNames", []))
    for spec in resources.TABLES:
        if spec.default_name not in existing:
            _create_table(dynamodb, spec)

    env: dict[str, str] = {spec.env_var: spec.default_name for spec in resources.TABLES}
    sqs = boto3.client("sqs", region_name=region)
    for queue in resources.QUEUES:
        url, arn = _create_queue(sqs, queue)
        env[queue.env_var] = url
        if queue.logical == "send":
            env["BRANDLINK_SEND_QUEUE_ARN"] = arn
            # Where EventBridge Scheduler parks a scheduled send it could not deliver.
            env["BRANDLINK_SEND_DLQ_ARN"] = arn.rsplit(":", 1)[0] + ":" + queue.dlq_name

    scheduler = boto3.client("scheduler", region_name=region)
    groups = {g["Name"] for g in scheduler.list_schedule_groups().get("ScheduleGroups", [])}
    if resources.SCHEDULE_GROUP_NAME not in groups:
        scheduler.create_schedule_group(Name=resources.SCHEDULE_GROUP_NAME)
    env["BRANDLINK_SCHEDULE_GROUP"] = resources.SCHEDULE_GROUP_NAME
    env["BRANDLINK_SCHEDULER_ROLE_ARN"] = f"arn:aws:iam::{ACCOUNT_ID}:role/brandlink-scheduler"

    topic = boto3.client("sns", region_name=region).create_topic(Name="brandlink-alerts")["TopicArn"]
    env["BRANDLINK_ALERTS_TOPIC_ARN"] = topic

    # Certificates: the KMS key that seals uploaded private keys on the certificates queue, and the
    # redirect HTTP API that short domains' API Gateway custom domains are mapped to.
    sealing_key = boto3.client("kms", region_name=region).create_key(Description="brandlink certificate sealing")
    env["BRANDLINK_CERTIFICATE_KEY_ARN"] = sealing_key["KeyMetadata"]["Arn"]
    apis = boto3.client("apigatewayv2", region_name=region)
    redirect_api = next((a for a in apis.get_apis().get("Items", []) if a["Name"] == "brandlink-redirect"), None)
    redirect_api = redirect_api or apis.create_api(Name="brandlink-redirect", ProtocolType="HTTP")
    env["BRANDLINK_REDIRECT_API_ID"] = redirect_api["ApiId"]

    # Auth tokens are sealed with their own KMS key, under the account SID as encryption context
    # (moto's KMS refuses a Decrypt under another context, as KMS does).
    token_key = boto3.client("kms", region_name=region).create_key(Description="brandlink auth tokens")
    env["BRANDLINK_TOKEN_KEY_ARN"] = token_key["KeyMetadata"]["Arn"]
    # The slug permutation key: random per run (the slug counter starts again with the tables).
    env["BRANDLINK_SLUG_KEY"] = os.environ.get("BRANDLINK_SLUG_KEY") or secrets.token_hex(32)

    os.environ.update(env)
    from brandlink.config import settings

    settings.cache_clear()
    return env
