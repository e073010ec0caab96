"""The README's `twilio` client tour runs as written against the local stack.

Only the placeholder line of credentials and the domain are swapped for the stack's values, and
outgoing callback hosts for a closed local port (this machine has no network).
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pytest

from local.demo import self_signed_tls_cert
from local.twilio_client import make_client
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

README = Path(__file__).resolve().parents[2] / "README.md"
CLOSED_PORT_URL = "http://127.0.0.1:9/"


def twilio_tour() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    [tour] = [block for block in blocks if "client.messages.create(" in block and "make_client" in block]
    return tour


def test_readme_twilio_tour_runs(
    local_stack: LocalStackProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(local_stack.api_url, local_stack.account_sid, local_stack.auth_token)
    domain_name = f"readme-{secrets.token_hex(4)}.localhost"
    domain = client.request(
        "POST", f"{local_stack.api_url}/v1/LinkShortening/Domains", data={"DomainName": domain_name}
    )
    assert domain.status_code == 201, domain.text
    domain_sid = re.search(r'"(DN[0-9a-f]{32})"', domain.text).group(1)
    (tmp_path / "bundle.pem").write_text(self_signed_tls_cert(domain_name))
    monkeypatch.chdir(tmp_path)

    code = twilio_tour()
    placeholders = 'API, AC, TOKEN = "http://127.0.0.1:8080", "AC...", "..."'
    assert placeholders in code and 'DN = "DN..."' in code
    code = code.replace(
        placeholders,
        f"API, AC, TOKEN = {local_stack.api_url!r}, {local_stack.account_sid!r}, {local_stack.auth_token!r}",
    )
    code = code.replace('DN = "DN..."', f"DN = {domain_sid!r}").replace("https://hooks.acme.com/", CLOSED_PORT_URL)
    started = time.monotonic()
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)  # the README's own code, as a reader runs it

    later = namespace["later"]
    assert client.messages(later.sid).fetch().status == "canceled"
    message = namespace["message"]
    deadline = started + 60
    while client.messages(message.sid).fetch().status not in ("sent", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.messages(message.sid).fetch().status == "sent"
