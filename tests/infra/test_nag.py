"""cdk-nag is live: a non-compliant resource fails the synth until it is acknowledged with a reason."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_sqs import CfnQueue

from infra import nag

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def _app_with_plain_queue(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, sqs.Queue]:
    app = App(outdir=str(tmp_path_factory.mktemp("nag")))
    stack = Stack(app, "NagProbe")
    # No dead-letter queue and no TLS-only policy: AwsSolutions-SQS3 and SQS4.
    queue = sqs.Queue(stack, "Plain", encryption=sqs.QueueEncryption.SQS_MANAGED)
    nag.enable_checks(app)
    return app, queue


def test_a_non_compliant_resource_fails_the_synth(tmp_path_factory: pytest.TempPathFactory) -> None:
    app, _ = _app_with_plain_queue(tmp_path_factory)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_acknowledging_only_one_of_two_findings_still_fails(tmp_path_factory: pytest.TempPathFactory) -> None:
    app, queue = _app_with_plain_queue(tmp_path_factory)
    nag.acknowledge(queue, "SQS3", "A probe queue in a test: nothing is ever redriven from it.")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_acknowledged_findings_let_the_synth_pass(tmp_path_factory: pytest.TempPathFactory) -> None:
    app, queue = _app_with_plain_queue(tmp_path_factory)
    nag.acknowledge(queue, "SQS3", "A probe queue in a test: nothing is ever redriven from it.")
    nag.acknowledge(queue, "SQS4", "A probe queue in a test: it is never deployed, so no request reaches it.")
    app.synth()
    assert {a.rule_id for a in nag.recorded_acknowledgments(app)} == {
        "AwsSolutions::AwsSolutions-SQS3",
        "AwsSolutions::AwsSolutions-SQS4",
    }


def test_an_acknowledgment_without_a_reason_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, queue = _app_with_plain_queue(tmp_path_factory)
    with pytest.raises(ValueError, match="needs a reason"):
        nag.acknowledge(queue, "SQS4", "   ")


def test_wildcard_findings_are_named_as_cdk_nag_names_them(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, queue = _app_with_plain_queue(tmp_path_factory)
    resource = queue.node.default_child
    assert isinstance(resource, CfnQueue)
    logical_id = Stack.of(queue).get_logical_id(resource)
    assert nag.flatten(queue, f"{queue.queue_arn}/*") == f"<{logical_id}.Arn>/*"
    assert nag.flatten(queue, "arn:aws:s3:::bucket/*") == "arn:aws:s3:::bucket/*"
