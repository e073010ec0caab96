"""Which Brandlink a command works on: the local stack (``--local``/``--state``), a deployed stack
(``--stack NAME``) or the ``BRANDLINK_*`` variables already set (tests, scripts).

Choosing a target sets the environment variables the stores and adapters read (table names, the
token key, for local mode the moto endpoint), so every later import of ``brandlink`` code sees it.
Every failure is a ``TargetError`` whose message is one sentence that says what to do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.config import default_state_file
from local.state import StateFileError, process_alive, read_state

ACCOUNTS_TABLE_VARIABLE = "BRANDLINK_TABLE_ACCOUNTS"
# A profile could bring real credentials into calls meant for moto (local.aws_endpoint drops them too).
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
NO_TARGET = "Say which Brandlink to use: --local for the stack `make run` started, or --stack NAME for a deployed one."


class TargetError(Exception):
    """The target cannot be used; the message is one sentence saying what to do."""


@dataclass(frozen=True)
class Target:
    kind: str  # "local", "stack" or "environment"
    api_url: str | None = None
    redirect_url: str | None = None
    # Only the local stack hands out an account: the one `make run` created.
    account_sid: str | None = None
    auth_token: str | None = None


def local_state_file(explicit: str | None, env: Mapping[str, str]) -> Path:
    return Path(explicit) if explicit else default_state_file(env)


def use_local(state_file: Path) -> Target:
    """Point this process at the running local stack whose state file is ``state_file``."""
    try:
        state = read_state(state_file)
    except StateFileError:
        raise TargetError(
            f"No local stack is running ({state_file} not found): start one with `make run`, "
            "or point --state or BRANDLINK_STATE_DIR at the state file of the one you started."
        ) from None
    try:
        pid = int(state.get("pid", 0))
        environment = {str(k): str(v) for k, v in dict(state["environment"]).items()}
        api_url, redirect_url = str(state["api_url"]), str(state["redirect_url"])
        account_sid, auth_token = str(state["account_sid"]), str(state["auth_token"])
    except (KeyError, TypeError, ValueError):
        raise TargetError(f"{state_file} is not a local stack state file: remove it and run `make run`.") from None
    if not process_alive(pid):
        raise TargetError(
            f"The local stack that wrote {state_file} (pid {pid}) is not running any more: start it with `make run`."
        )
    for name in PROFILE_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(environment)
    return Target("local", api_url, redirect_url, account_sid, auth_token)


def stack_environment(outputs: Mapping[str, str]) -> dict[str, str]:
    """The variables the stores and the token vault read, from a deployed stack's outputs."""
    from brandlink import resources
    from infra.naming import camel  # how the stack names its outputs (plain Python, no CDK import)

    environment: dict[str, str] = {}
    if "TokenKeyArn" in outputs:
        environment["BRANDLINK_TOKEN_KEY_ARN"] = outputs["TokenKeyArn"]
    if "LegacyTokenKeySecretArn" in outputs:
        environment["BRANDLINK_LEGACY_TOKEN_KEY_SECRET_ARN"] = outputs["LegacyTokenKeySecretArn"]
    for spec in resources.TABLES:
        key = "Table" + camel(spec.logical)
        if key in outputs:
            environment[spec.env_var] = outputs[key]
    for queue in resources.QUEUES:  # replay-dlq
        key = f"Queue{camel(queue.logical)}Url"
        if key in outputs:
            environment[queue.env_var] = outputs[key]
    return environment


def use_stack(name: str, cloudformation: Any = None) -> Target:
    """Point this process at the deployed stack ``name`` with the operator's AWS credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        client = cloudformation or boto3.client("cloudformation")
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except NoRegionError:
        raise TargetError(
            f"No AWS Region is configured: set AWS_DEFAULT_REGION to the Region the stack {name} is deployed in."
        ) from None
    except NoCredentialsError:
        raise TargetError(
            f"No AWS credentials were found: configure those of the account the stack {name} is deployed in "
            "(e.g. AWS_PROFILE)."
        ) from None
    except ClientError as exc:
        raise TargetError(
            f"Cannot read the stack {name} ({exc.response.get('Error', {}).get('Message', exc)}): check its name "
            "(`make deploy` prints it) and your AWS credentials and Region."
        ) from None
    except BotoCoreError as exc:
        raise TargetError(f"Cannot reach CloudFormation ({exc}): check your network and AWS configuration.") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in (stacks[0].get("Outputs") or [])} if stacks else {}
    environment = stack_environment(outputs)
    if ACCOUNTS_TABLE_VARIABLE not in environment:
        raise TargetError(f"The stack {name} has no TableAccounts output: is it a Brandlink stack?")
    os.environ.update(environment)
    return Target("stack", outputs.get("ManagementApiUrl"), outputs.get("RedirectApiUrl"))


def use_environment(env: Mapping[str, str]) -> Target:
    """The variables already set (as tests and scripts do); refused when not even the table is named."""
    if not env.get(ACCOUNTS_TABLE_VARIABLE):
        raise TargetError(NO_TARGET)
    return Target("environment")


def resolve(local: bool, state: str | None, stack: str | None, env: Mapping[str, str] | None = None) -> Target:
    env = os.environ if env is None else env
    if stack and (local or state):
        raise TargetError("Use either --local (or --state) or --stack, not both.")
    if stack:
        return use_stack(stack)
    if local or state:
        return use_local(local_state_file(state, env))
    return use_environment(env)
