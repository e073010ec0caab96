"""What `make run` prints once the stack is up: where things are and how to call them."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from local.config import DEFAULT_STATE_DIR, STATE_FILE_NAME
from local.receiver import receiver_url
from local.stack import FunctionStatus, StartedStack

READY_LINE = "Brandlink is running. Press Ctrl+C to stop."
# How to run the repository's modules from its root in another terminal.
RUN_PYTHON = "PYTHONPATH=functions:. .venv/bin/python"
# The operator command `make venv` installs (ops/cli.py), as typed from the repository's root.
CLI = ".venv/bin/brandlink"
PRIVATE_CALLBACKS_LINE = (
    "Callbacks to private addresses (127.0.0.1, 10.x, 192.168.x, ...) are allowed in local mode only; "
    "a deployed Brandlink refuses them."
)


def short_link_host(redirect_url: str) -> str:
    return f"links.localhost:{urlsplit(redirect_url).port}"


def cli_target(state_file: str) -> str:
    """``--local`` when another terminal finds this stack by default, else ``--state FILE``."""
    if Path(state_file) == Path(DEFAULT_STATE_DIR) / STATE_FILE_NAME:
        return "--local"
    return f"--state {shlex.quote(state_file)}"


def operator_commands(state_file: str, env: Mapping[str, str], functions: list[FunctionStatus]) -> list[str]:
    target = cli_target(state_file)
    commands = [
        (f'eval "$({CLI} {target} env)"', "export API, AC, TOKEN, LINKS, HOOKS for the README's tour"),
        (f"{CLI} {target} create-account --name Acme", "another account (rotate-token, list-accounts, set-status)"),
        (f"{CLI} test-cert go.acme.localhost", "go.acme.localhost.pem: certificate, chain and key to upload"),
        (f"{CLI} {target} receiver", f"prints the webhooks posted to {receiver_url(env)}, signatures checked"),
        (f"{CLI} {target} clock advance 91d", "every function lives 91 days later (short links expire); clock reset"),
    ]
    commands += [
        (f"{RUN_PYTHON} -m local.invoke {function.name}", f"run the {function.trigger} function now")
        for function in functions
        if function.scheduled
    ]
    width = max(len(command) for command, _ in commands)
    return [f"    {command:<{width}}   # {why}" for command, why in commands]


def render(stack: StartedStack, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    sid, token, api = stack.account_sid, stack.auth_token, stack.api_url
    lines = [
        "",
        f"  Management API   {api}",
        f"  Short links      {stack.redirect_url}   (the Host header picks the domain, e.g. "
        f"http://{short_link_host(stack.redirect_url)}/<slug>)",
        f"  AWS (moto)       {stack.moto_url}   (in memory: everything is gone when the stack stops)",
        "",
        "  Functions:",
    ]
    for function in stack.functions:
        status = "" if function.built else "   [not in this build yet]"
        lines.append(f"    {function.name:<18} {function.trigger}{status}")
    lines += [
        "",
        f"  AccountSid       {sid}",
        f"  AuthToken        {token}",
    ]
    for seed in stack.seeds:
        if seed.error:
            lines.append(f"  Seeder {seed.seeder} failed: {seed.error} (see the log above)")
        for label, value in seed.values.items():
            lines.append(f"  {label:<16} {value}")
    lines += [
        "",
        "  Try it:",
        f"    curl -u {sid}:{token} {api}/2010-04-01/Accounts/{sid}.json",
        "",
        '    .venv/bin/python -c "from local.twilio_client import make_client; '
        f"print(make_client('{api}', '{sid}', '{token}').api.accounts('{sid}').fetch().friendly_name)\"",
        "",
        f"  State file       {stack.state_file}",
        "",
        "  Operator commands (from this directory, in another terminal):",
        *operator_commands(stack.state_file, env, stack.functions),
    ]
    lines += ["", f"  {PRIVATE_CALLBACKS_LINE}", ""]
    return "\n".join(lines)
