"""Least-privilege IAM for each function, derived from its spec in brandlink.resources.

Tables and queues get exact ARNs (indexes by name, never ``index/*``). Capabilities map to
the statements below; a capability this module does not know fails the synth, so a typo in
resources.py cannot silently grant nothing. Wildcards that AWS leaves no way around are
acknowledged on that one role, finding by finding, with the reason next to the statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from brandlink import resources
from infra import nag
from infra.secrets import TOKEN_CONTEXT_CONDITIONS, allow_certificate_key
from infra.wiring import FunctionWiring

METRICS_NAMESPACE = "Brandlink"
TOKEN_KEY_CAPABILITY = "token_decrypt"
TABLE_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
TABLE_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
# Publishing to a KMS-encrypted SNS topic needs both.
KMS_PUBLISHER_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

Grant = Callable[[lambda_.Function, resources.FunctionSpec, FunctionWiring], None]


Conditions = dict[str, dict[str, Any]]


def _allow(
    function: lambda_.Function,
    actions: tuple[str, ...],
    resource_arns: list[str],
    conditions: Conditions | None = None,
) -> None:
    statement = iam.PolicyStatement(actions=list(actions), resources=resource_arns, conditions=conditions)
    function.add_to_role_policy(statement)


def _role(function: lambda_.Function) -> iam.IRole:
    assert function.role is not None, "every Brandlink function has its own role"
    return function.role


def grant_tables(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    data = wiring.data
    narrowed = {read.table for read in spec.only_reads}
    unknown = sorted(narrowed - set(spec.tables_read))
    if unknown:
        raise ValueError(f"Function {spec.logical} narrows reads of {unknown}, which are not in its tables_read.")
    readable = [
        arn
        for name in spec.tables_read
        if name not in narrowed
        for arn in (data.table(name).table_arn, *data.index_arns(name))
    ]
    if readable:
        _allow(function, TABLE_READ_ACTIONS, readable)
    for read in spec.only_reads:
        arn = data.table(read.table).table_arn
        if read.index is not None:
            if read.index not in {index.name for index in resources.table(read.table).indexes}:
                raise ValueError(f"Function {spec.logical} reads index {read.index!r}, which {read.table} lacks.")
            arn = f"{arn}/index/{read.index}"
        _allow(function, tuple(f"dynamodb:{action}" for action in read.actions), [arn])
    narrowed_writes = {write.table for write in spec.only_writes}
    unknown = sorted(narrowed_writes - set(spec.tables_write))
    if unknown:
        raise ValueError(f"Function {spec.logical} narrows writes of {unknown}, which are not in its tables_write.")
    writable = [data.table(name).table_arn for name in spec.tables_write if name not in narrowed_writes]
    if writable:
        _allow(function, TABLE_WRITE_ACTIONS, writable)
    for write in spec.only_writes:
        _allow(function, tuple(f"dynamodb:{action}" for action in write.actions), [data.table(write.table).table_arn])


def grant_queue_sends(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    targets = [wiring.queues.queue(name) for name in spec.queues_send]
    if targets:
        _allow(function, ("sqs:SendMessage",), [target.queue.queue_arn for target in targets])


def _scheduler(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    schedules = wiring.scheduling.schedules_arn
    _allow(function, ("scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"), [schedules])
    nag.acknowledge_wildcard_resources(
        _role(function),
        [schedules],
        "Schedules are created at run time, one per scheduled message, with names not known at deploy time; "
        "the grant is limited to the stack's own schedule group.",
    )
    _allow(
        function,
        ("iam:PassRole",),
        [wiring.scheduling.role.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
    )


OWNER_TAG = "brandlink:redirect-api"
"""The tag the certificate worker puts on what it creates (brandlink.adapters.domains.acm.OWNER_TAG)."""


def _owner_tag(wiring: FunctionWiring, kind: str) -> Conditions:
    """``aws:RequestTag`` (creating) or ``aws:ResourceTag`` (using): the stack's redirect API id."""
    return {"StringEquals": {f"aws:{kind}/{OWNER_TAG}": wiring.redirect_api_id}}


