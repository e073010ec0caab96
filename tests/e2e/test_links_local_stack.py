"""Issue 9's "Done means", in one flow on the local stack with the official twilio client.

A service with a number and a ``.localhost`` domain (certificate from ``local.localhost_cert``, a
FallbackUrl on this test's landing server) sends a message with two long links and
``ShortenUrls=true``; ``fetch()`` shows two distinct 10-character short links on the domain and the
rest of the body byte for byte. Each short link is opened as a recipient opens it: with curl (not
following: 302 and the exact Location; following: the landing page) and with headless Chromium, and
the landing server sees the exact path and query. Then the stack's clock moves past expiry
(``brandlink --local clock advance 91d``, reset when the test ends): the same links land on the
fallback URL, and a link of a second domain that has no FallbackUrl gets the 404 page.

Short links open on this machine as ``http://{domain}:{links port}/{slug}`` (docs/local.md).
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from twilio.rest import Client

from local.demo import DEMO_BODY
from local.localhost_cert import tls_cert_for
from local.twilio_client import make_client
from tests.browser import screenshot_path
from tests.e2e.conftest import give_senders
from tests.e2e.landing import Landing, curl
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DEADLINE_SECONDS = 60.0  # a ceiling for a loaded machine; every wait polls for its condition
NUMBER, BARE_NUMBER = "+14155552673", "+14155552674"
RECIPIENT = "+14155550100"


def wait_until(check: Callable[[], Any]) -> Any:
    """Polls ``check`` until it returns something true (and returns that), or fails at the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {DEADLINE_SECONDS} s")


def long_link(landing: Landing) -> str:
    """A link of 300+ characters with a deep path, percent-escapes, a long query and a fragment."""
    path = "/catalogue/spring-2030/%C3%A9t%C3%A9/" + "/".join(f"aisle-{n:02d}" for n in range(12))
    query = "q=caf%C3%A9%20au%20lait&ids=" + "%2C".join(str(4700 + n) for n in range(16)) + "&ref=sms&utm_term=a%2Bb"
    link = f"{landing.url}{path}?{query}#reviews"
    assert len(link) > 300, len(link)
    return link


def shortening_service(
    local_stack: LocalStackProcess, client: Client, account_sid: str, auth_token: str, number: str, fallback: str | None
) -> tuple[str, str]:
    """A service with ``number`` attached to a new verified ``.localhost`` domain with a certificate
    (and ``fallback`` as its FallbackUrl when given): the service's and the domain's names."""
    messaging = client.messaging.v1
    service = messaging.services.create(friendly_name=f"e2e short links {number}")
    phone = client.incoming_phone_numbers.create(phone_number=number)
    messaging.services(service.sid).phone_numbers.create(phone_number_sid=phone.sid)

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
    if fallback is not None:
        messaging.domain_config(domain).update(fallback_url=fallback)
    messaging.linkshortening_messaging_service(domain, service.sid).create()
    return service.sid, name


def send_shortened(client: Client, service_sid: str, body: str) -> Any:
    """Sends ``body`` with ``ShortenUrls=true``; the message once ``fetch()`` shows it sent."""
    created = client.messages.create(messaging_service_sid=service_sid, to=RECIPIENT, body=body, shorten_urls=True)
    assert created.body == body  # the create response shows the body as written, as Twilio's does
    sent = wait_until(lambda: (m := client.messages(created.sid).fetch()).status == "sent" and m)
    assert sent.error_code is None, (sent.error_code, sent.error_message)
    return sent


def open_in_chromium(chromium: Any, url: str, screenshot: str) -> tuple[int, str, str]:
    """Opens ``url`` in a new tab: the final response's status, the page's URL and its title."""
    page = chromium.new_page()
    try:
        response = page.goto(url, timeout=DEADLINE_SECONDS * 1000)
        assert response is not None
        page.screenshot(path=str(screenshot_path(screenshot)))
        return response.status, page.url, page.title()
    finally:
        page.close()


