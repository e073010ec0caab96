"""The knobs change the stack: a provider with credentials, an alarm e-mail, a public URL, another name."""

from __future__ import annotations

from typing import Any

import pytest

from brandlink import resources
from infra.naming import camel
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:brandlink/provider-AbCdEf"
CONTEXT = {
    "stackName": "BrandlinkStaging",
    "provider": "sms",
    "providerSecretArn": SECRET,
    "providerConfig": '{"origination_identity": "pool-0123"}',
    "alarmEmail": "ops@example.com",
    "publicApiUrl": "https://sms.example.com",
    "logRetentionDays": "30",
    "snapStart": "false",
}


@pytest.fixture(scope="module")
def stack(synth_app: Any) -> Synthesized:
    return synth_app(CONTEXT)


def _role_actions(stack: Synthesized, function_logical: str) -> dict[str, list[Any]]:
    """action -> resources, over every policy attached to the function's role."""
    prefix = f"Functions{camel(function_logical)}Role"
    [role_id] = [i for i in stack.resources("AWS::IAM::Role") if i.startswith(prefix)]
    granted: dict[str, list[Any]] = {}
    for policy in stack.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                granted.setdefault(action, []).append(statement["Resource"])
    return granted


def test_the_stack_takes_its_name_from_the_context(stack: Synthesized) -> None:
    assert stack.stack.stack_name == "BrandlinkStaging"


def test_only_functions_with_the_capability_read_the_provider_secret(stack: Synthesized) -> None:
    for spec in resources.FUNCTIONS:
        granted = _role_actions(stack, spec.logical).get("secretsmanager:GetSecretValue", [])
        assert (SECRET in granted) == ("provider_secret" in spec.capabilities), spec.logical
        assert all(
            resource == SECRET or resource.get("Ref", "").startswith(("TokenKey", "SlugKey")) for resource in granted
        )


def test_sms_provider_may_send_text_messages_and_nothing_else_provider_wise(stack: Synthesized) -> None:
    granted = _role_actions(stack, "dispatch")
    assert "sms-voice:SendTextMessage" in granted
    assert "sns:Publish" not in granted
    assert "sms-voice:SendTextMessage" not in _role_actions(stack, "api")


def test_alarm_email_subscribes_to_the_alerts_topic(stack: Synthesized) -> None:
    stack.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_knobs_reach_every_function(stack: Synthesized) -> None:
    log_groups = stack.resources("AWS::Logs::LogGroup")
    for function in stack.resources("AWS::Lambda::Function").values():
        properties = function["Properties"]
        variables = properties["Environment"]["Variables"]
        assert variables["BRANDLINK_PROVIDER"] == "sms"
        assert variables["BRANDLINK_PROVIDER_SECRET_ARN"] == SECRET
        assert variables["BRANDLINK_PROVIDER_CONFIG"] == '{"origination_identity":"pool-0123"}'
        assert variables["BRANDLINK_PUBLIC_API_URL"] == "https://sms.example.com"
        assert log_groups[properties["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]["RetentionInDays"] == 30


def test_token_key_capability_grants_the_secret_and_names_it(stack: Synthesized) -> None:
    [secret_id] = [i for i in stack.resources("AWS::SecretsManager::Secret") if i.startswith("TokenKeySecret")]
    for spec in resources.FUNCTIONS:
        variables = next(
            f["Properties"]["Environment"]["Variables"]
            for i, f in stack.resources("AWS::Lambda::Function").items()
            if i.startswith(f"Functions{camel(spec.logical)}")
        )
        signer = "token_key" in spec.capabilities
        assert variables.get("BRANDLINK_TOKEN_KEY_SECRET_ARN") == ({"Ref": secret_id} if signer else None)
        granted = _role_actions(stack, spec.logical).get("secretsmanager:GetSecretValue", [])
        assert ({"Ref": secret_id} in granted) == signer, spec.logical


def test_sns_provider_publishes_to_phone_numbers(synth_app: Any) -> None:
    granted = _role_actions(synth_app({"provider": "sns"}), "dispatch")
    assert granted["sns:Publish"] == ["*"]
    assert "sms-voice:SendTextMessage" not in granted


def test_without_snap_start_no_version_is_published_and_the_apis_call_the_functions(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    assert all("SnapStart" not in function["Properties"] for function in functions.values())
    assert stack.resources("AWS::Lambda::Version") == {}
    assert stack.resources("AWS::Lambda::Alias") == {}
    uris = [i["Properties"]["IntegrationUri"] for i in stack.resources("AWS::ApiGatewayV2::Integration").values()]
    http_functions = [spec.logical for spec in resources.FUNCTIONS if spec.http_api]
    assert len(uris) == len(http_functions) == 2
    for logical in http_functions:
        [function_id] = [
            i
            for i in functions
            if i.startswith(f"Functions{camel(logical)}") and len(i) == len(f"Functions{camel(logical)}") + 8
        ]
        assert {"Fn::GetAtt": [function_id, "Arn"]} in uris, logical
