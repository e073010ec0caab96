"""A message's Media and Feedback subresources, with the official twilio client (in-process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import RECIPIENT, SENDER, messages_path, register_number, send
from tests.integration.twilio_inprocess import twilio_client

IMAGE = "https://cdn.example.com/pictures/cat.JPG?size=large"
DOCUMENT = "https://cdn.example.com/files/report.pdf"
UNKNOWN = "https://cdn.example.com/render"


def follow(api: ApiClient, uri: str) -> Any:
    """GET a page link of a 2010-04-01 envelope (relative URI with its query)."""
    parts = urlsplit(uri)
    status, body = api.get(parts.path, query=dict(parse_qsl(parts.query)))
    assert status == 200, body
    return body


@pytest.fixture(name="client")
def client_fixture(api: ApiClient) -> Client:
    register_number(api)
    return twilio_client(api.sid, api.token)


def test_every_media_url_is_a_media_resource_the_client_lists_and_fetches(client: Client, api: ApiClient) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, media_url=[IMAGE, DOCUMENT, UNKNOWN])

    media = client.messages(message.sid).media.list()

    assert [m.content_type for m in media] == ["image/jpeg", "application/pdf", "application/octet-stream"]
    assert {m.parent_sid for m in media} == {message.sid} and {m.account_sid for m in media} == {api.sid}
    assert len({m.sid for m in media}) == 3 and all(m.sid.startswith("ME") and len(m.sid) == 34 for m in media)
    assert media[0].uri == f"/2010-04-01/Accounts/{api.sid}/Messages/{message.sid}/Media/{media[0].sid}.json"
    fetched = client.messages(message.sid).media(media[1].sid).fetch()
    assert (fetched.sid, fetched.content_type) == (media[1].sid, "application/pdf")
    assert [m.sid for m in client.messages(message.sid).media.list()] == [m.sid for m in media]  # stable SIDs


def test_media_pages_follow_the_page_links(client: Client) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, media_url=[f"{IMAGE}&n={i}" for i in range(5)])
    everything = client.messages(message.sid).media.list()

    paged = client.messages(message.sid).media.list(page_size=2)

    assert [m.sid for m in paged] == [m.sid for m in everything] and len(paged) == 5


def test_media_paging_backwards_through_previous_page_uri(api: ApiClient) -> None:
    register_number(api)
    message = send(api, To=RECIPIENT, From=SENDER, MediaUrl=[f"{IMAGE}&n={i}" for i in range(5)])
    path = f"{messages_path(api, message['sid']).removesuffix('.json')}/Media.json"
    pages = [api.get(path, query={"PageSize": "2"})[1]]
    while pages[-1]["next_page_uri"]:
        pages.append(follow(api, pages[-1]["next_page_uri"]))
    assert [len(p["media_list"]) for p in pages] == [2, 2, 1]

    back = follow(api, pages[2]["previous_page_uri"])

    assert back["media_list"] == pages[1]["media_list"] and back["page"] == 1


def test_a_message_without_media_has_an_empty_media_list(client: Client) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, body="text only")
    assert client.messages(message.sid).media.list() == []
    with pytest.raises(TwilioRestException) as error:
        client.messages(message.sid).media("ME" + "0" * 32).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)


def test_feedback_is_recorded_and_replaced(client: Client, api: ApiClient) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, body="Your code is 123456", provide_feedback=True)

    first = client.messages(message.sid).feedback.create(outcome="unconfirmed")
    second = client.messages(message.sid).feedback.create(outcome="confirmed")

    assert (first.outcome, first.message_sid, first.account_sid) == ("unconfirmed", message.sid, api.sid)
    assert second.outcome == "confirmed" and second.date_created == first.date_created
    assert second.uri == f"/2010-04-01/Accounts/{api.sid}/Messages/{message.sid}/Feedback.json"
    path = f"{messages_path(api, message.sid).removesuffix('.json')}/Feedback.json"
    status, body = api.post(path, {})
    assert (status, body["outcome"]) == (200, "confirmed")


def test_feedback_answers_201_the_first_time_and_checks_outcome(api: ApiClient) -> None:
    register_number(api)
    message = send(api, To=RECIPIENT, From=SENDER, Body="hi")
    path = f"{messages_path(api, message['sid']).removesuffix('.json')}/Feedback.json"

    status, body = api.post(path, {"Outcome": "maybe"})
    assert (status, body["code"]) == (400, 20001) and "Outcome" in body["message"]
    assert api.post(path, {"Outcome": "Confirmed"})[0] == 201
    missing = f"{messages_path(api).removesuffix('.json')}/SM{'0' * 32}/Feedback.json"
    assert api.post(missing, {"Outcome": "confirmed"})[0] == 404


def test_another_accounts_message_has_no_media_or_feedback(
    client: Client, new_account: Callable[[], ApiClient]
) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, media_url=[IMAGE])
    other = new_account()
    base = f"/2010-04-01/Accounts/{other.sid}/Messages/{message.sid}"
    assert other.get(f"{base}/Media.json")[0] == 404
    assert other.post(f"{base}/Feedback.json", {"Outcome": "confirmed"})[0] == 404
