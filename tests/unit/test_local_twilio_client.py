"""The official twilio helper library, pointed at a Brandlink URL by local/twilio_client.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.gateway import Gateway
from local.twilio_client import BrandlinkHttpClient, make_client, rewrite_url

SID = "AC" + "1" * 32


@pytest.mark.parametrize(
    ("url", "api_url", "expected"),
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1.json",
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/2010-04-01/Accounts/AC1.json",
        ),
        (
            "https://messaging.twilio.com/v1/Services?PageSize=2&Page=1",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/v1/Services?PageSize=2&Page=1",
        ),
        (
            "https://api.twilio.com/2010-04-01/Accounts.json",
            "https://abc.execute-api.example/prod",
            "https://abc.execute-api.example/prod/2010-04-01/Accounts.json",
        ),
        # An absolute next_page_url that Brandlink itself returned is followed as is.
        (
            "https://abc.execute-api.example/prod/v1/Services?PageToken=PA1",
            "https://abc.execute-api.example/prod",
            "https://abc.execute-api.example/prod/v1/Services?PageToken=PA1",
        ),
    ],
)
def test_rewrite_url(url: str, api_url: str, expected: str) -> None:
    assert rewrite_url(url, api_url) == expected


@dataclass
class AccountEcho:
    """Answers like the accounts route, and remembers what arrived."""

    name: str = "api"
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        account = {
            "sid": SID,
            "friendly_name": "Echo",
            "status": "active",
            "auth_token": "*" * 32,
            "type": "Full",
            "owner_account_sid": SID,
            "date_created": None,
            "date_updated": None,
            "subresource_uris": {},
            "uri": f"/2010-04-01/Accounts/{SID}.json",
        }
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(account)}


@pytest.fixture
def brandlink() -> Iterator[tuple[str, AccountEcho]]:
    function = AccountEcho()
    gateway = Gateway("api", "127.0.0.1", 0, function, "BRANDLINK_API_PORT")
    gateway.start()
    yield gateway.url, function
    gateway.stop()


def test_the_helper_library_talks_to_brandlink_with_basic_auth(brandlink: tuple[str, AccountEcho]) -> None:
    api_url, function = brandlink

    account = make_client(api_url, SID, "secret-token").api.accounts(SID).fetch()

    assert account.sid == SID and account.friendly_name == "Echo"
    (event,) = function.events
    assert event["rawPath"] == f"/2010-04-01/Accounts/{SID}.json"
    expected = "Basic " + base64.b64encode(f"{SID}:secret-token".encode()).decode()
    assert event["headers"]["authorization"] == expected


def test_the_http_client_keeps_its_target(brandlink: tuple[str, AccountEcho]) -> None:
    api_url, function = brandlink
    client = BrandlinkHttpClient(api_url, timeout=5)

    response = client.request("GET", "https://messaging.twilio.com/v1/Services", params={"PageSize": 5})

    assert response.status_code == 200
    assert function.events[0]["rawPath"] == "/v1/Services"
    assert function.events[0]["rawQueryString"] == "PageSize=5"
