"""``messages_with_links`` is counted by dispatch, exactly once per message sent with short links:
not for a message without links, not again for a retry or a duplicate trigger; then a click on one
of the links shows in the Links list and the insights (moto, the real API and dispatch handlers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from brandlink import wiring
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.messaging.dispatch import DispatchRequest
from testkit.messaging_fakes import RecordingProvider, transient
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import resolver_fixture as resolver_fixture
from tests.integration.message_helpers import RECIPIENT, dispatch_payload, run_dispatch, send
from tests.integration.test_links_dispatch import BODY, sent_with_shortening
from tests.integration.test_links_dispatch import service_fixture as service_fixture
from tests.integration.test_links_dispatch import shortening_fixture as shortening_fixture

INSIGHTS = "/v1/LinkShortening/Insights"


def test_each_message_sent_with_links_is_counted_once(
    api: ApiClient, service: str, shortening: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shortening()
    provider = RecordingProvider([transient()])  # the first send fails and is retried
    real = wiring.dispatcher
    monkeypatch.setattr(wiring, "dispatcher", lambda: replace(real(), provider=provider))
    retried = sent_with_shortening(api, service, Tags='{"variant": "A"}')
    run_dispatch()
    dispatch_payload(DispatchRequest(api.sid, retried["sid"], 1).to_json())  # the retry
    dispatch_payload(DispatchRequest(api.sid, retried["sid"], 0).to_json())  # a duplicate first trigger
    plain = sent_with_shortening(api, service, To="+14155550101", Tags='{"variant": "B"}')
    no_links = send(api, To="+14155550102", MessagingServiceSid=service, Body="No link here", ShortenUrls="true")
    not_shortened = send(api, To="+14155550103", MessagingServiceSid=service, Body=BODY)
    assert run_dispatch() == 3
    assert [len(provider.sent)] == [5]  # retried twice, the three others once
    assert {plain["sid"], no_links["sid"], not_shortened["sid"]} <= {sent.message_sid for sent in provider.sent}

    status, body = api.get(INSIGHTS, query={"MessagingServiceSid": service, "GroupBy": "Tag:variant"})
    assert status == 200, body
    assert body["messages_with_links"] == 2
    assert [(group["key"], group["messages_with_links"]) for group in body["groups"]] == [("A", 1), ("B", 1)]
    assert body["click_through_rate"] == 0.0

    # A tap on the retried message's first link, as the clicks worker hands it to the recorder.
    (link, _second) = wiring.links().for_message(retried["sid"])
    wiring.click_recorder().record([_click(link, "tap-1", link.created_at + 42)])
    status, body = api.get(INSIGHTS, query={"MessagingServiceSid": service, "GroupBy": "Tag:variant"})
    assert (body["clicked_messages"], body["click_through_rate"]) == (1, 0.5)
    assert body["median_time_to_first_click_seconds"] == 42.0
    assert [(group["key"], group["click_through_rate"]) for group in body["groups"]] == [("A", 1.0), ("B", 0.0)]
    today = datetime.now(UTC).date().isoformat()
    status, links = api.get(
        "/v1/LinkShortening/Links", query={"MessagingServiceSid": service, "StartDate": today, "EndDate": today}
    )
    assert status == 200
    counts = {entry["slug"]: (entry["clicks"], entry["to"]) for entry in links["links"]}
    assert len(counts) == 4
    assert counts[link.slug] == (1, RECIPIENT)


def _click(link: Any, event_id: str, at: int) -> ClickEvent:
    return ClickEvent(
        event_id=event_id,
        event_type="click",
        slug=link.slug,
        short_url=f"https://{link.domain_name}/{link.slug}",
        link=link.link,
        message_sid=link.message_sid,
        account_sid=link.account_sid,
        service_sid=link.service_sid,
        to=link.to,
        from_=link.from_,
        domain_sid=link.domain_sid,
        domain_name=link.domain_name,
        clicked_at_ms=at * 1000,
        link_created_at=link.created_at,
        user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/120",
        tags=dict(link.tags),
    )
