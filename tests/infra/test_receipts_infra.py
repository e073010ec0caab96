"""Delivery receipts in the template: the receipts queue, its DLQ and alarm, the receipts and sweeper
functions with their grants, and (provider ``sms``) the End User Messaging configuration set whose
events reach the receipts queue through an encrypted SNS topic. cdk-nag runs on every synth here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brandlink import resources
from infra.naming import camel
from tests.infra.conftest import Synthesized
from tests.infra.test_variants import CONTEXT, _role_actions

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


@pytest.fixture(scope="module")
def sms_stack(synth_app: Any) -> Synthesized:
    return synth_app(CONTEXT)  # provider sms, with an operator providerConfig


@pytest.fixture(scope="module")
def outbox_stack(synth_app: Any) -> Synthesized:
    return synth_app()


def _function(stack: Synthesized, logical: str) -> dict[str, Any]:
    prefix = f"Functions{camel(logical)}"
    [function] = [
        f
        for i, f in stack.resources("AWS::Lambda::Function").items()
        if i.startswith(prefix) and not i.startswith(prefix + "Role")
    ]
    return function


def _ref_id(value: Any) -> str:
    return value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]


def test_the_receipts_queue_has_a_dead_letter_queue_and_an_alarm(outbox_stack: Synthesized) -> None:
    queues = outbox_stack.resources("AWS::SQS::Queue")
    receipts = next(q for i, q in queues.items() if i.startswith("QueuesReceiptsQueue"))
    dlq_id = _ref_id(receipts["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
    assert dlq_id.startswith("QueuesReceiptsDeadLetterQueue")
    assert receipts["Properties"]["RedrivePolicy"]["maxReceiveCount"] == resources.queue("receipts").max_receive_count
    alarmed = json.dumps(list(outbox_stack.resources("AWS::CloudWatch::Alarm").values()))
    assert dlq_id in alarmed


@pytest.mark.parametrize("logical", ["receipts", "sweeper"])
def test_the_new_functions_are_deployed_with_their_trigger(outbox_stack: Synthesized, logical: str) -> None:
    spec = next(s for s in resources.FUNCTIONS if s.logical == logical)
    function = _function(outbox_stack, logical)
    assert function["Properties"]["Handler"] == spec.handler
    if spec.queue_trigger:
        mappings = outbox_stack.resources("AWS::Lambda::EventSourceMapping")
        assert any(
            _ref_id(m["Properties"]["EventSourceArn"]).startswith("QueuesReceiptsQueue") for m in mappings.values()
        )
    if spec.schedule_expression:
        rules = outbox_stack.resources("AWS::Events::Rule")
        assert any(r["Properties"].get("ScheduleExpression") == spec.schedule_expression for r in rules.values())


def test_the_receipts_function_writes_messages_and_queues_callbacks_and_fallbacks_only(
    outbox_stack: Synthesized,
) -> None:
    granted = _role_actions(outbox_stack, "receipts")
    assert "sqs:SendMessage" in granted
    assert not any(action.startswith(("sms-voice:", "sns:", "secretsmanager:")) for action in granted)
    variables = _function(outbox_stack, "receipts")["Properties"]["Environment"]["Variables"]
    assert set(variables) & {q.env_var for q in resources.QUEUES} == {
        resources.queue("status_callbacks").env_var,
        resources.queue("send").env_var,  # Fallback to Long Code re-sends through dispatch
    }


def test_no_delivery_events_without_the_sms_provider(outbox_stack: Synthesized) -> None:
    assert outbox_stack.resources("AWS::SMSVOICE::ConfigurationSet") == {}


def test_sms_delivery_events_reach_the_receipts_queue(sms_stack: Synthesized) -> None:
    [config_set] = sms_stack.resources("AWS::SMSVOICE::ConfigurationSet").values()
    [destination] = config_set["Properties"]["EventDestinations"]
    assert destination["Enabled"] is True
    assert destination["MatchingEventTypes"] == ["TEXT_ALL"]
    topic_id = _ref_id(destination["SnsDestination"]["TopicArn"])
    topic = sms_stack.resources("AWS::SNS::Topic")[topic_id]
    assert "KmsMasterKeyId" in topic["Properties"]
    [subscription] = [
        s
        for s in sms_stack.resources("AWS::SNS::Subscription").values()
        if _ref_id(s["Properties"]["TopicArn"]) == topic_id
    ]
    assert subscription["Properties"]["Protocol"] == "sqs"
    assert subscription["Properties"]["RawMessageDelivery"] is True
    assert _ref_id(subscription["Properties"]["Endpoint"]).startswith("QueuesReceiptsQueue")
    policies = json.dumps(list(sms_stack.resources("AWS::SNS::TopicPolicy").values()))
    assert "sms-voice.amazonaws.com" in policies and "aws:SourceAccount" in policies


def test_dispatch_sends_with_the_configuration_set(sms_stack: Synthesized) -> None:
    [config_set] = sms_stack.resources("AWS::SMSVOICE::ConfigurationSet").values()
    name = config_set["Properties"]["ConfigurationSetName"]
    variables = _function(sms_stack, "dispatch")["Properties"]["Environment"]["Variables"]
    config = json.loads(variables["BRANDLINK_PROVIDER_CONFIG"])
    assert config == {"origination_identity": "pool-0123", "configuration_set": name}


def test_an_operator_configuration_set_is_kept() -> None:
    from infra.functions import provider_config_with_configuration_set

    assert json.loads(provider_config_with_configuration_set('{"configuration_set": "mine"}', "stack")) == {
        "configuration_set": "mine"
    }
    assert json.loads(provider_config_with_configuration_set(None, "stack")) == {"configuration_set": "stack"}


def test_the_api_reads_the_provider_secret_only_for_signed_receipts(synth_app: Any, sms_stack: Synthesized) -> None:
    secret = CONTEXT["providerSecretArn"]
    assert secret not in _role_actions(sms_stack, "api").get("secretsmanager:GetSecretValue", [])
    twilio = synth_app({**CONTEXT, "provider": "twilio", "providerConfig": "{}"})
    assert secret in _role_actions(twilio, "api").get("secretsmanager:GetSecretValue", [])
