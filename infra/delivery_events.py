"""Delivery receipts of AWS End User Messaging SMS: a configuration set whose event destination is an
SNS topic, subscribed (raw delivery) by the receipts queue.

Only for ``provider=sms``. Dispatch passes the configuration set's name with every
``SendTextMessage`` (``configuration_set`` in the provider config, filled in here unless the
operator named another one), so each message's ``TEXT_*`` events reach the receipts function with
the ``context`` (``MessageSid``, ``AccountSid``) dispatch set. The topic is encrypted with its own
KMS key, which End User Messaging may use to publish.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

SMS_SERVICE = "sms-voice.amazonaws.com"
RECEIPT_EVENTS = ("TEXT_ALL",)
"""Every SMS event: the receipts function maps the ones that change a status and skips the rest."""


class DeliveryEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, receipts_queue: sqs.IQueue, name: str) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        key = kms.Key(
            self,
            "TopicKey",
            enable_key_rotation=True,
            description="Encrypts the End User Messaging delivery events topic.",
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SMS_SERVICE)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # a key policy's resource is the key itself
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.topic = sns.Topic(
            self, "Topic", display_name="Brandlink delivery events", master_key=key, enforce_ssl=True
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SMS_SERVICE)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.topic.add_subscription(subscriptions.SqsSubscription(receipts_queue, raw_message_delivery=True))
        self.configuration_set = smsvoice.CfnConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=name,
            event_destinations=[
                smsvoice.CfnConfigurationSet.EventDestinationProperty(
                    enabled=True,
                    event_destination_name="brandlink-receipts",
                    matching_event_types=list(RECEIPT_EVENTS),
                    sns_destination=smsvoice.CfnConfigurationSet.SnsDestinationProperty(topic_arn=self.topic.topic_arn),
                )
            ],
        )
        self.configuration_set.node.add_dependency(self.topic)
        self.name = name
