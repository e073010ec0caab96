"""Operator alerts on the deployment's SNS topic (certificate expiry)."""

from __future__ import annotations

import json
from typing import Any

MAX_SUBJECT = 100


class SnsAlerts:
    def __init__(self, topic_arn: str, region: str) -> None:
        from brandlink import aws_session

        self._topic_arn = topic_arn
        self._client: Any = aws_session.client("sns", region)

    def publish(self, subject: str, message: dict[str, Any]) -> None:
        self._client.publish(
            TopicArn=self._topic_arn,
            Subject=subject[:MAX_SUBJECT],
            Message=json.dumps(message, separators=(",", ":"), sort_keys=True),
        )
