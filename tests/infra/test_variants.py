"""The knobs change the stack: a provider with credentials, an alarm e-mail, a public URL, another name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from brandlink import resources
from infra.naming import camel
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:brandlink/provider-AbCdEf"
LEGACY_TOKEN_KEY = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:TokenKeySecret-XyZ123"
CONTEXT = {
    "stackName": "BrandlinkStaging",
    "provider": "sms",
    "providerSecretArn": SECRET,
    "providerConfig": '{"origination_identity": "pool-0123"}',
    "alarmEmail": "ops@example.com",
    "publicApiUrl": "https://sms.example.com",
    "logRetentionDays": "30",
    "snapStart": "false",
    "legacyTokenKeySecretArn": LEGACY_TOKEN_KEY,
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
            resource in (SECRET, LEGACY_TOKEN_KEY) or resource.get("Ref", "").startswith("SlugKey")
            for resource in granted
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
        config = json.loads(variables["BRANDLINK_PROVIDER_CONFIG"])
        config.pop("configuration_set", None)  # the senders' own: the stack's delivery events (test_receipts_infra)
        assert config == {"origination_identity": "pool-0123"}
        assert variables["BRANDLINK_PUBLIC_API_URL"] == "https://sms.example.com"
        assert log_groups[properties["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]["RetentionInDays"] == 30


def test_while_migrating_only_signers_read_the_retired_token_master_key(stack: Synthesized) -> None:
    """``legacyTokenKeySecretArn`` (upgrading from derived tokens): signers may read it, nobody else."""
    for spec in resources.FUNCTIONS:
        signer = "token_decrypt" in spec.capabilities
        granted = _role_actions(stack, spec.logical).get("secretsmanager:GetSecretValue", [])
        assert (LEGACY_TOKEN_KEY in granted) == signer, spec.logical
    assert stack.json["Outputs"]["LegacyTokenKeySecretArn"]["Value"] == LEGACY_TOKEN_KEY
    assert not any(logical.startswith("TokenKey") for logical in stack.resources("AWS::SecretsManager::Secret"))


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


def test_the_api_gets_provider_rights_only_when_it_sends_verification_codes(synth_app: Any) -> None:
    """``senderVerificationFrom`` set: the api function may send through the provider (codes); unset
    (the default, the module's stack): it has no provider right at all."""
    verifying = synth_app({**CONTEXT, "senderVerificationFrom": "Brandlink"})
    granted = _role_actions(verifying, "api")
    assert "sms-voice:SendTextMessage" in granted
    assert SECRET in granted.get("secretsmanager:GetSecretValue", [])
    variables = next(
        f["Properties"]["Environment"]["Variables"]
        for i, f in verifying.resources("AWS::Lambda::Function").items()
        if i.startswith("FunctionsApi")
    )
    assert variables["BRANDLINK_SENDER_VERIFICATION_FROM"] == "Brandlink"


def test_without_verification_codes_the_api_has_no_provider_rights(stack: Synthesized) -> None:
    granted = _role_actions(stack, "api")
    assert "sms-voice:SendTextMessage" not in granted
    assert SECRET not in granted.get("secretsmanager:GetSecretValue", [])


@pytest.mark.parametrize(
    ("bus", "arn"),
    [
        ("default", None),
        (
            "arn:aws:events:eu-west-1:210987654321:event-bus/analytics",
            "arn:aws:events:eu-west-1:210987654321:event-bus/analytics",
        ),
    ],
)
def test_click_events_go_to_eventbridge_only_with_click_event_bus(synth_app: Any, bus: str, arn: Any) -> None:
    """``clickEventBus`` set: the clicks function may ``events:PutEvents`` on that bus alone and is told
    its name; unset (the module's stack): no EventBridge right and no variable."""
    publishing = synth_app({**CONTEXT, "clickEventBus": bus})
    granted = _role_actions(publishing, "clicks")
    [resource] = granted["events:PutEvents"]
    if arn is not None:
        assert resource == arn
    else:  # a name: this stack's account and Region
        assert "event-bus/default" in json.dumps(resource) and ":events:" in json.dumps(resource)
    assert not any(
        action.startswith("events:") for name in ("api", "dispatch") for action in _role_actions(publishing, name)
    )
    variables = next(
        f["Properties"]["Environment"]["Variables"]
        for i, f in publishing.resources("AWS::Lambda::Function").items()
        if i.startswith("FunctionsClicks")
    )
    assert variables["BRANDLINK_CLICK_EVENT_BUS"] == bus


def test_without_click_event_bus_no_function_may_put_events(stack: Synthesized) -> None:
    for spec in resources.FUNCTIONS:
        assert not any(action.startswith("events:") for action in _role_actions(stack, spec.logical)), spec.logical
