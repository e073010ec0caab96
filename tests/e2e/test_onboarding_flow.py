"""The onboarding flow against the local stack over HTTP: once as curl does it (plain form posts with
``requests``), once with the official ``twilio`` client; and the demo `make run` prepares."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from local.twilio_client import make_client
from tests import certs
from tests.e2e.conftest import give_senders
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

INSTALL_TIMEOUT_SECONDS = 60.0
HTTP_TIMEOUT_SECONDS = 60.0
LS = "/v1/LinkShortening"


class Curl:
    """What ``curl -u AC:token -d Key=value`` does: Basic auth, form-encoded bodies, JSON back."""

    def __init__(self, api_url: str, account_sid: str, auth_token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.account_sid = account_sid
        self.auth = (account_sid, auth_token)

    def __call__(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[int, Any]:
        response = requests.request(
            method, self.api_url + path, data=data, auth=self.auth, timeout=HTTP_TIMEOUT_SECONDS
        )
        return response.status_code, (response.json() if response.content else None)


def unique_domain(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}.localhost"


def wait_installed(fetch: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + INSTALL_TIMEOUT_SECONDS
    while True:
        certificate = fetch()
        if certificate is not None:
            return certificate
        assert time.monotonic() < deadline, "the certificate worker did not install the certificate in time"
        time.sleep(0.2)


def test_onboarding_with_curl(local_stack: LocalStackProcess, fresh_account: tuple[str, str]) -> None:
    curl = Curl(local_stack.api_url, *fresh_account)
    name = unique_domain("curl")
    give_senders(local_stack, curl.account_sid, "+14155552691")

    status, service = curl("POST", "/v1/Services", {"FriendlyName": "Onboarding (curl)"})
    assert status == 201, service
    status, number = curl(
        "POST", f"/2010-04-01/Accounts/{curl.account_sid}/IncomingPhoneNumbers.json", {"PhoneNumber": "+14155552691"}
    )
    assert status == 201, number
    status, _ = curl("POST", f"/v1/Services/{service['sid']}/PhoneNumbers", {"PhoneNumberSid": number["sid"]})
    assert status == 201

    status, domain = curl("POST", f"{LS}/Domains", {"DomainName": name})
    assert status == 201 and domain["verified"] is True, domain
    dn = domain["sid"]

    bundle = certs.issue(name, key_kind="rsa2048")
    status, uploaded = curl("POST", f"{LS}/Domains/{dn}/Certificate", {"TlsCert": bundle.tls_cert})
    assert status == 201, uploaded
    assert uploaded["cert_in_validation"]["status"] == "pending"

    def installed() -> Any:
        body = curl("GET", f"{LS}/Domains/{dn}/Certificate")[1]
        return body if body["cert_in_validation"] is None else None

    certificate = wait_installed(installed)
    assert certificate["certificate_sid"] == uploaded["certificate_sid"]
    assert certificate["date_expires"] == bundle.leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")

    status, config = curl(
        "POST",
        f"{LS}/Domains/{dn}/Config",
        {"FallbackUrl": "https://www.example.com/", "CallbackUrl": "http://127.0.0.1:9/clicks"},
    )
    assert status == 201 and config["config_sid"].startswith("ZK"), config
    status, association = curl("POST", f"{LS}/Domains/{dn}/MessagingServices/{service['sid']}")
    assert status == 201 and association["messaging_service_sid"] == service["sid"]

    status, by_service = curl("GET", f"{LS}/MessagingService/{service['sid']}/DomainConfig")
    assert status == 200
    assert (by_service["domain_sid"], by_service["config_sid"], by_service["fallback_url"]) == (
        dn,
        config["config_sid"],
        "https://www.example.com/",
    )
    assert curl("GET", f"{LS}/MessagingServices/{service['sid']}/Domain")[1]["domain_sid"] == dn
    assert curl("GET", f"{LS}/Domains/{dn}/ValidateDns")[1]["is_valid"] is True

    # A bad certificate afterwards: its code, and the installed one stays.
    status, error = curl("POST", f"{LS}/Domains/{dn}/Certificate", {"TlsCert": bundle.leaf_pem})
    assert (status, error["code"]) == (400, 30116)
    assert curl("GET", f"{LS}/Domains/{dn}/Certificate")[1] == certificate


def test_onboarding_with_the_twilio_client(local_stack: LocalStackProcess, fresh_account: tuple[str, str]) -> None:
    account_sid, auth_token = fresh_account
    client = make_client(local_stack.api_url, account_sid, auth_token)
    messaging = client.messaging.v1
    name = unique_domain("twilio")

    service = messaging.services.create(friendly_name="Onboarding (twilio)")
    give_senders(local_stack, account_sid, "+14155552692")
    number = client.incoming_phone_numbers.create(phone_number="+14155552692")
    messaging.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    # Registering a domain is Brandlink's addition: the helper library has no call for it.
    status, domain = Curl(local_stack.api_url, account_sid, auth_token)("POST", f"{LS}/Domains", {"DomainName": name})
    assert status == 201, domain
    dn = domain["sid"]

    bundle = certs.issue(name, self_signed=True)
    uploaded = messaging.domain_certs(dn).update(tls_cert=bundle.tls_cert)
    assert uploaded.cert_in_validation["status"] == "pending" and uploaded.domain_name == f"https://{name}"

    def installed() -> Any:
        fetched = messaging.domain_certs(dn).fetch()
        return fetched if fetched.cert_in_validation is None else None

    certificate = wait_installed(installed)
    assert certificate.certificate_sid == uploaded.certificate_sid

    config = messaging.domain_config(dn).update(
        fallback_url="https://www.example.com/", continue_on_failure=True, disable_https=False
    )
    assert config.config_sid.startswith("ZK") and config.continue_on_failure is True
    association = messaging.linkshortening_messaging_service(dn, service.sid).create()
    assert association.domain_sid == dn
    by_service = messaging.domain_config_messaging_service(service.sid).fetch()
    assert (by_service.config_sid, by_service.messaging_service_sid) == (config.config_sid, service.sid)
    assert messaging.linkshortening_messaging_service_domain_association(service.sid).fetch().domain_sid == dn
    assert messaging.domain_validate_dns(dn).fetch().is_valid is True


def test_make_run_prepares_the_demo(local_stack: LocalStackProcess) -> None:
    seeded = local_stack.state["seeded"]
    service = seeded["Messaging service"]
    domain_sid = seeded["Short-link domain"].split("(")[1].rstrip(")")
    curl = Curl(local_stack.api_url, local_stack.account_sid, local_stack.auth_token)

    status, domain = curl("GET", f"{LS}/Domains/{domain_sid}")
    assert status == 200 and domain["domain_name"] == "links.localhost" and domain["verified"] is True
    certificate = curl("GET", f"{LS}/Domains/{domain_sid}/Certificate")[1]
    assert certificate["cert_in_validation"] is None and certificate["date_expires"]
    config = curl("GET", f"{LS}/MessagingService/{service}/DomainConfig")[1]
    assert config["domain_sid"] == domain_sid and config["fallback_url"] == "https://www.example.com/"
    pool = curl("GET", f"/v1/Services/{service}/PhoneNumbers")[1]["phone_numbers"]
    assert [p["phone_number"] for p in pool] == ["+15005550006"]
    assert f"MessagingServiceSid={service}" in seeded["Send a message"]
    assert "Short-link domain links.localhost" in local_stack.output()
