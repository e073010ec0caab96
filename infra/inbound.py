"""End User Messaging two-way SMS → the inbound queue.

AWS End User Messaging SMS publishes what handsets text to a phone number to the number's two-way
channel, an SNS topic (``TwoWayChannelArn``). This topic is that channel: encrypted with a key the
service may use, TLS-only, publishable only by ``sms-voice.amazonaws.com`` for this account, and
subscribed by the inbound queue (the SNS envelope is mapped in core/inbound/providers.py). The
operator points each number's two-way channel at the ``InboundSmsTopicArn`` output.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

SMS_VOICE = "sms-voice.amazonaws.com"


class InboundSmsTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, queue: sqs.IQueue) -> None:
        super().__init__(scope, construct_id)
        from_this_account = {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the two-way SMS topic End User Messaging publishes inbound messages to.",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SMS_VOICE)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions=from_this_account,
            )
        )
        self.topic = sns.Topic(
            self, "Topic", display_name="Brandlink inbound SMS", master_key=self.key, enforce_ssl=True
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SMS_VOICE)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=from_this_account,
            )
        )
        self.topic.add_subscription(subscriptions.SqsSubscription(queue, raw_message_delivery=False))
