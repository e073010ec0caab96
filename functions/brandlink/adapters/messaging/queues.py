"""SQS queues of the send path: the send queue, the status-callback queue and the receipts queue."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from brandlink.core.messaging.receipts import DeliveryReport
from brandlink.core.messaging.send_queue import DispatchRequest
from brandlink.core.messaging.status_callbacks import StatusCallbackJob

SQS_BATCH_LIMIT = 10


class _Sqs:
    def __init__(self, queue_url: str, region: str) -> None:
        self.queue_url = queue_url
        self._region = region

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("sqs", self._region)

    def send_all(self, bodies: Sequence[str]) -> None:
        """Send every body (batches of 10); raises if SQS refuses any of them."""
        for start in range(0, len(bodies), SQS_BATCH_LIMIT):
            chunk = bodies[start : start + SQS_BATCH_LIMIT]
            entries = [{"Id": str(index), "MessageBody": body} for index, body in enumerate(chunk)]
            failed = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries).get("Failed") or []
            if failed:
                reasons = ", ".join(f"{f.get('Code')}: {f.get('Message')}" for f in failed)
                raise RuntimeError(f"SQS refused {len(failed)} of {len(entries)} messages ({reasons})")


class SqsSendQueue(_Sqs):
    """``SendQueue``: dispatch requests, optionally delayed (retries)."""

    def enqueue(self, request: DispatchRequest, *, delay_seconds: int = 0) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=request.to_json(), DelaySeconds=delay_seconds)


class SqsCallbackQueue(_Sqs):
    """``CallbackQueue``: status-callback jobs."""

    def enqueue(self, jobs: Sequence[StatusCallbackJob]) -> None:
        self.send_all([job.to_json() for job in jobs])


class SqsReceiptQueue(_Sqs):
    """``ReceiptQueue``: delivery reports, applied by the receipts function."""

    def enqueue(self, reports: Sequence[DeliveryReport]) -> None:
        self.send_all([report.to_json() for report in reports])