def path_and_query(link: str) -> str:
    """What a server sees of ``link``: its path and query (a fragment never leaves the browser)."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_a_message_with_two_long_links_is_shortened_opened_and_expires_to_the_fallback_or_404(
    local_stack: LocalStackProcess,
    fresh_account: tuple[str, str],
    landing: Landing,
    chromium: Any,
    advanced_clock: Callable[[str], Any],
) -> None:
    account_sid, auth_token = fresh_account
    client = make_client(local_stack.api_url, account_sid, auth_token)
    give_senders(local_stack, account_sid, NUMBER, BARE_NUMBER)
    fallback = f"{landing.url}/fallback?from=brandlink"
    service, name = shortening_service(local_stack, client, account_sid, auth_token, NUMBER, fallback)
    bare_service, bare_name = shortening_service(local_stack, client, account_sid, auth_token, BARE_NUMBER, None)

    # --- send: two long links become two distinct short links on the service's domain
    links = [f"{landing.url}/a?x=1#f", long_link(landing)]
    body = f"Hi Ana! Your basket: {links[0]}, and the whole spring catalogue: {links[1]}. Reply STOP to opt out."
    sent = send_shortened(client, service, body)

    port = urlsplit(local_stack.redirect_url).port
    short = re.compile(re.escape(f"http://{name}:{port}/") + "([0-9A-Za-z]{10})")
    slugs = short.findall(sent.body)
    assert len(slugs) == 2 and slugs[0] != slugs[1], sent.body
    short_links = [f"http://{name}:{port}/{slug}" for slug in slugs]
    assert sent.body == body.replace(links[0], short_links[0]).replace(links[1], short_links[1])

    # --- open each: curl without following (302, exact Location), curl following, and Chromium
    for number, (short_link, link) in enumerate(zip(short_links, links, strict=True)):
        assert curl(short_link)[::2] == (302, link)
        assert curl("-I", short_link)[::2] == (302, link)  # HEAD, as link previews ask
        assert curl("-L", short_link)[:2] == (200, link)
        assert landing.paths()[-1] == path_and_query(link)

        status, url, title = open_in_chromium(chromium, short_link, f"e2e-short-link-{number}-lands")
        assert (status, url, title) == (200, link, f"Landing {path_and_query(link)}")
        assert landing.paths()[-1] == path_and_query(link)

    # --- a link of the domain without a fallback, live before the clock moves
    bare_link = f"{landing.url}/bare-offer?code=SPRING"
    bare_sent = send_shortened(client, bare_service, f"Last chance: {bare_link}")
    [bare_slug] = re.findall(re.escape(f"http://{bare_name}:{port}/") + "([0-9A-Za-z]{10})", bare_sent.body)
    bare_short = f"http://{bare_name}:{port}/{bare_slug}"
    assert bare_sent.body == f"Last chance: {bare_short}"
    assert curl(bare_short)[::2] == (302, bare_link)

    # --- 91 days later: the fallback URL, or the 404 page when the domain has none
    assert advanced_clock("91d")["offset_days"] == 91
    for number, short_link in enumerate(short_links):
        assert curl(short_link)[::2] == (302, fallback)
        assert curl("-L", short_link)[:2] == (200, fallback)
        assert landing.paths()[-1] == "/fallback?from=brandlink"
        status, url, title = open_in_chromium(chromium, short_link, f"e2e-short-link-{number}-expired-fallback")
        assert (status, url, title) == (200, fallback, "Landing /fallback?from=brandlink")

    assert curl(bare_short)[0] == 404
    status, url, title = open_in_chromium(chromium, bare_short, "e2e-short-link-expired-404")
    assert (status, url, title) == (404, bare_short, "Link not found")
    seen_after_expiry = landing.paths()[-4:]
    assert set(seen_after_expiry) == {"/fallback?from=brandlink"}, seen_after_expiry


def test_the_banners_commands_send_a_shortened_message_and_open_its_short_link(local_stack: LocalStackProcess) -> None:
    """``make run``'s banner makes a first short link one copy-paste away (local/demo.py): its three
    lines, pasted into one shell as printed, send through the demo service, show the shortened body
    and answer 302 to the original link. The shell polls the second line until the message is sent."""
    seeded = local_stack.state["seeded"]
    see = seeded["See it shortened"]
    script = "\n".join(
        [
            seeded["Send a message"],
            "see() {",  # each banner line is pasted whole, with its trailing comment
            see,
            "}",
            f"for _ in $(seq {int(DEADLINE_SECONDS * 5)}); do",
            "  SEEN=$(see)",
            '  case "$SEEN" in sent:*) break;; esac',
            "  sleep 0.2",
            "done",
            'echo "$SEEN"',
            seeded["Open its link"],
        ]
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS * 2,
    )
    assert result.returncode == 0, result.stderr
    sid, seen, *response = result.stdout.splitlines()
    assert re.fullmatch(r"SM[0-9a-f]{32}", sid), result.stdout
    port = urlsplit(local_stack.redirect_url).port
    text, link = DEMO_BODY.split("https://")
    assert re.fullmatch(rf"sent: {re.escape(text)}http://links\.localhost:{port}/[0-9A-Za-z]{{10}}", seen), seen
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in response[1:])}
    assert response[0].startswith("HTTP/1.1 302") and headers["location"] == f"https://{link}", response
