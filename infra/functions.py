"""The function factory: every Lambda in brandlink.resources.FUNCTIONS, built the same way."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from brandlink import resources
from infra import nag
from infra.naming import camel
from infra.permissions import METRICS_NAMESPACE, grant_spec
from infra.runtime import ARCHITECTURE, RUNTIME
from infra.wiring import FunctionWiring

LOG_LEVEL = "INFO"
LIVE_ALIAS = "live"
# Functions that mint slugs read the slug permutation key (by ARN, never its value in the template).
SLUG_KEY_TABLE = "links"


class Functions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, wiring: FunctionWiring) -> None:
        super().__init__(scope, construct_id)
        self._wiring = wiring
        self.functions: dict[str, lambda_.Function] = {}
        self.specs: dict[str, resources.FunctionSpec] = {}
        # What triggers call: the function itself, or with SnapStart its `live` alias (a published version).
        self.targets: dict[str, lambda_.IFunction] = {}
        for spec in resources.FUNCTIONS:
            function = self._function(spec)
            self.functions[spec.logical] = function
            self.specs[spec.logical] = spec
            self.targets[spec.logical] = self._live_alias(spec, function) if self._snap_start(spec) else function

    def _function(self, spec: resources.FunctionSpec) -> lambda_.Function:
        name = camel(spec.logical)
        role = iam.Role(
            self,
            f"{name}Role",
            description=f"Runs the Brandlink {spec.logical} function.",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        log_group = logs.LogGroup(self, f"{name}Logs", retention=self._wiring.settings.log_retention)
        function = lambda_.Function(
            self,
            name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=self._wiring.code,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            environment=self._environment(spec),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
            reserved_concurrent_executions=spec.reserved_concurrency,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self._snap_start(spec) else None,
        )
        nag.acknowledge(
            function,
            "L1",
            f"Pinned to {RUNTIME.name}: the project's code and tests target Python 3.11-3.13, and infra.assets "
            "builds the arm64 wheels for this exact version; a newer runtime needs both re-verified first.",
        )
        log_group.grant_write(role)
        grant_spec(function, spec, self._wiring)
        self._add_triggers(function, spec)
        return function

    def _snap_start(self, spec: resources.FunctionSpec) -> bool:
        """SnapStart for the latency-critical functions (the spec says which), unless the knob turns it off."""
        return spec.snap_start and self._wiring.settings.snap_start

    def _live_alias(self, spec: resources.FunctionSpec, function: lambda_.Function) -> lambda_.Alias:
        """SnapStart snapshots a published version: each deploy that changes the function publishes one
        (``current_version``) and moves the ``live`` alias to it; the HTTP API calls the alias.

        A snapshot is restored into many environments at once, so nothing unique may be made at init:
        the redirect builds only a client there, and the slug minter claims its counter blocks lazily
        (core.links.slugs)."""
        return lambda_.Alias(
            self,
            f"{camel(spec.logical)}Live",
            alias_name=LIVE_ALIAS,
            version=function.current_version,
            description=f"The published version of the {spec.logical} function that its triggers call (SnapStart).",
        )

    def _environment(self, spec: resources.FunctionSpec) -> dict[str, str]:
        wiring = self._wiring
        env = {
            "BRANDLINK_MODE": "aws",
            "POWERTOOLS_SERVICE_NAME": f"brandlink-{spec.logical.replace('_', '-')}",
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": LOG_LEVEL,
            # Traces must not hold message bodies, numbers or tokens (security finding 7).
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
            "BRANDLINK_SCHEDULE_GROUP": resources.SCHEDULE_GROUP_NAME,
            "BRANDLINK_SCHEDULER_ROLE_ARN": wiring.scheduling.role.role_arn,
            "BRANDLINK_SEND_QUEUE_ARN": wiring.queues.queue("send").queue.queue_arn,
            "BRANDLINK_SEND_DLQ_ARN": wiring.queues.queue("send").dead_letter_queue.queue_arn,
            "BRANDLINK_ALERTS_TOPIC_ARN": wiring.alerts.topic.topic_arn,
            "BRANDLINK_REDIRECT_TARGET": wiring.redirect_host,
            "BRANDLINK_REDIRECT_API_ID": wiring.redirect_api_id,
            "BRANDLINK_CERTIFICATE_KEY_ARN": wiring.certificate_key.key_arn,
            **wiring.settings.function_environment(),
        }
        if wiring.sms_configuration_set and "provider_sms" in spec.capabilities:
            env["BRANDLINK_PROVIDER_CONFIG"] = provider_config_with_configuration_set(
                wiring.settings.provider_config, wiring.sms_configuration_set
            )
        # Only the tables and queues the function is granted: the 4 KB environment limit stays far off.
        for logical in dict.fromkeys(spec.tables_read + spec.tables_write):
            env[resources.table(logical).env_var] = wiring.data.table(logical).table_name
        for logical in spec.queues_send:
            env[resources.queue(logical).env_var] = wiring.queues.queue(logical).queue.queue_url
        if SLUG_KEY_TABLE in spec.tables_write:
            env["BRANDLINK_SLUG_KEY_SECRET_ARN"] = wiring.slug_key.secret_arn
        return env

    def _add_triggers(self, function: lambda_.Function, spec: resources.FunctionSpec) -> None:
        trigger = spec.queue_trigger
        if trigger is not None:
            window = trigger.max_batching_window_seconds
            function.add_event_source(
                event_sources.SqsEventSource(
                    self._wiring.queues.queue(trigger.queue).queue,
                    batch_size=trigger.batch_size,
                    max_batching_window=Duration.seconds(window) if window else None,
                    report_batch_item_failures=True,
                )
            )
        if spec.schedule_expression is not None:
            events.Rule(
                self,
                f"{camel(spec.logical)}Schedule",
                description=f"Runs the Brandlink {spec.logical} function: {spec.schedule_expression}.",
                schedule=events.Schedule.expression(spec.schedule_expression),
                targets=[targets.LambdaFunction(function, retry_attempts=2)],
            )


def provider_config_with_configuration_set(provider_config: str | None, configuration_set: str) -> str:
    """The provider config with the stack's configuration set, unless the operator named one
    (infra/delivery_events.py: the set whose events come back as delivery receipts)."""
    config = json.loads(provider_config) if provider_config else {}
    config.setdefault("configuration_set", configuration_set)
    return json.dumps(config, separators=(",", ":"))
