"""What `make run` prints once the stack is up: where things are and how to call them."""

from __future__ import annotations

from urllib.parse import urlsplit

from local.stack import StartedStack

READY_LINE = "Brandlink is running. Press Ctrl+C to stop."
# How to run the repository's modules from its root in another terminal.
RUN_PYTHON = "PYTHONPATH=functions:. .venv/bin/python"


def short_link_host(redirect_url: str) -> str:
    return f"links.localhost:{urlsplit(redirect_url).port}"


def render(stack: StartedStack) -> str:
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
        f"    {RUN_PYTHON} -m brandlink.admin --local {stack.state_file} create-account",
    ]
    lines += [
        f"    {RUN_PYTHON} -m local.invoke {function.name}   (run the {function.trigger} function now)"
        for function in stack.functions
        if function.scheduled
    ]
    lines.append("")
    return "\n".join(lines)
