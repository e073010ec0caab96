"""The official twilio 9.x client against the Messages API (in-process): create, fetch, cancel,
delete, errors, and paging through 120 messages with ``list(page_size=50)`` and ``stream``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.integration.conftest import ApiClient
from tests.integration.message_helpers import RECIPIENT, SENDER, register_number, run_dispatch, service_with_numbers
from tests.integration.twilio_inprocess import InProcessHttpClient, twilio_client


@pytest.fixture(name="client")
def client_fixture(api: ApiClient) -> Client:
    register_number(api)
    return twilio_client(api.sid, api.token)


def test_send_now_and_fetch(client: Client) -> None:
    message = client.messages.create(to=RECIPIENT, from_=SENDER, body="Hello from twilio-python")
    assert (message.status, message.num_segments, message.direction) == ("queued", "1", "outbound-api")
    assert message.date_sent is None and message.date_created is not None
    run_dispatch()
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.from_, fetched.to, fetched.body) == (
        "sent",
        SENDER,
        RECIPIENT,
        "Hello from twilio-python",
    )
    assert fetched.date_sent is not None


def test_errors_reach_the_client_as_twilio_exceptions(client: Client) -> None:
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to="+1415", from_=SENDER, body="x")
    assert (error.value.status, error.value.code) == (400, 21211)
    with pytest.raises(TwilioRestException) as error:
        client.messages("SM" + "0" * 32).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)


def test_schedule_then_cancel(api: ApiClient, client: Client) -> None:
    service = service_with_numbers(api, "+12125550199")
    send_at = datetime.now(UTC) + timedelta(hours=2)
    message = client.messages.create(
        to=RECIPIENT, messaging_service_sid=service, body="Later", schedule_type="fixed", send_at=send_at
    )
    assert message.status == "scheduled"
    canceled = client.messages(message.sid).update(status="canceled")
    assert canceled.status == "canceled" and canceled.date_sent is None
    with pytest.raises(TwilioRestException) as error:
        client.messages(message.sid).update(status="canceled")
    assert error.value.code == 30409
    assert client.messages(message.sid).delete() is True


def test_paging_through_120_messages(client: Client) -> None:
    sids = [client.messages.create(to=RECIPIENT, from_=SENDER, body=f"#{n}").sid for n in range(120)]
    http: InProcessHttpClient = client.http_client  # type: ignore[assignment]
    http.sent.clear()
    listed = client.messages.list(page_size=50)
    assert [m.sid for m in listed] == sids[::-1]
    list_calls = [path for method, path in http.sent if method == "GET"]
    assert len(list_calls) == 3
    assert "Page=" not in list_calls[0] and "PageToken=" in list_calls[1]
    assert [m.sid for m in client.messages.stream(page_size=50)] == sids[::-1]
    assert [m.sid for m in client.messages.list(limit=70, page_size=50)] == sids[::-1][:70]
    page = client.messages.page(page_size=50)
    assert len(list(page)) == 50
    last = page.next_page().next_page()
    assert [m.sid for m in last] == sids[::-1][100:] and last.next_page() is None


def test_filters_through_the_client(client: Client) -> None:
    first = client.messages.create(to=RECIPIENT, from_=SENDER, body="one")
    client.messages.create(to="+14155550101", from_=SENDER, body="two")
    run_dispatch()
    assert [m.sid for m in client.messages.list(to=RECIPIENT)] == [first.sid]
    today = datetime.now(UTC).date()
    assert len(client.messages.list(date_sent=today)) == 2
    assert len(client.messages.list(date_sent_after=today + timedelta(days=1))) == 0
    assert len(client.messages.list(date_sent_before=today)) == 2
