"""``brandlink replay-dlq QUEUE``: move what a work queue's DLQ holds back onto the queue.

For an operator whose receiver (or provider) was down longer than every retry: once it is back,
the dead-lettered click events, status callbacks or sends go through the normal path again. The DLQ
is found from the queue's own ``RedrivePolicy``, so the command needs only the queue's URL
(``BRANDLINK_QUEUE_<NAME>_URL``: ``--local`` sets it from the local stack, ``--stack`` from the
stack's ``Queue<Name>Url`` output). Each batch of up to ten is sent to the queue first and deleted
from the DLQ only once the queue accepted it, so a failure leaves a message in the DLQ, never lost;
the bodies and message attributes travel unchanged (a click event keeps its id, so its receiver
can still drop a repeat by ``I-Twilio-Idempotency-Token``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from brandlink import resources

BATCH = 10


class QueueCommandError(Exception):
    """The one sentence to show."""


def _client() -> Any:
    from brandlink import aws_session
    from brandlink.config import settings

    settings.cache_clear()
    return aws_session.client("sqs", settings().region)


def dead_letter_url(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    policy = attributes.get("RedrivePolicy")
    if not policy:
        raise QueueCommandError(f"The queue {queue_url} has no dead-letter queue (no RedrivePolicy).")
    arn = str(json.loads(policy)["deadLetterTargetArn"])
    _, _, _, _, owner, name = arn.split(":", 5)
    return str(sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"])


def _entry(index: int, message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
    attributes = {
        name: {key: value for key, value in attribute.items() if key in ("DataType", "StringValue", "BinaryValue")}
        for name, attribute in (message.get("MessageAttributes") or {}).items()
    }
    if attributes:
        entry["MessageAttributes"] = attributes
    return entry


def replay_dlq(queue: str, sqs: Any = None) -> dict[str, Any]:
    """Move the DLQ's messages (as many as it held when the command started) back to ``queue``."""
    names = [spec.logical for spec in resources.QUEUES]
    if queue not in names:
        raise QueueCommandError(f"There is no queue {queue!r}: use one of {', '.join(names)}.")
    spec = resources.queue(queue)
    queue_url = os.environ.get(spec.env_var)
    if not queue_url:
        raise QueueCommandError(
            f"The {queue} queue's URL is not known ({spec.env_var} is not set): use --local or --stack NAME."
        )
    sqs = sqs or _client()
    dlq_url = dead_letter_url(sqs, queue_url)
    held = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    to_move = int(held.get("Attributes", {}).get("ApproximateNumberOfMessages", "0"))
    moved = failed = 0
    while moved + failed < to_move:
        messages = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=min(BATCH, to_move - moved - failed),
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        sent = sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[_entry(i, message) for i, message in enumerate(messages)]
        )
        accepted = [messages[int(ok["Id"])] for ok in sent.get("Successful", [])]
        failed += len(messages) - len(accepted)
        if accepted:
            sqs.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(accepted)],
            )
        moved += len(accepted)
    return {"queue": queue, "dead_letter_queue": dlq_url, "found": to_move, "replayed": moved, "failed": failed}
