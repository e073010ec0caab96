"""The local SQS event source mapping, on moto: batches, partial failures, retries, redrive to the DLQ,
several pollers per queue."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from brandlink.resources import QueueTrigger
from local.sqs_poller import SqsPoller, failed_message_ids


@dataclass
class ScriptedFunction:
    """Records each event; ``decide`` maps an event to the handler's return value (or raises)."""

    decide: Callable[[dict[str, Any]], Any] = lambda event: None
    name: str = "worker"
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self.decide(event)


@dataclass
class Queue:
    url: str
    arn: str
    dlq_url: str
    sqs: Any

    def send(self, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def counts(self, url: str | None = None) -> tuple[int, int]:
        """(visible, in flight) messages."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def make_queue() -> Iterator[Callable[..., Queue]]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")

        def make(visibility_timeout: int = 30, max_receive_count: int = 3) -> Queue:
            dlq_url = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
            url = sqs.create_queue(
                QueueName="work",
                Attributes={"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
            )["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            return Queue(url, arn, dlq_url, sqs)

        yield make


def poller(function: ScriptedFunction, queue: Queue, batch_size: int = 10, window: int = 0) -> SqsPoller:
    trigger = QueueTrigger("work", batch_size=batch_size, max_batching_window_seconds=window)
    return SqsPoller(function, trigger, queue.url, queue.arn, queue.sqs, wait_seconds=0)


def fail_bodies(*bodies: str) -> Callable[[dict[str, Any]], Any]:
    def decide(event: dict[str, Any]) -> Any:
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in bodies]
        return {"batchItemFailures": failures}

    return decide


def test_a_successful_batch_reaches_the_handler_as_an_sqs_event_and_is_deleted(make_queue: Any) -> None:
    queue = make_queue()
    queue.send("a", "b", "c")
    function = ScriptedFunction()

    outcome = poller(function, queue).poll_once()

    assert (outcome.received, outcome.deleted, outcome.failed) == (3, 3, 0)
    (event,) = function.events
    assert sorted(r["body"] for r in event["Records"]) == ["a", "b", "c"]
    assert {r["eventSource"] for r in event["Records"]} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in event["Records"]} == {queue.arn}
    assert all(r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"])
    assert queue.counts() == (0, 0)


def test_the_batch_size_of_the_trigger_caps_each_invocation(make_queue: Any) -> None:
    queue = make_queue()
    queue.send(*[str(n) for n in range(5)])
    function = ScriptedFunction()
    pump = poller(function, queue, batch_size=2)

    sizes = [pump.poll_once().received for _ in range(4)]

    assert sizes == [2, 2, 1, 0]
    assert queue.counts() == (0, 0)


def test_a_batching_window_gathers_more_than_one_receive_can_return(make_queue: Any) -> None:
    queue = make_queue()
    queue.send(*[str(n) for n in range(12)])
    function = ScriptedFunction()

    outcome = poller(function, queue, batch_size=12, window=1).poll_once()

    assert outcome.received == 12
    assert len(function.events[0]["Records"]) == 12


def test_only_records_reported_in_batch_item_failures_stay_on_the_queue(make_queue: Any) -> None:
    queue = make_queue(visibility_timeout=30)
    queue.send("ok-1", "bad", "ok-2")
    function = ScriptedFunction(fail_bodies("bad"))

    outcome = poller(function, queue).poll_once()

    assert (outcome.deleted, outcome.failed) == (2, 1)
    # The failed record is in flight until its visibility timeout, then visible again.
    assert queue.counts() == (0, 1)


def test_a_record_that_keeps_failing_moves_to_the_dlq_after_max_receive_count(make_queue: Any) -> None:
    queue = make_queue(visibility_timeout=0, max_receive_count=2)
    queue.send("poison", "fine")
    function = ScriptedFunction(fail_bodies("poison"))
    pump = poller(function, queue)

    outcomes = [pump.poll_once() for _ in range(4)]

    assert [o.received for o in outcomes] == [2, 1, 0, 0]
    receive_counts = [r["attributes"]["ApproximateReceiveCount"] for e in function.events for r in e["Records"]]
    assert receive_counts[-1] == "2"
    assert queue.counts() == (0, 0)
    assert queue.counts(queue.dlq_url)[0] == 1
    dead = queue.sqs.receive_message(QueueUrl=queue.dlq_url)["Messages"]
    assert [m["Body"] for m in dead] == ["poison"]


def test_a_handler_exception_keeps_the_whole_batch(make_queue: Any) -> None:
    queue = make_queue(visibility_timeout=30)
    queue.send("a", "b")

    def explode(event: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    outcome = poller(ScriptedFunction(explode), queue).poll_once()

    assert (outcome.received, outcome.deleted, outcome.failed) == (2, 0, 2)
    assert queue.counts() == (0, 2)


def test_an_unknown_item_identifier_fails_the_whole_batch(make_queue: Any) -> None:
    queue = make_queue(visibility_timeout=30)
    queue.send("a", "b")
    function = ScriptedFunction(lambda event: {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]})

    outcome = poller(function, queue).poll_once()

    assert (outcome.deleted, outcome.failed) == (0, 2)
    assert queue.counts() == (0, 2)


def test_an_empty_queue_invokes_nothing(make_queue: Any) -> None:
    queue = make_queue()
    function = ScriptedFunction()

    assert poller(function, queue).poll_once().received == 0
    assert function.events == []


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, set()),
        ("ok", set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}, {"m1", "m3"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": [{}]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": ["m1"]}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": "m1"}, {"m1", "m2", "m3"}),
        ({"batchItemFailures": [{"itemIdentifier": "m9"}]}, {"m1", "m2", "m3"}),
    ],
)
def test_failed_message_ids_reads_a_partial_batch_response_as_lambda_does(result: Any, expected: set[str]) -> None:
    assert failed_message_ids(result, ["m1", "m2", "m3"]) == expected


def test_pollers_of_one_queue_run_batches_at_once_without_taking_a_record_twice(make_queue: Any) -> None:
    queue = make_queue()
    queue.send(*[str(n) for n in range(30)])
    all_in = threading.Barrier(3, timeout=60)  # breaks (fails the batch) unless three invocations overlap

    def decide(event: dict[str, Any]) -> Any:
        all_in.wait()
        return None

    function = ScriptedFunction(decide)
    trigger = QueueTrigger("work", batch_size=10)
    lock = threading.Lock()
    pollers = [
        SqsPoller(function, trigger, queue.url, queue.arn, queue.sqs, wait_seconds=0, receive_lock=lock, number=n)
        for n in (1, 2, 3)
    ]
    outcomes: list[Any] = []
    threads = [threading.Thread(target=lambda p=p: outcomes.append(p.poll_once())) for p in pollers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted((o.received, o.deleted) for o in outcomes) == [(10, 10)] * 3
    bodies = [r["body"] for event in function.events for r in event["Records"]]
    assert sorted(bodies, key=int) == [str(n) for n in range(30)]
    assert queue.counts() == (0, 0)
    assert [p.name for p in pollers] == ["sqs-work->worker", "sqs-work->worker#2", "sqs-work->worker#3"]
