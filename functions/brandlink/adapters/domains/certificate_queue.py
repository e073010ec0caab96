"""The certificates queue: jobs for the certificate worker (install, remove)."""

from __future__ import annotations

import json
from typing import Any


class SqsCertificateJobs:
    def __init__(self, queue_url: str, region: str) -> None:
        from brandlink import aws_session

        self._queue_url = queue_url
        self._client: Any = aws_session.client("sqs", region)

    def send(self, job: dict[str, Any]) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(job, separators=(",", ":")))
