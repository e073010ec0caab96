"""The default stack, synthesized once by app.py with cdk-nag on: resources, wiring, outputs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match
from cdk_nag import AwsSolutionsChecks

from brandlink import resources
from brandlink.config import load_settings
from infra.nag import RecordedAcknowledgment, recorded_acknowledgments
from infra.naming import camel
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


@pytest.fixture(scope="module")
def stack(synth_app: Any) -> Synthesized:
    return synth_app()


def _by_logical_prefix(found: dict[str, dict[str, Any]], prefix: str) -> dict[str, Any]:
    matches = [resource for logical_id, resource in found.items() if re.fullmatch(f"{prefix}[0-9A-F]{{8}}", logical_id)]
    assert len(matches) == 1, f"expected one resource {prefix}*, found {len(matches)}"
    return matches[0]


def _logical_id(found: dict[str, dict[str, Any]], prefix: str) -> str:
    ids = [logical_id for logical_id in found if re.fullmatch(f"{prefix}[0-9A-F]{{8}}", logical_id)]
    assert len(ids) == 1, f"expected one resource {prefix}*, found {ids}"
    return ids[0]


def _statements(stack: Synthesized, role_prefix: str) -> list[dict[str, Any]]:
    role_id = _logical_id(stack.resources("AWS::IAM::Role"), role_prefix)
    policies = [
        policy
        for policy in stack.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]
    return [statement for policy in policies for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def _resources(statement: dict[str, Any]) -> list[Any]:
    found = statement["Resource"]
    return found if isinstance(found, list) else [found]


# --- data -----------------------------------------------------------------------------------------


def test_one_table_per_spec_on_demand_with_pitr_encryption_and_retain(stack: Synthesized) -> None:
    tables = stack.resources("AWS::DynamoDB::Table")
    assert len(tables) == len(resources.TABLES)
    for spec in resources.TABLES:
        table = _by_logical_prefix(tables, f"Data{camel(spec.logical)}")
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["SSESpecification"]["SSEEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
        assert table["UpdateReplacePolicy"] == "Retain"
        keys = {key["KeyType"]: key["AttributeName"] for key in properties["KeySchema"]}
        assert keys == {"HASH": spec.hash_key, **({"RANGE": spec.range_key} if spec.range_key else {})}


@pytest.mark.parametrize("logical", ["links", "messages", "clicks"])
def test_expiring_tables_have_ttl(stack: Synthesized, logical: str) -> None:
    table = _by_logical_prefix(stack.resources("AWS::DynamoDB::Table"), f"Data{camel(logical)}")
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_ttl_exactly_where_the_spec_asks(stack: Synthesized) -> None:
    tables = stack.resources("AWS::DynamoDB::Table")
    for spec in resources.TABLES:
        properties = _by_logical_prefix(tables, f"Data{camel(spec.logical)}")["Properties"]
        expected = {"AttributeName": spec.ttl_attribute, "Enabled": True} if spec.ttl_attribute else None
        assert properties.get("TimeToLiveSpecification") == expected, spec.logical


def test_indexes_project_all_attributes(stack: Synthesized) -> None:
    tables = stack.resources("AWS::DynamoDB::Table")
    for spec in resources.TABLES:
        properties = _by_logical_prefix(tables, f"Data{camel(spec.logical)}")["Properties"]
        indexes = {index["IndexName"]: index for index in properties.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {index.name for index in spec.indexes}
        for index in spec.indexes:
            assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
            assert indexes[index.name]["KeySchema"][0] == {"AttributeName": index.hash_key, "KeyType": "HASH"}


# --- queues ---------------------------------------------------------------------------------------


def test_every_queue_has_its_own_dead_letter_queue(stack: Synthesized) -> None:
    queues = stack.resources("AWS::SQS::Queue")
    assert len(queues) == 2 * len(resources.QUEUES)
    dead_letter_ids = set()
    for spec in resources.QUEUES:
        name = camel(spec.logical)
        properties = _by_logical_prefix(queues, f"Queues{name}Queue")["Properties"]
        dead_letter_id = _logical_id(queues, f"Queues{name}DeadLetterQueue")
        assert properties["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dead_letter_id, "Arn"]},
            "maxReceiveCount": spec.max_receive_count,
        }
        assert properties["VisibilityTimeout"] == spec.visibility_timeout_seconds
        assert properties["MessageRetentionPeriod"] == spec.retention_days * 86400
        dead_letter_ids.add(dead_letter_id)
    assert len(dead_letter_ids) == len(resources.QUEUES)
    for dead_letter_id in dead_letter_ids:
        assert queues[dead_letter_id]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
        assert "RedrivePolicy" not in queues[dead_letter_id]["Properties"]


def test_queues_are_encrypted_and_tls_only(stack: Synthesized) -> None:
    queues = stack.resources("AWS::SQS::Queue")
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    policies = stack.resources("AWS::SQS::QueuePolicy").values()
    protected = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}:
                protected.update(queue["Ref"] for queue in policy["Properties"]["Queues"])
    assert protected == set(queues)


# --- functions ------------------------------------------------------------------------------------


def _function(stack: Synthesized, logical: str) -> dict[str, Any]:
    return _by_logical_prefix(stack.resources("AWS::Lambda::Function"), f"Functions{camel(logical)}")


def test_every_function_from_the_spec_on_arm64_python_with_tracing(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    assert len(functions) == len(resources.FUNCTIONS)
    log_groups = stack.resources("AWS::Logs::LogGroup")
    for spec in resources.FUNCTIONS:
        properties = _function(stack, spec.logical)["Properties"]
        assert properties["Architectures"] == ["arm64"]
        assert re.fullmatch(r"python3\.(1[2-9])", properties["Runtime"])
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Handler"] == spec.handler
        assert properties["MemorySize"] == spec.memory_mb
        assert properties["Timeout"] == spec.timeout_seconds
        log_group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_groups[log_group_id]["Properties"]["RetentionInDays"] == 90


def test_powertools_settings(stack: Synthesized) -> None:
    for spec in resources.FUNCTIONS:
        variables = _function(stack, spec.logical)["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Brandlink"
        assert variables["POWERTOOLS_SERVICE_NAME"] == f"brandlink-{spec.logical.replace('_', '-')}"
        assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert variables["BRANDLINK_MODE"] == "aws"


def _placeholder(value: Any) -> str:
    return value if isinstance(value, str) else "token:" + json.dumps(value, sort_keys=True)


def test_environment_gives_brandlink_config_everything_the_function_uses(stack: Synthesized) -> None:
    for spec in resources.FUNCTIONS:
        variables = _function(stack, spec.logical)["Properties"]["Environment"]["Variables"]
        settings = load_settings({name: _placeholder(value) for name, value in variables.items()})
        assert settings.mode == "aws"
        for logical in set(spec.tables_read + spec.tables_write):
            assert settings.table_name(logical).startswith("token:"), (spec.logical, logical)
        assert set(settings.queue_urls) == set(spec.queues_send), spec.logical
        assert settings.send_queue_arn and settings.send_dlq_arn and settings.scheduler_role_arn
        assert settings.alerts_topic_arn
        assert settings.redirect_target and settings.redirect_api_id and settings.certificate_key_arn
        assert settings.schedule_group == resources.SCHEDULE_GROUP_NAME
        assert (settings.provider, settings.schedule_min_seconds, settings.schedule_max_seconds) == (
            "outbox",
            300,
            3024000,
        )
        assert (settings.scheduled_cap, settings.retention_days, settings.link_ttl_days) == (500000, 400, 90)
        assert (settings.cert_expiry_window_days, settings.shorten_rate_per_second) == (30, 2000)
        assert settings.public_api_url is None and settings.provider_secret_arn is None
        assert (settings.slug_key_secret_arn is not None) == ("links" in spec.tables_write), spec.logical
        assert settings.slug_key is None, "the slug key's value must never be in the template"
        assert (settings.token_key_arn is not None) == ("token_decrypt" in spec.capabilities), spec.logical
        assert settings.legacy_token_key_secret_arn is None


def test_slug_key_comes_from_secrets_manager(stack: Synthesized) -> None:
    variables = _function(stack, "dispatch")["Properties"]["Environment"]["Variables"]
    secret_id = _logical_id(stack.resources("AWS::SecretsManager::Secret"), "SlugKeySecret")
    assert variables["BRANDLINK_SLUG_KEY_SECRET_ARN"] == {"Ref": secret_id}
    assert "BRANDLINK_SLUG_KEY" not in variables
    assert stack.resources("AWS::SecretsManager::Secret")[secret_id]["DeletionPolicy"] == "Retain"


def test_one_event_source_mapping_per_queue_trigger(stack: Synthesized) -> None:
    mappings = list(stack.resources("AWS::Lambda::EventSourceMapping").values())
    triggered = [spec for spec in resources.FUNCTIONS if spec.queue_trigger]
    assert len(mappings) == len(triggered)
    queues = stack.resources("AWS::SQS::Queue")
    functions = stack.resources("AWS::Lambda::Function")
    for spec in triggered:
        assert spec.queue_trigger is not None
        function_id = _logical_id(functions, f"Functions{camel(spec.logical)}")
        queue_id = _logical_id(queues, f"Queues{camel(spec.queue_trigger.queue)}Queue")
        [mapping] = [m for m in mappings if m["Properties"]["FunctionName"] == {"Ref": function_id}]
        properties = mapping["Properties"]
        assert properties["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert properties["BatchSize"] == spec.queue_trigger.batch_size
        window = spec.queue_trigger.max_batching_window_seconds
        assert properties.get("MaximumBatchingWindowInSeconds") == (window or None)


def test_scheduled_functions_have_a_rule(stack: Synthesized) -> None:
    rules = list(stack.resources("AWS::Events::Rule").values())
    scheduled = [spec for spec in resources.FUNCTIONS if spec.schedule_expression]
    assert len(rules) == len(scheduled)
    functions = stack.resources("AWS::Lambda::Function")
    for spec in scheduled:
        function_id = _logical_id(functions, f"Functions{camel(spec.logical)}")
        [rule] = [r for r in rules if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}]
        assert rule["Properties"]["ScheduleExpression"] == spec.schedule_expression


# --- permissions ----------------------------------------------------------------------------------


def test_no_service_wide_actions_anywhere(stack: Synthesized) -> None:
    for policy in stack.resources("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in _actions(statement):
                assert not action.endswith(":*") and action != "*", action


def test_every_declared_function_is_built_and_deployed(stack: Synthesized) -> None:
    handlers = {f["Properties"]["Handler"] for f in stack.resources("AWS::Lambda::Function").values()}
    assert [spec.logical for spec in resources.DECLARED_FUNCTIONS if not spec.built] == []
    assert {spec.handler for spec in resources.DECLARED_FUNCTIONS} <= handlers


def test_clicks_worker_consumes_its_queue_with_partial_failures_and_may_delay_messages(stack: Synthesized) -> None:
    clicks_queue = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesClicksQueue")
    queue_arn = {"Fn::GetAtt": [clicks_queue, "Arn"]}
    mappings = [
        m["Properties"]
        for m in stack.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == queue_arn
    ]
    assert len(mappings) == 1
    assert mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumBatchingWindowInSeconds" not in mappings[0]  # latency: no batching window
    statements = _statements(stack, "FunctionsClicksRole")
    delays = [s for s in statements if "sqs:ChangeMessageVisibility" in _actions(s)]
    assert delays and all(_resources(s) == [queue_arn] for s in delays)
    assert not any("sqs:SendMessage" in _actions(s) for s in statements)
    tables = stack.resources("AWS::DynamoDB::Table")
    clicks_table = {"Fn::GetAtt": [_logical_id(tables, "DataClicks"), "Arn"]}
    writes = [s for s in statements if "dynamodb:PutItem" in _actions(s)]
    assert [_resources(s)[0] for s in writes] == [clicks_table]


def test_redirect_function_gets_one_link_and_queries_domains_by_name_only(stack: Synthesized) -> None:
    statements = _statements(stack, "FunctionsRedirectRole")
    tables = stack.resources("AWS::DynamoDB::Table")
    links = {"Fn::GetAtt": [_logical_id(tables, "DataLinks"), "Arn"]}
    by_name = {"Fn::Join": ["", [{"Fn::GetAtt": [_logical_id(tables, "DataDomains"), "Arn"]}, "/index/by_name"]]}
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert sorted((_actions(s), _resources(s)) for s in dynamodb) == sorted(
        [(["dynamodb:GetItem"], [links]), (["dynamodb:Query"], [by_name])]
    )
    sends = [s for s in statements if "sqs:SendMessage" in _actions(s)]
    queue_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesClicksQueue")
    assert [_resources(s) for s in sends] == [[{"Fn::GetAtt": [queue_id, "Arn"]}]]


def test_redirect_function_reads_no_secret(stack: Synthesized) -> None:
    actions = {a for s in _statements(stack, "FunctionsRedirectRole") for a in _actions(s)}
    assert not {a for a in actions if a.startswith(("secretsmanager:", "kms:"))}
    variables = _function(stack, "redirect")["Properties"]["Environment"]["Variables"]
    assert not {"BRANDLINK_SLUG_KEY_SECRET_ARN", "BRANDLINK_TOKEN_KEY_SECRET_ARN"} & set(variables)


def test_api_may_schedule_only_in_its_group_and_pass_only_the_scheduler_role(stack: Synthesized) -> None:
    statements = _statements(stack, "FunctionsApiRole")
    [scheduling] = [s for s in statements if "scheduler:CreateSchedule" in _actions(s)]
    assert sorted(_actions(scheduling)) == [
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
    ]
    assert json.dumps(scheduling["Resource"]).endswith(':schedule/brandlink/*"]]}')
    [pass_role] = [s for s in statements if "iam:PassRole" in _actions(s)]
    role_id = _logical_id(stack.resources("AWS::IAM::Role"), "SchedulingRole")
    assert pass_role["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}


def test_metrics_are_limited_to_the_brandlink_namespace(stack: Synthesized) -> None:
    for spec in resources.FUNCTIONS:
        [metrics] = [
            s
            for s in _statements(stack, f"Functions{camel(spec.logical)}Role")
            if "cloudwatch:PutMetricData" in _actions(s)
        ]
        assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Brandlink"}}


def test_certificate_key_seals_in_the_api_and_unseals_only_in_the_worker(stack: Synthesized) -> None:
    key_id = _logical_id(stack.resources("AWS::KMS::Key"), "CertificateSealingKey")
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}

    def key_actions(role_prefix: str) -> set[str]:
        statements = _statements(stack, role_prefix)
        return {a for s in statements if key_arn in _resources(s) for a in _actions(s)}

    assert key_actions("FunctionsApiRole") == {"kms:Encrypt"}
    assert key_actions("FunctionsCertificatesRole") == {"kms:Decrypt"}
    for spec in resources.FUNCTIONS:
        if spec.logical not in ("api", "certificates"):
            assert key_actions(f"Functions{camel(spec.logical)}Role") == set(), spec.logical


def test_provider_permissions_absent_for_the_outbox(stack: Synthesized) -> None:
    slug_key = {"Ref": _logical_id(stack.resources("AWS::SecretsManager::Secret"), "SlugKeySecret")}
    statements = [s for s in _statements(stack, "FunctionsDispatchRole") if _resources(s) != [slug_key]]
    actions = {a for s in statements for a in _actions(s)}
    assert not actions & {"secretsmanager:GetSecretValue", "sms-voice:SendTextMessage", "sns:Publish"}


def test_only_slug_minting_functions_read_the_slug_key(stack: Synthesized) -> None:
    slug_key = {"Ref": _logical_id(stack.resources("AWS::SecretsManager::Secret"), "SlugKeySecret")}
    for spec in resources.FUNCTIONS:
        statements = _statements(stack, f"Functions{camel(spec.logical)}Role")
        reads = any(slug_key in _resources(s) for s in statements)
        assert reads == ("links" in spec.tables_write), spec.logical


def test_certificate_worker_manages_acm_and_custom_domains(stack: Synthesized) -> None:
    actions = {a for s in _statements(stack, "FunctionsCertificatesRole") for a in _actions(s)}
    assert {"acm:ImportCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate"} <= actions
    assert {"apigateway:POST", "apigateway:DELETE", "apigateway:GET", "apigateway:PATCH"} <= actions


def _redirect_api_id(stack: Synthesized) -> dict[str, Any]:
    return {"Ref": _logical_id(stack.resources("AWS::ApiGatewayV2::Api"), "HttpApisRedirectApi")}


def test_certificate_worker_touches_only_what_it_tagged(stack: Synthesized) -> None:
    """Security finding 7: every ACM and API Gateway change of the worker needs the owner tag, set on
    creation (aws:RequestTag) or present on the resource (aws:ResourceTag); only reads are untagged."""
    owner = _redirect_api_id(stack)
    for statement in _statements(stack, "FunctionsCertificatesRole"):
        actions = set(_actions(statement))
        if not any(a.startswith(("acm:", "apigateway:")) for a in actions) or actions == {"apigateway:GET"}:
            continue
        condition = statement.get("Condition", {}).get("StringEquals", {})
        tags = {key: value for key, value in condition.items() if key.endswith("/brandlink:redirect-api")}
        assert list(tags.values()) == [owner], statement
        (key,) = tags
        if key.startswith("aws:RequestTag"):
            # Creating: only the owner tag may be set, nothing else.
            assert statement["Condition"].get(
                "ForAllValues:StringEquals", {"aws:TagKeys": ["brandlink:redirect-api"]}
            ) == {"aws:TagKeys": ["brandlink:redirect-api"]}, statement
    delete = [s for s in _statements(stack, "FunctionsCertificatesRole") if "acm:DeleteCertificate" in _actions(s)]
    assert [s["Condition"] for s in delete] == [{"StringEquals": {"aws:ResourceTag/brandlink:redirect-api": owner}}]


def test_certificate_key_policy_seals_and_unseals_only_under_an_upload_context(stack: Synthesized) -> None:
    """Security finding 7: the sealing key no longer delegates everything to IAM; the API's role may
    only encrypt and the worker's only decrypt, each naming one domain and one upload."""
    keys = stack.resources("AWS::KMS::Key")
    key = keys[_logical_id(keys, "CertificateSealingKey")]
    context = {
        "StringLike": {"kms:EncryptionContext:brandlink:domain_sid": "DN*"},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["brandlink:domain_sid", "brandlink:upload_id"]},
        "Null": {
            "kms:EncryptionContext:brandlink:domain_sid": "false",
            "kms:EncryptionContext:brandlink:upload_id": "false",
        },
    }
    users: dict[str, list[Any]] = {}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "kms:*" not in actions, "the key policy must not hand every use of the key to IAM"
        for action in set(actions) & {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncrypt*"}:
            assert statement["Condition"] == context, statement
            users.setdefault(action, []).append(statement["Principal"]["AWS"])
    assert users == {
        "kms:Encrypt": [{"Fn::GetAtt": [_role_id(stack, "api"), "Arn"]}],
        "kms:Decrypt": [{"Fn::GetAtt": [_role_id(stack, "certificates"), "Arn"]}],
    }


def _write_grants(stack: Synthesized, function_logical: str) -> dict[str, set[str]]:
    """Table logical name -> the DynamoDB write actions the function's role has on it."""
    tables = stack.resources("AWS::DynamoDB::Table")
    table_ids = {logical: _logical_id(tables, f"Data{camel(logical)}") for logical in resources.ALL_TABLES}
    by_arn = {json.dumps({"Fn::GetAtt": [table_id, "Arn"]}): name for name, table_id in table_ids.items()}
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    grants: dict[str, set[str]] = {}
    for statement in _statements(stack, f"Functions{camel(function_logical)}Role"):
        granted = set(_actions(statement)) & writes
        for resource in _resources(statement):
            name = by_arn.get(json.dumps(resource))
            if granted and name:
                grants.setdefault(name, set()).update(granted)
    return grants


def test_table_writes_are_what_each_spec_declares(stack: Synthesized) -> None:
    """Security finding 7: each role writes only the tables of its spec's ``tables_write`` (with the
    narrower ``only_writes``); the API writes no link, click or idempotency record, and may only
    update an account (the operator creates them and issues their tokens)."""
    full = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for spec in resources.FUNCTIONS:
        narrowed = {w.table: {f"dynamodb:{a}" for a in w.actions} for w in spec.only_writes}
        expected = {name: narrowed.get(name, full) for name in spec.tables_write}
        assert _write_grants(stack, spec.logical) == expected, spec.logical
    api = _write_grants(stack, "api")
    assert api["accounts"] == {"dynamodb:UpdateItem"}
    assert not {"links", "clicks", "idempotency"} & set(api)
    assert "accounts" not in _write_grants(stack, "dispatch")


def test_tracer_never_records_responses_or_errors(stack: Synthesized) -> None:
    """Security finding 7: traces would otherwise hold message bodies, numbers and tokens."""
    for logical, function in stack.resources("AWS::Lambda::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "POWERTOOLS_SERVICE_NAME" not in variables:
            continue  # CDK's own helper functions
        assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", logical
        assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false", logical


def test_the_redirect_api_answers_only_on_custom_domains(stack: Synthesized) -> None:
    """Security finding 7: the default execute-api host would serve every tenant's slugs."""
    apis = stack.resources("AWS::ApiGatewayV2::Api")
    redirect = apis[_logical_id(apis, "HttpApisRedirectApi")]
    management = apis[_logical_id(apis, "HttpApisManagementApi")]
    assert redirect["Properties"]["DisableExecuteApiEndpoint"] is True
    assert management["Properties"].get("DisableExecuteApiEndpoint") in (None, False)


# --- scheduler, alerts, alarms --------------------------------------------------------------------


def test_schedule_group_and_scheduler_role(stack: Synthesized) -> None:
    stack.template.has_resource_properties("AWS::Scheduler::ScheduleGroup", {"Name": resources.SCHEDULE_GROUP_NAME})
    role = _by_logical_prefix(stack.resources("AWS::IAM::Role"), "SchedulingRole")
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    send_queue_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesSendQueue")
    dead_letter_id = _logical_id(stack.resources("AWS::SQS::Queue"), "QueuesSendDeadLetterQueue")
    assert _statements(stack, "SchedulingRole") == [
        {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": [{"Fn::GetAtt": [send_queue_id, "Arn"]}, {"Fn::GetAtt": [dead_letter_id, "Arn"]}],
        }
    ]


def test_alerts_topic_is_encrypted_and_tls_only(stack: Synthesized) -> None:
    topic = _by_logical_prefix(stack.resources("AWS::SNS::Topic"), "AlertsTopic")
    assert "KmsMasterKeyId" in topic["Properties"]
    stack.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
    # No e-mail subscription without alarmEmail; the one subscription is the inbound SMS topic's queue.
    assert [s["Properties"]["Protocol"] for s in stack.resources("AWS::SNS::Subscription").values()] == ["sqs"]


def test_alarms_on_every_dead_letter_queue_and_every_function(stack: Synthesized) -> None:
    alarms = list(stack.resources("AWS::CloudWatch::Alarm").values())
    topic_id = _logical_id(stack.resources("AWS::SNS::Topic"), "AlertsTopic")
    for alarm in alarms:
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [{"Ref": topic_id}]
        assert properties["Threshold"] == 1
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    queues = stack.resources("AWS::SQS::Queue")
    for spec in resources.QUEUES:
        dead_letter_id = _logical_id(queues, f"Queues{camel(spec.logical)}DeadLetterQueue")
        watching = [
            a
            for a in alarms
            if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
            and a["Properties"]["Dimensions"]
            == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letter_id, "QueueName"]}}]
        ]
        assert len(watching) == 1, spec.logical
    functions = stack.resources("AWS::Lambda::Function")
    for spec in resources.FUNCTIONS:
        function_ref = {"Ref": _logical_id(functions, f"Functions{camel(spec.logical)}")}
        metrics = {
            a["Properties"]["MetricName"]
            for a in alarms
            if a["Properties"].get("Dimensions") == [{"Name": "FunctionName", "Value": function_ref}]
        }
        assert metrics == {"Errors", "Throttles"}, spec.logical


