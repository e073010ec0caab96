"""Build the events AWS would hand the Lambdas: API Gateway HTTP API (payload 2.0) and SQS."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl


def http_event(
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    raw_query: str = "",
    source_ip: str = "127.0.0.1",
    stage: str = "$default",
) -> dict[str, Any]:
    """An API Gateway HTTP API v2 event, as API Gateway builds it for a ``$default`` route."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    host = lowered.get("host", "localhost")
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        # API Gateway v2 joins repeated query keys with commas.
        query[key] = f"{query[key]},{value}" if key in query else value
    raw_body = body.encode() if isinstance(body, str) else body
    content_type = lowered.get("content-type", "")
    textual = content_type.startswith(("application/x-www-form-urlencoded", "application/json", "text/"))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host.split(":")[0],
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if raw_body:
        if textual:
            event["body"] = raw_body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(raw_body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event-source-mapping event from ``receive_message`` results."""
    records = []
    for message in messages:
        attributes = dict(message.get("Attributes", {}))
        attributes.setdefault("ApproximateReceiveCount", "1")
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": attributes,
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "us-east-1",
            }
        )
    return {"Records": records}


def scheduled_event(rule_arn: str) -> dict[str, Any]:
    """An EventBridge scheduled-rule event (``rate(...)``)."""
    return {
        "version": "0",
        "id": uuid.uuid4().hex,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1",
        "resources": [rule_arn],
        "detail": {},
    }


def decode_response_body(response: Mapping[str, Any]) -> bytes:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