def _acm(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """Only certificates the worker imported itself: a new import must carry the owner tag, and
    describe, re-import and delete need it on the certificate (security finding 7)."""
    certificates = Stack.of(function).format_arn(service="acm", resource="certificate", resource_name="*")
    # ImportCertificate of a new certificate has no ARN yet, so IAM only accepts "*" for it.
    _allow(
        function,
        ("acm:ImportCertificate", "acm:AddTagsToCertificate"),
        ["*"],
        conditions={
            **_owner_tag(wiring, "RequestTag"),
            "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG]},
        },
    )
    _allow(
        function,
        ("acm:DescribeCertificate", "acm:DeleteCertificate", "acm:ImportCertificate"),
        [certificates],
        conditions=_owner_tag(wiring, "ResourceTag"),
    )
    nag.acknowledge_wildcard_resources(
        _role(function),
        [certificates],
        "Customers upload certificates at run time, so the imported certificates' ARNs are not known at "
        "deploy time; the grant is limited to this account and Region.",
    )


def _apigateway_domains(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    stack = Stack.of(function)
    domains = f"arn:{stack.partition}:apigateway:{stack.region}::/domainnames"
    domain_children = f"{domains}/*"
    # Creating a custom domain (POST /domainnames) only with the owner tag; reading any (GET: the
    # worker looks a name up before it creates it); changing or deleting one, or its mappings,
    # only when it carries the tag (security finding 7).
    _allow(function, ("apigateway:POST",), [domains], conditions=_owner_tag(wiring, "RequestTag"))
    _allow(function, ("apigateway:GET",), [domains, domain_children])
    _allow(
        function,
        ("apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"),
        [domain_children],
        conditions=_owner_tag(wiring, "ResourceTag"),
    )
    # Tags given at creation go through the tagging endpoint: only the owner tag.
    _allow(
        function,
        ("apigateway:POST",),
        [f"arn:{stack.partition}:apigateway:{stack.region}::/tags/*"],
        conditions={
            **_owner_tag(wiring, "RequestTag"),
            "ForAllValues:StringEquals": {"aws:TagKeys": [OWNER_TAG]},
        },
    )
    nag.acknowledge_wildcard_resources(
        _role(function),
        [domain_children, f"arn:{stack.partition}:apigateway:{stack.region}::/tags/*"],
        "Each customer short domain becomes an API Gateway custom domain (and its API mapping) at run time, "
        "named after the customer's domain; the grant covers only custom domain names in this Region.",
    )
    # API Gateway creates its service-linked role the first time an account uses a custom domain.
    _allow(
        function,
        ("iam:CreateServiceLinkedRole",),
        [
            stack.format_arn(
                service="iam",
                region="",
                resource="role",
                resource_name="aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway",
            )
        ],
        conditions={"StringEquals": {"iam:AWSServiceName": "ops.apigateway.amazonaws.com"}},
    )


def _alerts_topic(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    _allow(function, ("sns:Publish",), [wiring.alerts.topic.topic_arn])
    _allow(function, KMS_PUBLISHER_ACTIONS, [wiring.alerts.key.key_arn])


def _metrics(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    _allow(
        function,
        ("cloudwatch:PutMetricData",),
        ["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
    )


def _provider_secret(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    secret_arn = wiring.settings.provider_secret_arn
    if secret_arn:
        _allow(function, ("secretsmanager:GetSecretValue",), [secret_arn])


def _provider_sms(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    provider = wiring.settings.provider
    if provider == "sms":
        identities = Stack.of(function).format_arn(
            service="sms-voice", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME
        )
        _allow(function, ("sms-voice:SendTextMessage",), [identities])
        nag.acknowledge_wildcard_resources(
            _role(function),
            [identities],
            "The origination identity (phone number, pool or sender ID) is chosen in providerConfig after "
            "deployment; the grant is limited to this account and Region.",
        )
    elif provider == "sns":
        _allow(function, ("sns:Publish",), ["*"])


def _provider_receipts(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """The API checks the signatures of Twilio's status callbacks (the upstream auth token) and of the
    webhook provider's receipts (its signing key): it reads the provider secret for those two only."""
    if wiring.settings.provider in ("twilio", "webhook"):
        _provider_secret(function, spec, wiring)


def _provider_verification(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """The API sends number-verification codes through the provider, only when the deployment verifies
    numbers by code (``senderVerificationFrom``); otherwise it gets no provider rights at all."""
    if wiring.settings.sender_verification_from:
        _provider_secret(function, spec, wiring)
        _provider_sms(function, spec, wiring)


def click_event_bus_arn(function: lambda_.Function, bus: str) -> str:
    """The ARN of the ``clickEventBus`` knob's bus: given as an ARN, or a name (``default``) in this
    account and Region."""
    if bus.startswith("arn:"):
        return bus
    return Stack.of(function).format_arn(service="events", resource="event-bus", resource_name=bus)


def _click_events(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """The clicks worker may put events on the ``clickEventBus`` bus only, and only when it is set."""
    bus = wiring.settings.click_event_bus
    if bus:
        _allow(function, ("events:PutEvents",), [click_event_bus_arn(function, bus)])


def _token_decrypt(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """Functions that sign webhooks open sealed auth tokens: KMS Decrypt under an ``account_sid``
    context, granted in the key policy (which names this role) and in the role's own policy.

    While a deployment from before per-account secrets migrates (``legacyTokenKeySecretArn``), they
    may also read the retired master key, to sign for accounts whose token is not sealed yet.
    """
    token_key = wiring.token_key
    token_key.allow_decrypt(_role(function))
    _allow(function, ("kms:Decrypt",), [token_key.key.key_arn], conditions=TOKEN_CONTEXT_CONDITIONS)
    function.add_environment("BRANDLINK_TOKEN_KEY_ARN", token_key.key.key_arn)
    if wiring.legacy_token_key is not None:
        _allow(function, ("secretsmanager:GetSecretValue",), [wiring.legacy_token_key.secret_arn])


def _kms_certificates(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """Whoever queues certificate jobs may seal private keys; whoever consumes them may unseal; both
    only under an upload's encryption context (infra.secrets.CERTIFICATE_CONTEXT_CONDITIONS)."""
    trigger = spec.queue_trigger
    if "certificates" in spec.queues_send:
        allow_certificate_key(wiring.certificate_key, _role(function), "kms:Encrypt")
    if trigger is not None and trigger.queue == "certificates":
        allow_certificate_key(wiring.certificate_key, _role(function), "kms:Decrypt")


def _provider_inbound(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    """The API checks the upstream provider's inbound webhooks (/v1/Inbound/*) with the provider
    secret: only for the providers that post them (twilio: auth_token, webhook: signing_key)."""
    if wiring.settings.provider in ("twilio", "webhook"):
        _provider_secret(function, spec, wiring)


CAPABILITY_GRANTS: dict[str, Grant] = {
    "scheduler": _scheduler,
    "acm": _acm,
    "apigateway_domains": _apigateway_domains,
    "alerts_topic": _alerts_topic,
    "metrics": _metrics,
    "provider_secret": _provider_secret,
    "provider_sms": _provider_sms,
    "provider_receipts": _provider_receipts,
    "kms_certificates": _kms_certificates,
    TOKEN_KEY_CAPABILITY: _token_decrypt,
    "provider_verification": _provider_verification,
    "click_events": _click_events,
    "provider_inbound": _provider_inbound,
}

# Resource "*" statements any function may carry: X-Ray (added by active tracing), metrics
# (scoped by the namespace condition), ACM import and SNS SMS (below).
RESOURCE_STAR_REASON = (
    "Only for actions IAM cannot scope to a resource: X-Ray PutTraceSegments/PutTelemetryRecords "
    "(active tracing), cloudwatch:PutMetricData (restricted by a cloudwatch:namespace condition to "
    f"{METRICS_NAMESPACE}), acm:ImportCertificate of a new certificate and sns:Publish to a phone number."
)


def _slug_key(function: lambda_.Function, wiring: FunctionWiring) -> None:
    _allow(function, ("secretsmanager:GetSecretValue",), [wiring.slug_key.secret_arn])


def grant_spec(function: lambda_.Function, spec: resources.FunctionSpec, wiring: FunctionWiring) -> None:
    unknown = sorted(set(spec.capabilities) - CAPABILITY_GRANTS.keys())
    if unknown:
        raise ValueError(
            f"Function {spec.logical} asks for unknown capabilities {unknown}: "
            f"use one of {sorted(CAPABILITY_GRANTS)} in brandlink.resources."
        )
    grant_tables(function, spec, wiring)
    grant_queue_sends(function, spec, wiring)
    if "links" in spec.tables_write:
        _slug_key(function, wiring)
    for capability in spec.capabilities:
        CAPABILITY_GRANTS[capability](function, spec, wiring)
    nag.acknowledge_wildcard_resources(_role(function), ["*"], RESOURCE_STAR_REASON)
