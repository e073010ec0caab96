"""Short links on the local stack, opened as recipients open them: with curl and with headless Chromium.

Link items are written straight into the stack's ``links`` table in the wire format of
``core.links.records`` (what the dispatcher writes), for domains created through the API. The
original links point at a landing server of this test, which records what reached it. Expiry is
reached by moving the stack's clock (``brandlink --local clock advance 91d``), never by editing an item.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord
from brandlink.core.links.slug_format import ALPHABET
from tests.browser import screenshot_path
from tests.e2e.landing import Landing, curl
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TIMEOUT_SECONDS = 60.0
LINK_TTL_SECONDS = 90 * 86400


@dataclass(frozen=True)
class ShortDomain:
    sid: str
    name: str
    fallback_url: str | None


@pytest.fixture(scope="module")
def short_domains(local_stack: LocalStackProcess, landing: Landing) -> dict[str, ShortDomain]:
    """Two fresh .localhost domains of the stack's account (verified at once in local mode): one with
    a fallback URL on the landing server, one without."""
    session = requests.Session()
    session.auth = (local_stack.account_sid, local_stack.auth_token)
    made = {}
    for label, fallback in (("fallback", f"{landing.url}/fallback?from=brandlink"), ("bare", None)):
        name = f"{label}-{secrets.token_hex(4)}.links.localhost"
        response = session.post(
            f"{local_stack.api_url}/v1/LinkShortening/Domains", data={"DomainName": name}, timeout=TIMEOUT_SECONDS
        )
        assert response.status_code == 201, response.text
        sid = response.json()["sid"]
        if fallback:
            configured = session.post(
                f"{local_stack.api_url}/v1/LinkShortening/Domains/{sid}/Config",
                data={"FallbackUrl": fallback},
                timeout=TIMEOUT_SECONDS,
            )
            assert configured.status_code in (200, 201), configured.text
        made[label] = ShortDomain(sid, name, fallback)
    return made


@pytest.fixture(scope="module")
def put_link(local_stack: LocalStackProcess) -> Callable[[ShortDomain, str], str]:
    """Write a link item for ``domain`` (expiring 90 days from now); returns its slug."""
    env = local_stack.environment
    client = boto3.client(
        "dynamodb",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
    )

    def put(domain: ShortDomain, link: str) -> str:
        slug = "".join(secrets.choice(ALPHABET) for _ in range(10))
        now = int(time.time())
        record = LinkRecord(
            slug=slug,
            link=link,
            message_sid="SM" + secrets.token_hex(16),
            account_sid=local_stack.account_sid,
            service_sid="MG" + secrets.token_hex(16),
            to="+14155550100",
            from_="+15005550006",
            domain_sid=domain.sid,
            domain_name=domain.name,
            created_at=now,
            expires_at=now + LINK_TTL_SECONDS,
        )
        client.put_item(TableName=env["BRANDLINK_TABLE_LINKS"], Item=records.to_item(record))
        return slug

    return put


def short_url(local_stack: LocalStackProcess, domain: ShortDomain, slug: str) -> str:
    """The short link as local mode spells it: the domain, the links gateway's port."""
    return f"http://{domain.name}:{urlsplit(local_stack.redirect_url).port}/{slug}"


def test_curl_follows_a_short_link_to_its_original_url(
    local_stack: LocalStackProcess,
    landing: Landing,
    short_domains: dict[str, ShortDomain],
    put_link: Callable[[ShortDomain, str], str],
) -> None:
    link = f"{landing.url}/orders/12345?utm_source=sms&q=a%20b#details"
    slug = put_link(short_domains["fallback"], link)
    url = short_url(local_stack, short_domains["fallback"], slug)

    assert curl("-I", url)[::2] == (302, link)  # HEAD, as link previews ask
    status, final, _ = curl("-L", url)

    assert (status, final) == (200, link)
    assert landing.paths()[-1] == "/orders/12345?utm_source=sms&q=a%20b"


