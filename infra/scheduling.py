"""EventBridge Scheduler: the group holding one-time ``at()`` schedules and the role they run as."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from brandlink import resources
from infra.queues import WorkQueue

SCHEDULER = "scheduler.amazonaws.com"


class MessageScheduling(Construct):
    """Scheduled messages fire into the send queue (or, failing that, its DLQ) through a role only
    the Scheduler can assume."""

    def __init__(self, scope: Construct, construct_id: str, *, target: WorkQueue) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.group = scheduler.ScheduleGroup(
            self,
            "Group",
            schedule_group_name=resources.SCHEDULE_GROUP_NAME,
            # Pending schedules target this stack's send queue, which goes with the stack; a
            # retained group would only block a later deployment that recreates the fixed name.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            description="Assumed by EventBridge Scheduler to put due messages on the send queue.",
            assumed_by=iam.ServicePrincipal(
                SCHEDULER, conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
        )
        # The target, and the dead-letter queue a schedule names for deliveries that keep failing.
        # Both use SSE-SQS, so sending needs no KMS permission.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[target.queue.queue_arn, target.dead_letter_queue.queue_arn],
            )
        )

    @property
    def schedules_arn(self) -> str:
        """Every schedule in the group (the resource the API's scheduler permissions cover)."""
        return Stack.of(self).format_arn(
            service="scheduler", resource="schedule", resource_name=f"{resources.SCHEDULE_GROUP_NAME}/*"
        )
