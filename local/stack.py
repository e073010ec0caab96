"""The whole local system: moto server, two gateways, queue pollers, the scheduler pump and rules.

Everything is derived from ``brandlink.resources``: which function serves which gateway, which
queue feeds which function, which function runs on a rate.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from brandlink import resources
from local.aws_endpoint import MotoEndpoint, apply_aws_environment, aws_environment
from local.bootstrap import SeedResult, create_local_account, run_seeders
from local.clock import CLOCK_FILE_NAME, CLOCK_FILE_VARIABLE
from local.clock import reset as reset_clock
from local.config import (
    API_PORT_VARIABLE,
    LINKS_PORT_VARIABLE,
    MOTO_PORT_VARIABLE,
    RUNNER_VARIABLES,
    LocalConfig,
)
from local.gateway import Gateway
from local.lambda_runtime import LambdaFunction, build_functions
from local.provision import provision
from local.pump import Pump
from local.rules import ScheduledRule
from local.scheduler_pump import SchedulerPump
from local.seed import SEEDERS
from local.seeding import SeedContext
from local.sqs_poller import SqsPoller
from local.state import LocalState, remove_state, running_stack_pid, write_state

logger = logging.getLogger("local.stack")

# What Lambda's configuration gives every function in local mode.
HANDLER_ENVIRONMENT = {
    "BRANDLINK_MODE": "local",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Brandlink",
}
PUMP_STOP_TIMEOUT_SECONDS = 15.0
SHORT_LINK_PORT_VARIABLE = "BRANDLINK_SHORT_LINK_PORT"


class StackAlreadyRunning(RuntimeError):
    pass


@dataclass(frozen=True)
class FunctionStatus:
    name: str
    trigger: str
    built: bool
    scheduled: bool


@dataclass(frozen=True)
class StartedStack:
    api_url: str
    redirect_url: str
    moto_url: str
    account_sid: str
    auth_token: str
    state_file: str
    functions: list[FunctionStatus] = field(default_factory=list)
    seeds: list[SeedResult] = field(default_factory=list)


def describe_trigger(spec: resources.FunctionSpec) -> str:
    if spec.http_api:
        return f"HTTP ({spec.http_api})"
    if spec.queue_trigger:
        return f"SQS queue {spec.queue_trigger.queue}"
    if spec.schedule_expression:
        return f"rule {spec.schedule_expression}"
    return "on demand"


def _function_for_api(functions: dict[str, LambdaFunction], api: str) -> LambdaFunction:
    for function in functions.values():
        if function.spec.http_api == api:
            return function
    raise RuntimeError(f"No function in brandlink.resources.DECLARED_FUNCTIONS has http_api={api!r}.")


def handler_environment() -> dict[str, str]:
    """The handler-facing variables now set in this process (provisioned names, user tunables)."""
    return {
        name: value
        for name, value in os.environ.items()
        if (name.startswith("BRANDLINK_") and name not in RUNNER_VARIABLES) or name in HANDLER_ENVIRONMENT
    }


class LocalStack:
    def __init__(self, config: LocalConfig) -> None:
        self._config = config
        self._gateways: list[Gateway] = []
        self._pumps: list[Pump] = []
        self._functions: dict[str, LambdaFunction] = {}
        self._moto: MotoEndpoint | None = None

    def start(self) -> StartedStack:
        config = self._config
        owner = running_stack_pid(config.state_file)
        if owner is not None:
            raise StackAlreadyRunning(
                f"A local stack (pid {owner}) already uses {config.state_file}: stop it, "
                "or set BRANDLINK_STATE_DIR (and free ports) to run a second one."
            )
        # A fresh stack starts at real time; its containers read "now" through this file (local.clock).
        clock_file = (config.state_dir / CLOCK_FILE_NAME).resolve()
        reset_clock(clock_file)
        os.environ[CLOCK_FILE_VARIABLE] = str(clock_file)
        functions = build_functions(
            config.region,
            concurrency=config.concurrency,
            queue_seconds=config.queue_seconds,
            timeout_factor=config.timeout_factor,
        )
        self._functions = functions
        # Bind both gateways before anything slow, so a taken port fails at once.
        api = self._add_gateway("api", config.api_port, _function_for_api(functions, "management"), API_PORT_VARIABLE)
        links = self._add_gateway(
            "links", config.links_port, _function_for_api(functions, "redirect"), LINKS_PORT_VARIABLE
        )

        self._moto = MotoEndpoint(config.host, config.moto_port, MOTO_PORT_VARIABLE)
        moto_url = self._moto.start()
        aws_env = aws_environment(moto_url, config.region)
        # Before any handler module is imported, as Lambda sets a function's environment before its init.
        apply_aws_environment(aws_env)
        os.environ.update(HANDLER_ENVIRONMENT)
        # Short links open on this machine: dispatch spells them http://{domain}:{links port}/{slug}.
        os.environ[SHORT_LINK_PORT_VARIABLE] = str(links.port)
        provisioned = provision(config.region)
        account_sid, auth_token = create_local_account()

        for gateway in self._gateways:
            gateway.start()
        self._pumps = self._build_pumps(functions, provisioned)
        for pump in self._pumps:
            pump.start()

        seeds = run_seeders(SeedContext(api.url, links.url, account_sid, auth_token), SEEDERS)
        write_state(
            config.state_file,
            LocalState(
                api_url=api.url,
                redirect_url=links.url,
                account_sid=account_sid,
                auth_token=auth_token,
                environment={**aws_env, **handler_environment()},
                pid=os.getpid(),
                seeded={label: value for seed in seeds for label, value in seed.values.items()},
            ),
        )
        return StartedStack(
            api_url=api.url,
            redirect_url=links.url,
            moto_url=moto_url,
            account_sid=account_sid,
            auth_token=auth_token,
            state_file=str(config.state_file),
            functions=[
                FunctionStatus(f.name, describe_trigger(f.spec), f.is_built(), bool(f.spec.schedule_expression))
                for f in functions.values()
            ],
            seeds=seeds,
        )

    def stop(self) -> list[str]:
        """Stop everything, in dependency order; returns the names of threads that would not stop."""
        for gateway in self._gateways:
            gateway.stop()
        self._gateways = []
        for pump in self._pumps:
            pump.stop()
        deadline = time.monotonic() + PUMP_STOP_TIMEOUT_SECONDS
        for pump in self._pumps:
            pump.join(timeout=max(0.0, deadline - time.monotonic()))
        stuck = [pump.name for pump in self._pumps if pump.is_alive()]
        self._pumps = []
        for function in self._functions.values():
            function.close()
        self._functions = {}
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        remove_state(self._config.state_file)
        if os.environ.get(CLOCK_FILE_VARIABLE):
            reset_clock(Path(os.environ.pop(CLOCK_FILE_VARIABLE)))
        return stuck

    def _add_gateway(self, label: str, port: int, function: LambdaFunction, variable: str) -> Gateway:
        gateway = Gateway(label, self._config.host, port, function, variable)
        self._gateways.append(gateway)
        return gateway

    def _build_pumps(self, functions: dict[str, LambdaFunction], provisioned: dict[str, str]) -> list[Pump]:
        region = self._config.region
        sqs: Any = boto3.client("sqs", region_name=region)
        pumps: list[Pump] = [
            SchedulerPump(
                boto3.client("scheduler", region_name=region),
                boto3.client("sqs", region_name=region),
                provisioned["BRANDLINK_SCHEDULE_GROUP"],
            )
        ]
        for function in functions.values():
            if not function.is_built():
                logger.debug("%s: no handler module in this build; its trigger is not started", function.name)
                continue
            trigger = function.spec.queue_trigger
            if trigger is not None:
                queue_url = provisioned[resources.queue(trigger.queue).env_var]
                queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
                # As many pollers as the function may run at once, as Lambda scales its pollers.
                receive_lock = threading.Lock()
                pumps.extend(
                    SqsPoller(
                        function,
                        trigger,
                        queue_url,
                        queue_arn["Attributes"]["QueueArn"],
                        boto3.client("sqs", region_name=region),
                        receive_lock=receive_lock,
                        number=number,
                    )
                    for number in range(1, function.concurrency + 1)
                )
            if function.spec.schedule_expression:
                pumps.append(ScheduledRule(function, function.spec.schedule_expression, region))
        return pumps
