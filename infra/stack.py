"""The Brandlink stack: composes one construct per capability and publishes the outputs."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from brandlink import resources
from infra import nag
from infra.alarms import Alarms
from infra.alerts import Alerts
from infra.data import DataTables
from infra.delivery_events import DeliveryEvents
from infra.functions import Functions
from infra.http_apis import HttpApis
from infra.inbound import InboundSmsTopic
from infra.naming import camel
from infra.queues import WorkQueues
from infra.scheduling import MessageScheduling
from infra.secrets import CertificateSealingKey, SlugKey, TokenEncryptionKey
from infra.settings import ContextError, DeploymentSettings
from infra.wiring import FunctionWiring

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def lambda_code(asset_dir: str) -> lambda_.Code:
    """The prebuilt asset folder (``make assets``); relative paths start at the project root."""
    path = Path(asset_dir)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    if not (path / "brandlink").is_dir():
        raise ContextError(
            f"Lambda asset folder {asset_dir} is missing or holds no brandlink package: run `make assets` "
            "first (or point the lambdaAssetDir context at a folder built by `python -m infra.assets`)."
        )
    return lambda_.Code.from_asset(str(path))


class BrandlinkStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: DeploymentSettings) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=settings.stack_name,
            description="Brandlink: branded link shortening, click tracking and message scheduling.",
        )
        code = lambda_code(settings.lambda_asset_dir)
        data = DataTables(self, "Data")
        alerts = Alerts(self, "Alerts", email=settings.alarm_email)
        queues = WorkQueues(self, "Queues")
        scheduling = MessageScheduling(self, "Scheduling", target=queues.queue("send"))
        apis = HttpApis(self, "HttpApis", log_retention=settings.log_retention)
        token_key = TokenEncryptionKey(self, "AuthTokenKey")
        legacy_token_key = (
            secretsmanager.Secret.from_secret_complete_arn(self, "LegacyTokenKey", settings.legacy_token_key_secret_arn)
            if settings.legacy_token_key_secret_arn
            else None
        )
        delivery_events = (
            DeliveryEvents(
                self,
                "DeliveryEvents",
                receipts_queue=queues.queue("receipts").queue,
                name=f"{settings.stack_name}-receipts",
            )
            if settings.provider == "sms"
            else None
        )
        wiring = FunctionWiring(
            settings=settings,
            code=code,
            data=data,
            queues=queues,
            scheduling=scheduling,
            alerts=alerts,
            slug_key=SlugKey(self, "SlugKey").secret,
            token_key=token_key,
            legacy_token_key=legacy_token_key,
            certificate_key=CertificateSealingKey(self, "CertificateSealing").key,
            redirect_host=apis.redirect.host,
            redirect_api_id=apis.redirect.api.api_id,
            sms_configuration_set=delivery_events.name if delivery_events else None,
        )
        functions = Functions(self, "Functions", wiring=wiring)
        routed: set[str] = set()
        for logical, spec in functions.specs.items():
            if spec.http_api is not None:
                apis.connect(spec.http_api, functions.targets[logical])
                routed.add(spec.http_api)
        Alarms(self, "Alarms", topic=alerts.topic, queues=queues.queues, functions=functions.functions)
        self._acknowledge_open_routes(apis, routed)
        self._outputs(data, queues, apis, alerts, token_key, legacy_token_key)
        inbound_sms = InboundSmsTopic(self, "InboundSms", queue=queues.queue("inbound").queue)
        CfnOutput(
            self,
            "InboundSmsTopicArn",
            value=inbound_sms.topic.topic_arn,
            description="Set as the two-way channel (TwoWayChannelArn) of End User Messaging numbers.",
        )

    def _acknowledge_open_routes(self, apis: HttpApis, routed: set[str]) -> None:
        """Routes without an authorizer, on the APIs that have routes (a function not built has none)."""
        if "management" in routed:
            nag.acknowledge(
                apis.management,
                "APIG4",
                "Twilio-compatible clients authenticate with HTTP Basic (Account SID + auth token); the api "
                "function verifies every request against salted token hashes before any route runs.",
            )
        if "redirect" in routed:
            nag.acknowledge(
                apis.redirect,
                "APIG4",
                "Short links are opened by anyone who receives a message: the redirect API is public by design "
                "and only reads one link, or answers 404.",
            )

    def _outputs(
        self,
        data: DataTables,
        queues: WorkQueues,
        apis: HttpApis,
        alerts: Alerts,
        token_key: TokenEncryptionKey,
        legacy_token_key: secretsmanager.ISecret | None,
    ) -> None:
        CfnOutput(self, "ManagementApiUrl", value=apis.management.url, description="Base URL of the management API.")
        CfnOutput(
            self,
            "RedirectApiUrl",
            value=apis.redirect.url,
            description="Default endpoint of the redirect API: disabled, links are served only on their domains.",
        )
        CfnOutput(
            self,
            "RedirectTarget",
            value=apis.redirect.host,
            description=(
                "Host of the redirect API. Each short domain gets its own API Gateway custom domain whose "
                "regional host name (returned by the domain's certificate/DNS API) is the CNAME target."
            ),
        )
        CfnOutput(self, "AlertsTopicArn", value=alerts.topic.topic_arn, description="SNS topic the alarms notify.")
        CfnOutput(
            self, "ScheduleGroupName", value=resources.SCHEDULE_GROUP_NAME, description="EventBridge Scheduler group."
        )
        CfnOutput(
            self,
            "TokenKeyArn",
            value=token_key.key.key_arn,
            description="KMS key the auth tokens are sealed with (brandlink --stack encrypts with your credentials).",
        )
        if legacy_token_key is not None:
            CfnOutput(
                self,
                "LegacyTokenKeySecretArn",
                value=legacy_token_key.secret_arn,
                description="The retired token master key, until `brandlink migrate-tokens` has run "
                "(docs/auth-tokens.md).",
            )
        for logical, work_queue in queues.queues.items():
            CfnOutput(self, f"Queue{camel(logical)}Url", value=work_queue.queue.queue_url)
            CfnOutput(self, f"Queue{camel(logical)}DeadLetterUrl", value=work_queue.dead_letter_queue.queue_url)
        for logical, table in data.tables.items():
            CfnOutput(self, f"Table{camel(logical)}", value=table.table_name)
