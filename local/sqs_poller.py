"""The SQS event source mapping: long-poll a queue, invoke the function with a batch, delete what succeeded."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from brandlink.resources import QueueTrigger
from local.events import sqs_event
from local.lambda_runtime import FunctionError, Invocable
from local.pump import Pump

logger = logging.getLogger("local.sqs")

SQS_MAX_RECEIVE = 10


@dataclass(frozen=True)
class BatchOutcome:
    received: int = 0
    deleted: int = 0
    failed: int = 0


def failed_message_ids(result: Any, batch_ids: Sequence[str]) -> set[str]:
    """The records Lambda keeps on the queue after a ``ReportBatchItemFailures`` response.

    No ``batchItemFailures`` means every record succeeded; an entry without a known
    ``itemIdentifier`` makes Lambda treat the whole batch as failed.
    """
    if not isinstance(result, Mapping):
        return set()
    failures = result.get("batchItemFailures")
    if not failures:
        return set()
    everything = set(batch_ids)
    if not isinstance(failures, list):
        return everything
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in everything:
            return everything
        failed.add(identifier)
    return failed


class SqsPoller(Pump):
    """Failed records are left alone: they reappear after the queue's visibility timeout, and
    the queue's redrive policy moves them to the DLQ after ``maxReceiveCount`` receives.

    Like Lambda's event source mapping, several pollers may feed one function (up to its
    concurrency), each invoking with its own batch. Pollers of one queue share ``receive_lock``:
    moto's ReceiveMessage is not atomic across threads (two concurrent calls can both take a
    message), so only one of them receives at a time; the invocations still overlap."""

    def __init__(
        self,
        function: Invocable,
        trigger: QueueTrigger,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        wait_seconds: int = 1,
        *,
        receive_lock: threading.Lock | None = None,
        number: int = 1,
    ) -> None:
        suffix = f"#{number}" if number > 1 else ""
        super().__init__(name=f"sqs-{trigger.queue}->{function.name}{suffix}")
        self._function = function
        self._trigger = trigger
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._sqs = sqs
        self._wait_seconds = wait_seconds
        self._receive_lock = receive_lock or threading.Lock()

    def step(self) -> float:
        self.poll_once()
        return 0.0

    def poll_once(self) -> BatchOutcome:
        messages = self._collect_batch()
        if not messages:
            return BatchOutcome()
        batch_ids = [message["MessageId"] for message in messages]
        try:
            result = self._function.invoke(sqs_event(messages, self._queue_arn))
        except FunctionError as exc:
            logger.error(
                "The %s function failed on a batch of %d from %s:\n%s",
                self._function.name,
                len(messages),
                self._trigger.queue,
                exc.log_text(),
            )
            return BatchOutcome(received=len(messages), failed=len(messages))
        except Exception:
            logger.exception(
                "The %s function failed on a batch of %d from %s",
                self._function.name,
                len(messages),
                self._trigger.queue,
            )
            return BatchOutcome(received=len(messages), failed=len(messages))
        failed = failed_message_ids(result, batch_ids)
        done = [message for message in messages if message["MessageId"] not in failed]
        self._delete(done)
        if failed:
            logger.warning(
                "%s: %d of %d record(s) from %s failed and will be retried",
                self._function.name,
                len(failed),
                len(messages),
                self._trigger.queue,
            )
        return BatchOutcome(received=len(messages), deleted=len(done), failed=len(failed))

    def _receive(self, count: int) -> list[dict[str, Any]]:
        # Waiting for the lock in slices keeps a stop request from waiting behind other pollers.
        while not self._receive_lock.acquire(timeout=self._wait_seconds or 1):
            if self.stopping:
                return []
        try:
            if self.stopping:
                return []
            response = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, count),
                WaitTimeSeconds=self._wait_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        finally:
            self._receive_lock.release()
        return list(response.get("Messages", []))

    def _collect_batch(self) -> list[dict[str, Any]]:
        """Like the mapping: invoke on the first messages, or gather up to ``batch_size`` for
        ``max_batching_window_seconds`` when a window is set."""
        size = self._trigger.batch_size
        batch = self._receive(size)
        if not batch:
            return batch
        deadline = time.monotonic() + self._trigger.max_batching_window_seconds
        while len(batch) < size and time.monotonic() < deadline and not self.stopping:
            batch.extend(self._receive(size - len(batch)))
        return batch

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), SQS_MAX_RECEIVE):
            chunk = messages[start : start + SQS_MAX_RECEIVE]
            response = self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(chunk)],
            )
            for failure in response.get("Failed", []):
                logger.error("Could not delete a processed record from %s: %s", self._trigger.queue, failure)
