"""Deployment knobs: defaults agree with cdk.json, and every bad value stops the synth with a clear sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from brandlink.config import load_settings
from infra.settings import DEFAULTS, ContextError, load_deployment_settings

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CDK_JSON = PROJECT_ROOT / "cdk.json"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:brandlink/twilio-AbCdEf"


def test_cdk_json_holds_every_knob_with_the_code_default() -> None:
    assert json.loads(CDK_JSON.read_text())["context"] == DEFAULTS


def test_cdk_json_runs_the_app_with_the_project_venv() -> None:
    assert json.loads(CDK_JSON.read_text())["app"] == ".venv/bin/python app.py"


def test_defaults_match_what_the_functions_assume_without_configuration() -> None:
    settings = load_deployment_settings({})
    function_defaults = load_settings({})
    configured = load_settings(settings.function_environment())
    for field in (
        "provider",
        "schedule_min_seconds",
        "schedule_max_seconds",
        "scheduled_cap",
        "retention_days",
        "link_ttl_days",
        "cert_expiry_window_days",
        "shorten_rate_per_second",
    ):
        assert getattr(configured, field) == getattr(function_defaults, field), field
    assert settings.log_retention == logs.RetentionDays.THREE_MONTHS


def test_cli_strings_are_accepted_like_json_values() -> None:
    settings = load_deployment_settings(
        {"scheduleMinSeconds": "600", "logRetentionDays": "30", "provider": "SNS", "providerConfig": '{"b":1,"a":2}'}
    )
    assert settings.schedule_min_seconds == 600
    assert settings.log_retention == logs.RetentionDays.ONE_MONTH
    assert settings.provider == "sns"
    assert settings.provider_config == '{"a":2,"b":1}'


def test_optional_values_reach_the_function_environment() -> None:
    settings = load_deployment_settings(
        {
            "provider": "twilio",
            "providerSecretArn": SECRET,
            "providerConfig": {"from": "+15005550006"},
            "publicApiUrl": "https://sms.example.com",
        }
    )
    configured = load_settings(settings.function_environment())
    assert configured.provider == "twilio"
    assert configured.provider_secret_arn == SECRET
    assert configured.provider_config == '{"from":"+15005550006"}'
    assert configured.public_api_url == "https://sms.example.com"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"provider": "carrier-pigeon"}, "provider must be one of outbox, sms, sns, twilio, webhook"),
        ({"provider": "twilio"}, "Provider twilio needs its credentials: set providerSecretArn"),
        ({"providerSecretArn": "brandlink/twilio"}, "providerSecretArn must be the full ARN"),
        ({"providerConfig": "from=+1555"}, "providerConfig must be a JSON object, got text that is not JSON"),
        ({"providerConfig": "[1, 2]"}, "providerConfig must be a JSON object"),
        ({"scheduleMinSeconds": "soon"}, "scheduleMinSeconds must be a whole number"),
        ({"scheduleMinSeconds": True}, "scheduleMinSeconds must be a whole number"),
        ({"scheduleMinSeconds": 0}, "scheduleMinSeconds must be between 1 and"),
        ({"scheduleMinSeconds": 7200, "scheduleMaxSeconds": 3600}, "must be below scheduleMaxSeconds (3600)"),
        ({"scheduledMessageCap": 2_000_000}, "scheduledMessageCap must be between 1 and 1000000"),
        ({"retentionDays": -1}, "retentionDays must be between 1 and 3653"),
        ({"linkTtlDays": 1.5}, "linkTtlDays must be a whole number"),
        ({"logRetentionDays": 45}, "logRetentionDays must be one CloudWatch Logs accepts (1, 3, 5, 7, 14, 30"),
        ({"alarmEmail": "ops"}, "alarmEmail must be an e-mail address"),
        ({"publicApiUrl": "http://api.example.com"}, "publicApiUrl must be an https:// URL"),
        ({"stackName": "1st-brandlink"}, "stackName must start with a letter"),
        ({"stackName": "brand_link"}, "stackName must start with a letter"),
        ({"lambdaAssetDir": " "}, "lambdaAssetDir must name the Lambda asset folder"),
        ({"provider": 3}, "provider must be a string"),
        ({"snapStart": "sometimes"}, "snapStart must be true or false, got 'sometimes'"),
        ({"snapStart": 1}, "snapStart must be a string"),
    ],
)
def test_bad_values_are_refused_with_a_sentence_naming_the_knob(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ContextError) as raised:
        load_deployment_settings(context)
    assert message in str(raised.value)
    assert str(raised.value).endswith(".")


def test_a_missing_asset_folder_says_to_run_make_assets(tmp_path: Path) -> None:
    from infra.stack import lambda_code

    with pytest.raises(ContextError, match=r"run `make assets` first"):
        lambda_code(str(tmp_path))


def test_cli_context_overrides_cdk_json_and_errors_exit_cleanly(tmp_path: Path) -> None:
    """What ``cdk synth -c provider=...`` does: the CLI hands app.py its context in CDK_CONTEXT_JSON."""
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"provider": "carrier-pigeon"}), "CDK_OUTDIR": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    finished = subprocess.run(
        [sys.executable, "app.py"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 2
    assert "Cannot synthesize Brandlink: Context value provider must be one of" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_the_deployment_settings_are_exactly_the_knobs_with_a_context_key() -> None:
    from dataclasses import fields

    from brandlink import knobs
    from infra.settings import DeploymentSettings

    assert [field.name for field in fields(DeploymentSettings)] == [knob.field for knob in knobs.CONTEXT_KNOBS]
    assert list(DEFAULTS) == [knob.context for knob in knobs.CONTEXT_KNOBS]


@pytest.mark.parametrize(
    ("raw", "value"), [(True, True), (False, False), ("true", True), ("FALSE", False), (" True ", True)]
)
def test_snap_start_takes_json_booleans_and_cli_text(raw: Any, value: bool) -> None:
    assert load_deployment_settings({"snapStart": raw}).snap_start is value