def test_certificate_expiry_metrics_are_alarmed(stack: Synthesized) -> None:
    alarms = list(stack.resources("AWS::CloudWatch::Alarm").values())
    watched = {
        (a["Properties"]["MetricName"], a["Properties"]["Namespace"]): {
            d["Name"]: d["Value"] for d in a["Properties"]["Dimensions"]
        }
        for a in alarms
        if a["Properties"]["MetricName"].startswith("Certificate")
    }
    assert watched == {
        ("CertificateExpiringSoon", "Brandlink"): {"ErrorCode": "30131", "service": "brandlink-cert-expiry"},
        ("CertificateExpired", "Brandlink"): {"ErrorCode": "30102", "service": "brandlink-cert-expiry"},
    }


def test_taps_the_redirect_could_not_queue_are_alarmed(stack: Synthesized) -> None:
    alarms = [
        a["Properties"]
        for a in stack.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "TapNotCaptured"
    ]
    assert [(a["Namespace"], a["Dimensions"], a["Statistic"]) for a in alarms] == [
        ("Brandlink", [{"Name": "service", "Value": "brandlink-redirect"}], "Sum")
    ]


def test_reserved_concurrency_follows_the_spec(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    for spec in resources.FUNCTIONS:
        function = functions[_logical_id(functions, f"Functions{camel(spec.logical)}")]
        assert function["Properties"].get("ReservedConcurrentExecutions") == spec.reserved_concurrency, spec.logical


def test_signing_functions_are_told_the_token_key_and_others_are_not(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    for spec in resources.FUNCTIONS:
        variables = functions[_logical_id(functions, f"Functions{camel(spec.logical)}")]["Properties"]["Environment"]
        has_key = "BRANDLINK_TOKEN_KEY_ARN" in variables["Variables"]
        assert has_key == (spec.logical in {"status_callbacks", "clicks", "inbound"}), spec.logical


def _token_key(stack: Synthesized) -> tuple[str, dict[str, Any]]:
    keys = stack.resources("AWS::KMS::Key")
    key_id = _logical_id(keys, "AuthTokenKey")
    return key_id, keys[key_id]


def _role_id(stack: Synthesized, function_logical: str) -> str:
    return _logical_id(stack.resources("AWS::IAM::Role"), f"Functions{camel(function_logical)}Role")


def test_auth_tokens_are_sealed_with_a_customer_managed_rotating_key_and_no_master_secret(stack: Synthesized) -> None:
    """Security finding 2: no secret yields every token; the key is the stack's own, rotated yearly."""
    _key_id, key = _token_key(stack)
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key.get("DeletionPolicy") == "Retain"
    secrets = stack.resources("AWS::SecretsManager::Secret")
    assert not any(logical.startswith(("TokenKey", "AuthTokenKey")) for logical in secrets), sorted(secrets)


def test_token_key_policy_lets_only_signers_decrypt_and_only_under_an_account_context(stack: Synthesized) -> None:
    _key_id, key = _token_key(stack)
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    by_action: dict[str, list[dict[str, Any]]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "kms:*" not in actions, "the key policy must not hand every use of the key to IAM"
        for action in actions:
            by_action.setdefault(action, []).append(statement)
    context = {
        "StringLike": {"kms:EncryptionContext:account_sid": "AC*"},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["account_sid"]},
    }
    [encrypt] = by_action["kms:Encrypt"]
    assert encrypt["Condition"] == context
    decrypters = []
    for statement in by_action["kms:Decrypt"]:
        assert statement["Condition"] == context
        decrypters.append(statement["Principal"]["AWS"])
    signers = [spec.logical for spec in resources.FUNCTIONS if "token_decrypt" in spec.capabilities]
    assert signers == ["clicks", "status_callbacks", "inbound"]
    assert sorted(decrypters, key=str) == sorted(
        ({"Fn::GetAtt": [_role_id(stack, name), "Arn"]} for name in signers), key=str
    )
    for action in ("kms:ReEncrypt*", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:GenerateDataKey*"):
        assert action not in by_action, action


def test_only_signing_roles_may_decrypt_tokens(stack: Synthesized) -> None:
    key_id, _key = _token_key(stack)
    key_arn = {"Fn::GetAtt": [key_id, "Arn"]}
    for spec in resources.FUNCTIONS:
        role = {"Ref": _role_id(stack, spec.logical)}
        decrypt = [
            statement
            for policy in stack.resources("AWS::IAM::Policy").values()
            if role in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Resource"] == key_arn
        ]
        if "token_decrypt" in spec.capabilities:
            assert [s["Action"] for s in decrypt] == ["kms:Decrypt"], spec.logical
            assert decrypt[0]["Condition"]["StringLike"] == {"kms:EncryptionContext:account_sid": "AC*"}
        else:
            assert decrypt == [], spec.logical


# --- HTTP APIs ------------------------------------------------------------------------------------


def _routes(stack: Synthesized, api_prefix: str) -> set[str]:
    api_id = _logical_id(stack.resources("AWS::ApiGatewayV2::Api"), api_prefix)
    return {
        route["Properties"]["RouteKey"]
        for route in stack.resources("AWS::ApiGatewayV2::Route").values()
        if route["Properties"]["ApiId"] == {"Ref": api_id}
    }


def test_two_http_apis_with_their_routes(stack: Synthesized) -> None:
    apis = stack.resources("AWS::ApiGatewayV2::Api")
    assert len(apis) == 2
    assert all(api["Properties"]["ProtocolType"] == "HTTP" for api in apis.values())
    assert _routes(stack, "HttpApisManagementApi") == {"$default"}
    # Short links and the domain's root, GET and HEAD; anything else is API Gateway's own 404/405.
    assert _routes(stack, "HttpApisRedirectApi") == {"GET /{slug}", "HEAD /{slug}", "GET /", "HEAD /"}


def test_routes_reach_the_live_alias_of_the_function_named_in_the_spec(stack: Synthesized) -> None:
    integrations = stack.resources("AWS::ApiGatewayV2::Integration")
    aliases = stack.resources("AWS::Lambda::Alias")
    permissions = stack.resources("AWS::Lambda::Permission").values()
    for spec in resources.FUNCTIONS:
        if spec.http_api is None:
            continue
        assert spec.snap_start, f"{spec.logical}: an HTTP function is latency-critical"
        api_id = _logical_id(stack.resources("AWS::ApiGatewayV2::Api"), f"HttpApis{camel(spec.http_api)}Api")
        alias_id = _logical_id(aliases, f"Functions{camel(spec.logical)}Live")
        [integration] = [i for i in integrations.values() if i["Properties"]["ApiId"] == {"Ref": api_id}]
        assert integration["Properties"]["IntegrationUri"] == {"Ref": alias_id}
        # API Gateway may invoke the alias (the published version), and the alias only.
        assert any(p["Properties"]["FunctionName"] == {"Ref": alias_id} for p in permissions), spec.logical


def test_snap_start_on_the_latency_critical_functions_through_a_published_version(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    versions = stack.resources("AWS::Lambda::Version")
    aliases = stack.resources("AWS::Lambda::Alias")
    snapped = {spec.logical for spec in resources.FUNCTIONS if spec.snap_start}
    assert snapped == {"api", "redirect"}
    for spec in resources.FUNCTIONS:
        function_id = _logical_id(functions, f"Functions{camel(spec.logical)}")
        properties = functions[function_id]["Properties"]
        expected = {"ApplyOn": "PublishedVersions"} if spec.logical in snapped else None
        assert properties.get("SnapStart") == expected, spec.logical
        assert re.fullmatch(r"python3\.(1[2-9])", properties["Runtime"]), "SnapStart needs Python 3.12+"
        assert "EphemeralStorage" not in properties and "ProvisionedConcurrencyConfig" not in properties
    for logical in snapped:
        function_ref = {"Ref": _logical_id(functions, f"Functions{camel(logical)}")}
        [version_id] = [i for i, v in versions.items() if v["Properties"]["FunctionName"] == function_ref]
        alias = aliases[_logical_id(aliases, f"Functions{camel(logical)}Live")]["Properties"]
        assert alias["Name"] == "live"
        assert alias["FunctionName"] == function_ref
        assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}
    assert len(versions) == len(aliases) == len(snapped)


def test_stages_log_access_and_throttle(stack: Synthesized) -> None:
    stages = stack.resources("AWS::ApiGatewayV2::Stage")
    assert len(stages) == 2
    for stage in stages.values():
        properties = stage["Properties"]
        assert properties["StageName"] == "$default" and properties["AutoDeploy"] is True
        log_format = json.loads(properties["AccessLogSettings"]["Format"])
        assert log_format["requestId"] == "$context.requestId"
        assert "DestinationArn" in properties["AccessLogSettings"]
        throttle = properties["DefaultRouteSettings"]
        assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0


# --- outputs, graph, cdk-nag ----------------------------------------------------------------------


def test_outputs(stack: Synthesized) -> None:
    outputs = stack.json["Outputs"]
    expected = {"ManagementApiUrl", "RedirectApiUrl", "RedirectTarget", "AlertsTopicArn", "ScheduleGroupName"}
    expected.add("TokenKeyArn")
    expected |= {f"Table{camel(spec.logical)}" for spec in resources.TABLES}
    expected |= {f"Queue{camel(spec.logical)}Url" for spec in resources.QUEUES}
    expected |= {f"Queue{camel(spec.logical)}DeadLetterUrl" for spec in resources.QUEUES}
    assert expected <= set(outputs)
    assert outputs["TableServiceDomains"]["Value"] == {
        "Ref": _logical_id(stack.resources("AWS::DynamoDB::Table"), "DataServiceDomains")
    }
    assert outputs["ScheduleGroupName"]["Value"] == resources.SCHEDULE_GROUP_NAME
    assert outputs["TokenKeyArn"]["Value"] == {"Fn::GetAtt": [_token_key(stack)[0], "Arn"]}
    assert "LegacyTokenKeySecretArn" not in outputs and "TokenKeySecretArn" not in outputs


def _references(node: Any, names: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("Ref") in names:
            found.add(node["Ref"])
        attribute = node.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute[0] in names:
            found.add(attribute[0])
        for value in node.values():
            found |= _references(value, names)
    elif isinstance(node, list):
        for value in node:
            found |= _references(value, names)
    return found


def test_template_has_no_dependency_cycle(stack: Synthesized) -> None:
    """CloudFormation rejects a cycle only at deploy time; catch it here."""
    template_resources = stack.json["Resources"]
    names = set(template_resources)
    graph: dict[str, set[str]] = {}
    for name, resource in template_resources.items():
        depends_on = resource.get("DependsOn", [])
        graph[name] = _references(resource.get("Properties", {}), names) | set(
            depends_on if isinstance(depends_on, list) else [depends_on]
        )
    remaining = {name: set(edges) for name, edges in graph.items()}
    while remaining:
        ready = [name for name, edges in remaining.items() if not edges]
        assert ready, f"dependency cycle among {sorted(remaining)}"
        for name in ready:
            del remaining[name]
        for edges in remaining.values():
            edges.difference_update(ready)


def _covers(acknowledgment: RecordedAcknowledgment, rule: str, path: str) -> bool:
    inside = path == acknowledgment.path or path.startswith(acknowledgment.path + "/")
    return inside and acknowledgment.rule_id == f"AwsSolutions::{rule}"


def test_every_nag_finding_is_acknowledged_and_every_acknowledgment_is_needed(stack: Synthesized) -> None:
    """The synth itself raises on an unacknowledged finding; this also shows no acknowledgment is stale."""
    report = AwsSolutionsChecks().validate_scope(stack.stack)
    findings = [(v.rule_name, r.construct_path) for v in report.violations for r in v.violating_resources]
    acknowledgments = recorded_acknowledgments(stack.app)
    assert [f for f in findings if not any(_covers(a, *f) for a in acknowledgments)] == []
    assert [a for a in acknowledgments if not any(_covers(a, *f) for f in findings)] == []


def test_every_acknowledgment_has_a_reason(stack: Synthesized) -> None:
    acknowledgments = recorded_acknowledgments(stack.app)
    assert acknowledgments, "the stack acknowledges some findings; none were found, so the walk is broken"
    for acknowledgment in acknowledgments:
        assert acknowledgment.rule_id.startswith("AwsSolutions::AwsSolutions-"), acknowledgment
        assert len(acknowledgment.reason.split()) >= 8, acknowledgment


def test_acknowledgments_are_scoped_below_the_stack(stack: Synthesized) -> None:
    for acknowledgment in recorded_acknowledgments(stack.app):
        assert acknowledgment.path.count("/") >= 2, f"{acknowledgment} is too broad"
        if acknowledgment.rule_id.startswith("AwsSolutions::AwsSolutions-IAM5"):
            assert "[Resource::" in acknowledgment.rule_id, f"{acknowledgment} acknowledges every wildcard"
