"""Inbound messages in the stack: the inbound function, queue, DLQ and alarms, least-privilege grants,
the End User Messaging two-way SNS topic subscribed by the inbound queue, the provider-secret grant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import Synthesized
from tests.infra.test_stack import _actions, _logical_id, _resources, _statements

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


@pytest.fixture(scope="module")
def stack(synth_app: Any) -> Synthesized:
    return synth_app()


def test_the_inbound_function_is_fed_by_the_inbound_queue_with_partial_failures(stack: Synthesized) -> None:
    queue_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesInboundQueue")
    mappings = [
        m
        for m in stack.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]
    assert len(mappings) == 1
    assert mappings[0]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = stack.resources("AWS::SQS::Queue")[queue_id]["Properties"]
    dead_letter_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesInboundDeadLetterQueue")
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letter_id, "Arn"]}
    alarmed = [
        a
        for a in stack.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Dimensions")
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letter_id, "QueueName"]}}]
    ]
    assert len(alarmed) == 1


def test_the_inbound_function_writes_only_messages_and_opt_outs_and_sends_only_to_dispatch(
    stack: Synthesized,
) -> None:
    statements = _statements(stack, "FunctionsInboundRole")
    tables = stack.resources("AWS::DynamoDB::Table")
    writable = {"DataMessages", "DataOptOuts"}
    for statement in statements:
        actions = _actions(statement)
        if any(a in ("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem") for a in actions):
            targets = {str(r) for r in _resources(statement)}
            allowed = {str({"Fn::GetAtt": [_logical_id(tables, name), "Arn"]}) for name in writable}
            assert targets <= allowed | {"{'Ref': 'AWS::NoValue'}"}, targets
        if "sqs:SendMessage" in actions:
            send_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesSendQueue")
            assert _resources(statement) == [{"Fn::GetAtt": [send_id, "Arn"]}]
    assert not any("secretsmanager:GetSecretValue" in _actions(s) for s in statements)


def test_the_two_way_sms_topic_is_encrypted_tls_only_and_feeds_the_inbound_queue(stack: Synthesized) -> None:
    topic_id = _logical_id(stack.resources("AWS::SNS::Topic"), "InboundSmsTopic")
    topic = stack.resources("AWS::SNS::Topic")[topic_id]
    assert "KmsMasterKeyId" in topic["Properties"]
    queue_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesInboundQueue")
    [subscription] = stack.resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id}
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    policies = [
        p for p in stack.resources("AWS::SNS::TopicPolicy").values() if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    publish = [s for s in statements if s["Effect"] == "Allow" and "sns:Publish" in _actions(s)]
    assert [s["Principal"] for s in publish] == [{"Service": "sms-voice.amazonaws.com"}]
    assert "aws:SourceAccount" in publish[0]["Condition"]["StringEquals"]
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    assert "InboundSmsTopicArn" in stack.json["Outputs"]


def test_the_api_reads_the_provider_secret_only_for_providers_that_post_inbound(synth_app: Any) -> None:
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:provider-AbCdEf"

    def api_reads_secret(synthesized: Synthesized) -> bool:
        return any(
            "secretsmanager:GetSecretValue" in _actions(s) and secret in _resources(s)
            for s in _statements(synthesized, "FunctionsApiRole")
        )

    assert api_reads_secret(synth_app({"provider": "twilio", "providerSecretArn": secret}))
    assert api_reads_secret(
        synth_app(
            {"provider": "webhook", "providerSecretArn": secret, "providerConfig": '{"url": "https://gw.example.com"}'}
        )
    )
    assert not api_reads_secret(synth_app({"provider": "sns", "providerSecretArn": secret}))


def test_the_sender_id_warning_is_alarmed(stack: Synthesized) -> None:
    [alarm] = [
        a["Properties"]
        for a in stack.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "SenderIdNotRegistered"
    ]
    assert alarm["Namespace"] == "Brandlink"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "brandlink-dispatch"}]
    assert alarm["Threshold"] == 1
