"""Alarms that page the alerts topic: anything in a dead-letter queue, any function error or throttle."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.naming import camel
from infra.permissions import METRICS_NAMESPACE
from infra.queues import WorkQueue

PERIOD = Duration.minutes(1)
# Emitted daily by the cert_expiry function (brandlink.handlers.cert_expiry), 0 when all is well.
CERTIFICATE_METRICS = (
    ("CertificateExpiringSoon", "30131", "A short-link domain's certificate expires within the warning window."),
    ("CertificateExpired", "30102", "A short-link domain's certificate has expired: shortening fails with 30102."),
)


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        queues: dict[str, WorkQueue],
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for logical, work_queue in queues.items():
            self._alarm(
                f"{camel(logical)}DeadLetters",
                work_queue.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                ),
                f"Messages from the {logical} queue failed every retry and wait in its dead-letter queue.",
            )
        for logical, function in functions.items():
            self._alarm(
                f"{camel(logical)}Errors",
                function.metric_errors(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                f"The {logical} function raised errors.",
            )
            self._alarm(
                f"{camel(logical)}Throttles",
                function.metric_throttles(period=PERIOD, statistic=cloudwatch.Stats.SUM),
                f"The {logical} function was throttled (concurrency limit reached).",
            )
        self._alarm(
            "TapNotCaptured",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="TapNotCaptured",
                dimensions_map={"service": "brandlink-redirect"},
                period=PERIOD,
                statistic=cloudwatch.Stats.SUM,
            ),
            "The redirect could not send taps to the clicks queue: those clicks are missing from callbacks and counts.",
        )
        for name, code, description in CERTIFICATE_METRICS:
            self._alarm(
                name,
                cloudwatch.Metric(
                    namespace=METRICS_NAMESPACE,
                    metric_name=name,
                    dimensions_map={"ErrorCode": code, "service": "brandlink-cert-expiry"},
                    period=Duration.days(1),
                    statistic=cloudwatch.Stats.MAXIMUM,
                ),
                description,
            )

        self._alarm(
            "SenderIdNotRegistered",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="SenderIdNotRegistered",
                dimensions_map={"service": "brandlink-dispatch"},
                period=PERIOD,
                statistic=cloudwatch.Stats.SUM,
            ),
            "A message went out from an alphanumeric sender ID not registered for a country that requires or "
            "recommends registration (registeredSenderIds): it may be blocked or its sender replaced.",
        )

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            alarm_description=description,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
