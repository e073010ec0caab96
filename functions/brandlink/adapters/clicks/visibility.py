"""Per-message retry delays on the clicks queue: ``ChangeMessageVisibility`` of one received message.

The clicks worker sets a failed post's message invisible for ``callbacks.retry_delay`` seconds, so a
receiver that is down is retried at 5 s, 20 s, 80 s ... per message, not at the queue's fixed
visibility timeout, and no other customer's events wait behind it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

MAX_VISIBILITY_SECONDS = 43_200
"""SQS's limit (12 hours)."""


class SqsVisibility:
    def __init__(self, queue_url: str, region: str) -> None:
        self._queue_url = queue_url
        self._region = region

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("sqs", self._region)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self.client.change_message_visibility(
            QueueUrl=self._queue_url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(MAX_VISIBILITY_SECONDS, seconds)),
        )
