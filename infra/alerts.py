"""The operators' alerts topic: encrypted, TLS-only, optionally mailed to an address."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

CLOUDWATCH = "cloudwatch.amazonaws.com"


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, email: str | None) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        alarm_arns = stack.format_arn(
            service="cloudwatch", resource="alarm", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        from_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": alarm_arns},
        }
        # An AWS-managed SNS key cannot be used by CloudWatch alarms, hence a customer key that
        # lets CloudWatch (from this account's alarms only) encrypt what it publishes.
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts Brandlink's alerts topic.",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions=from_this_account,
            )
        )
        self.topic = sns.Topic(self, "Topic", display_name="Brandlink alerts", master_key=self.key, enforce_ssl=True)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=from_this_account,
            )
        )
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
