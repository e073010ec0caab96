"""The pieces of the operator command and of `make run`'s banner that need no AWS: the test
certificate helper, the webhook receiver, the `env` line and the banner's text."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandlink.core.common.signing import sign_form, sign_json
from brandlink.core.domains.certificates import validate_tls_cert
from local.banner import PRIVATE_CALLBACKS_LINE, render
from local.bootstrap import SeedResult
from local.localhost_cert import NotALocalDomain, issue, tls_cert_for, write_bundle
from local.receiver import ReceiverPortError, Webhook, WebhookReceiver, receiver_url, signature_verdict
from local.stack import FunctionStatus, StartedStack
from ops import cli
from ops.target import Target

TOKEN = "0123456789abcdef0123456789abcdef"


# ---- test-cert ----------------------------------------------------------------------------------


def test_the_bundle_passes_every_certificate_rule_even_outside_local_mode() -> None:
    certificate = issue("Go.Acme.localhost")
    validated = validate_tls_cert(
        certificate.tls_cert, "go.acme.localhost", now=datetime.now(UTC), allow_self_signed=False
    )
    assert validated.chain_pem == certificate.chain_pem and not validated.self_signed
    assert certificate.tls_cert.index("BEGIN CERTIFICATE") < certificate.tls_cert.index("BEGIN PRIVATE KEY")
    assert certificate.tls_cert.count("BEGIN CERTIFICATE") == 2


@pytest.mark.parametrize("domain", ["go.acme.com", "localhost", "acme.localhost.com", ""])
def test_only_localhost_domains_get_a_test_certificate(domain: str) -> None:
    with pytest.raises(NotALocalDomain, match=r"is not a \.localhost domain"):
        issue(domain)


def test_each_bundle_has_its_own_key() -> None:
    first, second = tls_cert_for("a.localhost"), tls_cert_for("a.localhost")
    assert first.split("-----BEGIN PRIVATE KEY-----")[1] != second.split("-----BEGIN PRIVATE KEY-----")[1]


def test_the_bundle_file_is_private_and_named_after_the_domain(tmp_path: Path) -> None:
    (tmp_path / "go.localhost.pem").write_text("old")
    (tmp_path / "go.localhost.pem").chmod(0o644)
    path = write_bundle(issue("go.localhost"), tmp_path)
    assert path == tmp_path / "go.localhost.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_test_cert_prints_the_path_and_refuses_other_domains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["test-cert", "shop.localhost", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "shop.localhost.pem")
    assert cli.main(["test-cert", "shop.example.com", "--dir", str(tmp_path)]) == 1
    assert "is not a .localhost domain" in capsys.readouterr().err
    assert not (tmp_path / "shop.example.com.pem").exists()


# ---- receiver -----------------------------------------------------------------------------------


def test_a_form_webhook_signed_with_the_token_is_ok_and_another_token_is_wrong() -> None:
    url, params = "http://127.0.0.1:8082/status", {"MessageSid": "SM1", "MessageStatus": "sent"}
    headers = sign_form(TOKEN, url, params)
    webhook = Webhook(url, headers, b"MessageSid=SM1&MessageStatus=sent")
    assert signature_verdict(webhook, TOKEN) == "ok"
    assert signature_verdict(webhook, "f" * 32) == "WRONG"
    assert signature_verdict(Webhook(url, {}, webhook.body), TOKEN) == "WRONG"
    assert signature_verdict(webhook, None) == "not checked"


def test_a_json_webhook_is_checked_with_its_body_hash() -> None:
    body = json.dumps({"event_type": "click", "link": "https://acme.com/"}).encode()
    signed_url, headers = sign_json(TOKEN, "http://127.0.0.1:8082/clicks", body)
    assert signature_verdict(Webhook(signed_url, headers, body), TOKEN) == "ok"
    assert signature_verdict(Webhook(signed_url, headers, body + b" "), TOKEN) == "WRONG"


def test_receiver_port_comes_from_its_variable() -> None:
    assert receiver_url({}) == "http://127.0.0.1:8082"
    assert receiver_url({"BRANDLINK_RECEIVER_PORT": "9100"}) == "http://127.0.0.1:9100"
    with pytest.raises(ReceiverPortError, match="BRANDLINK_RECEIVER_PORT must be a port number"):
        receiver_url({"BRANDLINK_RECEIVER_PORT": "eighty"})


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[tuple[WebhookReceiver, io.StringIO]]:
    out = io.StringIO()
    receiver = WebhookReceiver(0, TOKEN, out)
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver, out
    receiver.shutdown()
    receiver.server_close()
    thread.join(timeout=10)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_receiver_prints_one_line_per_webhook_and_refuses_a_bad_signature(
    receiver: tuple[WebhookReceiver, io.StringIO],
) -> None:
    server, out = receiver
    url = f"{server.url}/status"
    params = {"MessageSid": "SM1", "MessageStatus": "sent", "AccountSid": "AC1", "To": "+14155550100"}
    body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B").encode()

    assert post(url, body, sign_form(TOKEN, url, params)) == 204
    assert post(url, body, sign_form("f" * 32, url, params)) == 403

    first, second = out.getvalue().splitlines()
    assert first.endswith("POST /status  signature ok  MessageSid=SM1 MessageStatus=sent (+2 more fields)")
    assert "signature WRONG  MessageSid=SM1" in second


# ---- env ----------------------------------------------------------------------------------------


def test_env_prints_one_export_line_a_shell_can_eval() -> None:
    target = Target("local", "http://127.0.0.1:8080", "http://127.0.0.1:8081", "AC1", "tok en'")
    line = cli.env_line(target, {"BRANDLINK_RECEIVER_PORT": "9100"})
    assert line.startswith("export API=http://127.0.0.1:8080 AC=AC1 TOKEN=")
    script = f'{line}\nprintf \'%s|\' "$API" "$AC" "$TOKEN" "$LINKS" "$HOOKS"'
    printed = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert printed == "http://127.0.0.1:8080|AC1|tok en'|http://127.0.0.1:8081|http://127.0.0.1:9100|"


# ---- banner -------------------------------------------------------------------------------------


def started_stack(state_file: str) -> StartedStack:
    return StartedStack(
        api_url="http://127.0.0.1:8080",
        redirect_url="http://127.0.0.1:8081",
        moto_url="http://127.0.0.1:5000",
        account_sid="AC" + "a" * 32,
        auth_token=TOKEN,
        state_file=state_file,
        functions=[FunctionStatus("cert_expiry", "rule rate(1 day)", True, True)],
        seeds=[SeedResult("demo", {"Messaging service": "MG" + "b" * 32})],
    )


def test_the_banner_shows_the_short_commands_and_the_private_callback_rule() -> None:
    text = render(started_stack(".brandlink/local.json"), {})
    lines = [line.strip() for line in text.splitlines()]
    commands = [line.split("   #")[0].strip() for line in lines if line.startswith(".venv/bin/brandlink")]
    assert commands == [
        ".venv/bin/brandlink --local create-account --name Acme",
        ".venv/bin/brandlink test-cert go.acme.localhost",
        ".venv/bin/brandlink --local receiver",
        ".venv/bin/brandlink --local clock advance 91d",
    ]
    assert any(line.startswith('eval "$(.venv/bin/brandlink --local env)"') for line in lines)
    assert "signatures checked" in text and "http://127.0.0.1:8082" in text
    assert PRIVATE_CALLBACKS_LINE in lines
    assert PRIVATE_CALLBACKS_LINE.endswith("allowed in local mode only; a deployed Brandlink refuses them.")
    assert "brandlink.admin" not in text
    assert any(line.startswith("PYTHONPATH=functions:. .venv/bin/python -m local.invoke cert_expiry") for line in lines)
    for command in commands:  # what the banner prints, the command accepts
        cli.build_parser().parse_args(shlex.split(command)[1:])


def test_the_banner_names_a_state_file_that_is_not_the_default() -> None:
    text = render(started_stack("/tmp/other dir/local.json"), {"BRANDLINK_RECEIVER_PORT": "9100"})
    assert "eval \"$(.venv/bin/brandlink --state '/tmp/other dir/local.json' env)\"" in text
    assert ".venv/bin/brandlink --state '/tmp/other dir/local.json' receiver" in text
    assert "http://127.0.0.1:9100" in text and "--local" not in text
