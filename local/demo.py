"""The `make run` demo: a messaging service with a sender, the short-link domain ``links.localhost``
with a certificate generated here, and a domain config with a fallback URL — all created through
the public API, as a user would (after the operator's assignment of the sender, as an operator
would), so a first shortened message is one curl away.

The certificate comes from ``local.localhost_cert`` (what ``brandlink test-cert`` writes) and its
private key never touches the disk: it is generated in memory and uploaded once, like any customer key.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

import requests

from local.localhost_cert import issue
from local.seeding import SeedContext

DEMO_DOMAIN = "links.localhost"
DEMO_SENDER = "+15005550006"
DEMO_FALLBACK_URL = "https://www.example.com/"
DEMO_RECIPIENT = "+14155550100"
DEMO_BODY = "Your order has shipped: https://www.example.com/orders/12345?utm_source=sms"
INSTALL_TIMEOUT_SECONDS = 20.0
REQUEST_TIMEOUT_SECONDS = 10.0


class _Api:
    def __init__(self, context: SeedContext) -> None:
        self._base = context.api_url.rstrip("/")
        self._session = requests.Session()
        self._session.auth = (context.account_sid, context.auth_token)
        self.account_sid = context.account_sid

    def call(self, method: str, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._session.request(method, self._base + path, data=data, timeout=REQUEST_TIMEOUT_SECONDS)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text}")
        return dict(response.json()) if response.content else {}


def _wait_for_installation(api: _Api, domain_sid: str) -> dict[str, Any]:
    """The certificate worker runs from the certificates queue; wait until it has installed it."""
    deadline = time.monotonic() + INSTALL_TIMEOUT_SECONDS
    while True:
        certificate = api.call("GET", f"/v1/LinkShortening/Domains/{domain_sid}/Certificate")
        validation = certificate.get("cert_in_validation")
        if validation is None:
            return certificate
        if validation.get("status") == "failed":
            raise RuntimeError(f"the demo certificate was not installed: {validation.get('error_message')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo certificate was still pending after {INSTALL_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.2)


def _assign_demo_sender(account_sid: str) -> None:
    """What an operator does before an account may register a number (``brandlink assign-sender``):
    senders belong to one account deployment-wide (docs/senders.md)."""
    from brandlink import wiring
    from brandlink.core.senders import ownership

    ownership.assign(wiring.sender_claims(), wiring.senders(), account_sid, "phone_number", DEMO_SENDER)


def seed_link_shortening_demo(context: SeedContext) -> dict[str, str]:
    api = _Api(context)
    _assign_demo_sender(context.account_sid)
    service = api.call("POST", "/v1/Services", {"FriendlyName": "Demo: branded links"})
    number = api.call(
        "POST", f"/2010-04-01/Accounts/{api.account_sid}/IncomingPhoneNumbers.json", {"PhoneNumber": DEMO_SENDER}
    )
    api.call("POST", f"/v1/Services/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    domain = api.call("POST", "/v1/LinkShortening/Domains", {"DomainName": DEMO_DOMAIN})
    path = f"/v1/LinkShortening/Domains/{domain['sid']}"
    api.call("POST", f"{path}/Certificate", {"TlsCert": issue(DEMO_DOMAIN).tls_cert})
    config = api.call("POST", f"{path}/Config", {"FallbackUrl": DEMO_FALLBACK_URL})
    api.call("POST", f"{path}/MessagingServices/{service['sid']}")
    certificate = _wait_for_installation(api, domain["sid"])
    commands = demo_commands(context, service["sid"])
    return {
        "Messaging service": service["sid"],
        "Sender": f"{DEMO_SENDER} ({number['sid']})",
        "Short-link domain": f"{DEMO_DOMAIN} ({domain['sid']})",
        "Certificate": f"{certificate['certificate_sid']} (local test CA, expires {certificate['date_expires']})",
        "Domain config": f"{config['config_sid']} (fallback {DEMO_FALLBACK_URL})",
        **commands,
    }


def demo_commands(context: SeedContext, service_sid: str) -> dict[str, str]:
    """The banner's copy-paste path to a first short link, one shell line each, run in order in one
    shell: send a message with ``ShortenUrls=true`` through the demo service (``$SM`` keeps its SID),
    show its body once dispatch has shortened it, and open its short link without following it (the
    302 and the original link in ``Location``). tests/e2e/test_links_local_stack.py runs them."""
    credentials = shlex.quote(f"{context.account_sid}:{context.auth_token}")
    messages = f"{context.api_url.rstrip('/')}/2010-04-01/Accounts/{context.account_sid}/Messages"
    send = " ".join(
        [
            "SM=$(curl -sS -u",
            credentials,
            shlex.quote(f"{messages}.json"),
            "-d",
            f"MessagingServiceSid={service_sid}",
            "--data-urlencode",
            shlex.quote(f"To={DEMO_RECIPIENT}"),
            "-d",
            "ShortenUrls=true",
            "--data-urlencode",
            shlex.quote(f"Body={DEMO_BODY}"),
            '| jq -r .sid); echo "$SM"',
        ]
    )
    message = f'curl -sS -u {credentials} "{messages}/$SM.json"'
    return {
        "Send a message": send,
        "See it shortened": f"{message} | jq -r '.status + \": \" + .body'   # sent: ... http://{DEMO_DOMAIN}:...",
        "Open its link": f'curl -sI "$({message} | jq -r \'.body | match("http://[^ ]+").string\')"   # 302',
    }
