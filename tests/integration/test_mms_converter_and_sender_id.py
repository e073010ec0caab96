"""MMS Converter and the Sender ID Pre-registration Alert through dispatch on moto."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from brandlink.core.links.records import from_item
from tests.integration.conftest import ApiClient, own
from tests.integration.domain_helpers import resolver_fixture as resolver_fixture
from tests.integration.message_helpers import run_dispatch, send, service_with_numbers
from tests.integration.test_links_dispatch import (
    DOMAIN,
    link_items,
    short_links,
)
from tests.integration.test_links_dispatch import (
    service_fixture as service_fixture,
)
from tests.integration.test_links_dispatch import (
    shortening_fixture as shortening_fixture,
)

UK_HANDSET = "+447400123456"
US_HANDSET = "+14155550100"
PICTURE, CLIP = "https://cdn.example.com/p/1.jpg", "https://cdn.example.com/v/2.mp4"


@pytest.fixture(autouse=True)
def every_country(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests send abroad (GB, DE, IN): the deployment allows every destination country here, as an
    operator would with ``defaultSendCountries=*`` (the geographic permissions: test_abuse_limits.py)."""
    from brandlink.config import settings

    monkeypatch.setenv("BRANDLINK_DEFAULT_SEND_COUNTRIES", "*")
    settings.cache_clear()
    yield
    monkeypatch.delenv("BRANDLINK_DEFAULT_SEND_COUNTRIES")
    settings.cache_clear()


def delivered(api: ApiClient, sid: str) -> dict[str, Any]:
    status, body = api.get("/v1/Outbox", query={"MessageSid": sid})
    assert status == 200, body
    [entry] = body["messages"]
    return dict(entry)


def test_media_to_a_destination_without_mms_becomes_short_links_in_an_sms(
    api: ApiClient, service: str, shortening: Callable[..., str]
) -> None:
    shortening()
    created = send(api, To=UK_HANDSET, MessagingServiceSid=service, Body="Your photos", MediaUrl=[PICTURE, CLIP])
    assert run_dispatch() == 1
    entry = delivered(api, created["sid"])
    assert entry["media_urls"] == []
    lines = entry["body"].split("\n")
    assert lines[0] == "Your photos"
    assert [len(short_links(line)) for line in lines[1:]] == [1, 1]
    records = {r.slug: r for r in map(from_item, link_items())}
    slugs = short_links(entry["body"])
    assert [records[s].link for s in slugs] == [PICTURE, CLIP]
    for slug in slugs:
        assert records[slug].expires_at - records[slug].created_at == 365 * 86_400
    _status, message = api.get(f"/2010-04-01/Accounts/{api.sid}/Messages/{created['sid']}.json")
    assert message["num_segments"] == str(entry["num_segments"])  # counted on the converted body
    assert message["num_media"] == "0"


def test_media_to_a_us_number_goes_as_mms(api: ApiClient, service: str, shortening: Callable[..., str]) -> None:
    shortening()
    created = send(api, To=US_HANDSET, MessagingServiceSid=service, Body="Your photo", MediaUrl=PICTURE)
    run_dispatch()
    entry = delivered(api, created["sid"])
    assert (entry["body"], entry["media_urls"]) == ("Your photo", [PICTURE])


def test_without_the_converter_media_stays_media(api: ApiClient) -> None:
    service = service_with_numbers(api, "+14155552671", MmsConverter="false")
    created = send(api, To=UK_HANDSET, MessagingServiceSid=service, Body="x", MediaUrl=PICTURE)
    run_dispatch()
    assert delivered(api, created["sid"])["media_urls"] == [PICTURE]


def test_a_service_that_cannot_shorten_appends_the_media_urls_as_written(api: ApiClient) -> None:
    service = service_with_numbers(api, "+14155552671")
    created = send(api, To=UK_HANDSET, MessagingServiceSid=service, Body="Look", MediaUrl=PICTURE)
    run_dispatch()
    entry = delivered(api, created["sid"])
    assert (entry["body"], entry["media_urls"]) == (f"Look\n{PICTURE}", [])
    assert not re.search(re.escape(DOMAIN), entry["body"])


@pytest.mark.parametrize(
    ("to", "registered", "warned"),
    [
        ("+919876543210", "", True),  # India requires registration
        ("+919876543210", "ACME:IN", False),
        ("+919876543210", "ACME:*", False),
        ("+447400123456", "", True),  # recommended in the UK
        ("+4915123456789", "", False),  # Germany: nothing to register
    ],
)
def test_an_unregistered_alpha_sender_is_warned_about_and_still_sent(
    api: ApiClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    to: str,
    registered: str,
    warned: bool,
) -> None:
    from brandlink.config import settings

    monkeypatch.setenv("BRANDLINK_REGISTERED_SENDER_IDS", registered)
    monkeypatch.setenv("BRANDLINK_ALPHA_SENDER_COUNTRIES", "IN,GB,DE")
    settings.cache_clear()
    own(api, "alpha:ACME")
    status, service = api.post("/v1/Services", {"FriendlyName": "alpha"})
    status, body = api.post(f"/v1/Services/{service['sid']}/AlphaSenders", {"AlphaSender": "ACME"})
    assert status == 201, body
    created = send(api, To=to, MessagingServiceSid=service["sid"], Body="Your code is 1234")
    capsys.readouterr()
    with caplog.at_level(logging.WARNING):
        assert run_dispatch() == 1
    _s, message = api.get(f"/2010-04-01/Accounts/{api.sid}/Messages/{created['sid']}.json")
    assert message["status"] == "sent", (message["error_code"], message["error_message"])
    assert delivered(api, created["sid"])["from"] == "ACME"
    output = capsys.readouterr().out
    assert ('"SenderIdNotRegistered"' in output) is warned, output
    assert ("is not registered for" in output + caplog.text) is warned
