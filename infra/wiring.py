"""What the function factory needs from the rest of the stack, in one typed bundle."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager

from infra.alerts import Alerts
from infra.data import DataTables
from infra.queues import WorkQueues
from infra.scheduling import MessageScheduling
from infra.secrets import TokenEncryptionKey
from infra.settings import DeploymentSettings


@dataclass(frozen=True)
class FunctionWiring:
    settings: DeploymentSettings
    code: lambda_.Code
    data: DataTables
    queues: WorkQueues
    scheduling: MessageScheduling
    alerts: Alerts
    slug_key: secretsmanager.ISecret
    token_key: TokenEncryptionKey
    legacy_token_key: secretsmanager.ISecret | None
    certificate_key: kms.IKey
    redirect_host: str
    redirect_api_id: str
    sms_configuration_set: str | None = None
    """The End User Messaging configuration set the stack made for delivery events (provider ``sms``)."""
