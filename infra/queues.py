"""SQS work queues, one per ``resources.QUEUES`` entry, each with its own dead-letter queue."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from brandlink import resources
from infra.naming import camel

DLQ_RETENTION = Duration.days(14)


@dataclass(frozen=True)
class WorkQueue:
    spec: resources.QueueSpec
    queue: sqs.Queue
    dead_letter_queue: sqs.Queue


class WorkQueues(Construct):
    """Encrypted (SSE-SQS), TLS-only queues. Secrets never travel in clear on them: the one payload
    that is secret, a certificate's private key, is sealed with a KMS key before it is queued."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, WorkQueue] = {spec.logical: self._work_queue(spec) for spec in resources.QUEUES}

    def _work_queue(self, spec: resources.QueueSpec) -> WorkQueue:
        name = camel(spec.logical)
        dead_letter_queue = sqs.Queue(
            self,
            f"{name}DeadLetterQueue",
            retention_period=DLQ_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        queue = sqs.Queue(
            self,
            f"{name}Queue",
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            retention_period=Duration.days(spec.retention_days),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letter_queue, max_receive_count=spec.max_receive_count),
        )
        return WorkQueue(spec=spec, queue=queue, dead_letter_queue=dead_letter_queue)

    def queue(self, logical: str) -> WorkQueue:
        return self.queues[logical]
