"""Link shortening end to end on the local stack with the official twilio client: a message with two long
links and ``ShortenUrls=true`` goes out with two short links that open on this machine
(``http://{domain}:{links port}/{slug}``, docs/local.md); the rest of the body is unchanged."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from local.localhost_cert import tls_cert_for
from local.twilio_client import make_client
from tests.e2e.conftest import give_senders
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DEADLINE_SECONDS = 60.0  # a ceiling for a loaded machine; every wait polls for its condition
FIRST = "https://shop.example.com/orders/4711?utm_source=sms&utm_medium=text&utm_campaign=spring-sale-2030"
SECOND = "https://track.example.net/parcels/ZX81-4711-9000/status?lang=en#latest"
BODY = f"Your order shipped: {FIRST}. Track it at {SECOND} (reply STOP to opt out)."


def wait_until(check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {DEADLINE_SECONDS} s")


def test_a_message_with_two_links_is_sent_with_two_local_short_links(
    local_stack: LocalStackProcess, fresh_account: tuple[str, str]
) -> None:
    account_sid, auth_token = fresh_account
    client = make_client(local_stack.api_url, account_sid, auth_token)
    messaging = client.messaging.v1
    service = messaging.services.create(friendly_name="e2e short links")
    give_senders(local_stack, account_sid, "+14155552673")
    number = client.incoming_phone_numbers.create(phone_number="+14155552673")
    messaging.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)

    name = f"links-{secrets.token_hex(4)}.localhost"  # .localhost: verified at once in local mode
    registered = requests.post(
        f"{local_stack.api_url}/v1/LinkShortening/Domains",
        data={"DomainName": name},
        auth=(account_sid, auth_token),
        timeout=DEADLINE_SECONDS,
    )
    assert registered.status_code == 201, registered.text
    domain = registered.json()["sid"]
    messaging.domain_certs(domain).update(tls_cert=tls_cert_for(name))
    wait_until(lambda: messaging.domain_certs(domain).fetch().cert_in_validation is None)
    messaging.domain_config(domain).update(fallback_url="https://www.example.com/")
    messaging.linkshortening_messaging_service(domain, service.sid).create()

    created = client.messages.create(messaging_service_sid=service.sid, to="+14155550100", body=BODY, shorten_urls=True)
    assert created.body == BODY  # the create response shows the body as written
    sent = wait_until(lambda: (m := client.messages(created.sid).fetch()).status == "sent" and m)

    port = urlsplit(local_stack.redirect_url).port
    short = re.escape(f"http://{name}:{port}/") + "([0-9A-Za-z]{10})"
    slugs = re.findall(short, sent.body)
    assert len(slugs) == 2 and slugs[0] != slugs[1], sent.body
    assert (
        re.sub(short, "<link>", sent.body) == "Your order shipped: <link>. Track it at <link> (reply STOP to opt out)."
    )
    assert sent.error_code is None and sent.num_segments == "1"
