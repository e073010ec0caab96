"""``InboundQueue`` on SQS: every provider's inbound path puts its ``InboundEvent`` here."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from brandlink.core.inbound.model import InboundEvent


class SqsInboundQueue:
    def __init__(self, queue_url: str, region: str) -> None:
        self.queue_url = queue_url
        self._region = region

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("sqs", self._region)

    def enqueue(self, event: InboundEvent) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=event.to_json())