def test_the_links_gateway_answers_with_the_redirects_headers(
    local_stack: LocalStackProcess, short_domains: dict[str, ShortDomain], put_link: Callable[[ShortDomain, str], str]
) -> None:
    domain = short_domains["bare"]
    slug = put_link(domain, "https://www.example.com/page")
    port = urlsplit(local_stack.redirect_url).port

    redirect = requests.get(
        f"{local_stack.redirect_url}/{slug}",
        headers={"Host": f"{domain.name.upper()}:{port}"},
        allow_redirects=False,
        timeout=TIMEOUT_SECONDS,
    )
    missing = requests.get(
        f"{local_stack.redirect_url}/Missing123", headers={"Host": domain.name}, timeout=TIMEOUT_SECONDS
    )

    assert (redirect.status_code, redirect.headers["Location"]) == (302, "https://www.example.com/page")
    assert redirect.headers["Cache-Control"] == "no-store" and redirect.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in redirect.headers  # local mode is plain http
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Link not found</title>" in missing.text


def test_chromium_lands_on_the_original_url(
    local_stack: LocalStackProcess,
    landing: Landing,
    chromium: Any,
    short_domains: dict[str, ShortDomain],
    put_link: Callable[[ShortDomain, str], str],
) -> None:
    link = f"{landing.url}/welcome?campaign=spring&n=1#top"
    slug = put_link(short_domains["fallback"], link)
    page = chromium.new_page()
    try:
        response = page.goto(short_url(local_stack, short_domains["fallback"], slug), timeout=TIMEOUT_SECONDS * 1000)
        assert response is not None and response.status == 200
        assert page.url == link
        assert page.title() == "Landing /welcome?campaign=spring&n=1"
        page.screenshot(path=str(screenshot_path("short-link-lands-on-original")))
    finally:
        page.close()
    [(_, _, headers)] = [seen for seen in landing.seen if seen[1] == "/welcome?campaign=spring&n=1"]
    assert "referer" not in headers  # Referrer-Policy: no-referrer on the redirect


def test_past_expiry_a_link_lands_on_the_fallback_and_without_one_on_the_404_page(
    local_stack: LocalStackProcess,
    landing: Landing,
    chromium: Any,
    short_domains: dict[str, ShortDomain],
    put_link: Callable[[ShortDomain, str], str],
    advanced_clock: Callable[[str], Any],
) -> None:
    with_fallback, bare = short_domains["fallback"], short_domains["bare"]
    link = f"{landing.url}/expiring-offer"
    slug, bare_slug = put_link(with_fallback, link), put_link(bare, f"{landing.url}/bare-offer")
    url, bare_url = short_url(local_stack, with_fallback, slug), short_url(local_stack, bare, bare_slug)
    assert curl(url)[::2] == (302, link)
    assert curl(bare_url)[::2] == (302, f"{landing.url}/bare-offer")

    moved = advanced_clock("91d")
    assert moved["offset_days"] == 91

    assert curl(url)[::2] == (302, with_fallback.fallback_url)
    assert curl(bare_url)[0] == 404
    page = chromium.new_page()
    try:
        response = page.goto(url, timeout=TIMEOUT_SECONDS * 1000)
        assert response is not None and response.status == 200
        assert page.url == with_fallback.fallback_url
        page.screenshot(path=str(screenshot_path("short-link-expired-fallback")))

        response = page.goto(bare_url, timeout=TIMEOUT_SECONDS * 1000)
        assert response is not None and response.status == 404
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert page.url == bare_url
        assert page.title() == "Link not found"
        assert page.text_content("h1") == "Link not found"
        page.screenshot(path=str(screenshot_path("short-link-expired-404")))
    finally:
        page.close()
    assert "/expiring-offer" not in landing.paths()
    assert landing.paths()[-1] == "/fallback?from=brandlink"


def test_a_slug_opened_on_another_short_domain_is_not_followed(
    local_stack: LocalStackProcess,
    landing: Landing,
    short_domains: dict[str, ShortDomain],
    put_link: Callable[[ShortDomain, str], str],
) -> None:
    slug = put_link(short_domains["bare"], f"{landing.url}/bare-only")

    status, _, location = curl(short_url(local_stack, short_domains["fallback"], slug))

    assert (status, location) == (302, short_domains["fallback"].fallback_url)
    assert curl(f"http://{short_domains['fallback'].name}:{urlsplit(local_stack.redirect_url).port}/")[::2] == (
        302,
        short_domains["fallback"].fallback_url,
    )
