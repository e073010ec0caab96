"""Click analytics through the real recorder, stores and API handler on moto: the hand-computed
scenario (tests/insights_scenario.py), idempotency, concurrency, the Links/Clicks lists, bad input."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests import insights_scenario as scenario
from tests.integration.conftest import ApiClient

INSIGHTS = "/v1/LinkShortening/Insights"
LINKS = "/v1/LinkShortening/Links"


@pytest.fixture
def seeded(api: ApiClient) -> scenario.Scenario:
    status, service = api.post("/v1/Services", {"FriendlyName": "Spring campaign"})
    assert status == 201
    assert api.sid is not None
    built = scenario.build(api.sid, service["sid"])
    scenario.seed(built)
    scenario.record(built.events)
    return built


def figures(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in scenario.EXPECTED_ALL}


def test_the_insights_match_the_hand_computed_scenario(api: ApiClient, seeded: scenario.Scenario) -> None:
    status, body = api.get(
        INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "GroupBy": "Tag:variant", "Interval": "hour"}
    )
    assert status == 200, body
    assert figures(body) == scenario.EXPECTED_ALL
    assert body["groups"] == scenario.EXPECTED_GROUPS
    assert body["clicks_over_time"] == scenario.EXPECTED_HOURLY
    assert body["group_by"] == "Tag:variant"


def test_by_campaign_and_by_day(api: ApiClient, seeded: scenario.Scenario) -> None:
    status, body = api.get(INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "GroupBy": "Tag:campaign"})
    assert status == 200
    assert body["groups"] == [{"key": "spring", **scenario.EXPECTED_ALL}]
    assert body["interval"] == "day"
    assert body["clicks_over_time"] == [{"start": "2026-11-02T00:00:00Z", "clicks": 4, "previews": 2}]


def test_the_date_range_selects_sends_and_taps(api: ApiClient, seeded: scenario.Scenario) -> None:
    sid = seeded.service_sid
    _, same_day = api.get(
        INSIGHTS, query={"MessagingServiceSid": sid, "StartDate": "2026-11-02", "EndDate": "2026-11-02"}
    )
    assert figures(same_day) == scenario.EXPECTED_ALL
    assert same_day["clicks_over_time"] == [{"start": "2026-11-02T00:00:00Z", "clicks": 4, "previews": 2}]
    _, later = api.get(INSIGHTS, query={"MessagingServiceSid": sid, "StartDate": "2026-11-03", "EndDate": "2026-11-04"})
    assert figures(later) == {
        "messages_with_links": 0,
        "clicked_messages": 0,
        "unique_clickers": 0,
        "click_through_rate": None,
        "clicks": 0,
        "previews": 0,
        "median_time_to_first_click_seconds": None,
    }
    assert [entry["clicks"] for entry in later["clicks_over_time"]] == [0, 0]


def test_recording_the_same_events_again_changes_nothing(api: ApiClient, seeded: scenario.Scenario) -> None:
    replayed = list(seeded.events)
    random.Random(7).shuffle(replayed)
    scenario.record(replayed)
    for event in replayed:
        scenario.record([event, event])
    scenario.seed(seeded)  # dispatch counting the same messages again
    _, body = api.get(INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "GroupBy": "Tag:variant"})
    assert figures(body) == scenario.EXPECTED_ALL
    assert body["groups"] == scenario.EXPECTED_GROUPS
    _, links = api.get(LINKS, query={"MessageSid": seeded.links["a1"].message_sid})
    assert links["links"][0]["clicks"] == 2


class OneCallAtATime:
    """The store with each DynamoDB call made alone: moto's transactions restore a whole-table copy
    when one fails, which would undo other threads' writes (real DynamoDB isolates transactions).
    Threads still interleave between a recorder's read and its transaction: the race under test."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.lock = threading.Lock()

    def known(self, events: Any) -> Any:
        with self.lock:
            return self.store.known(events)

    def write(self, plan: Any) -> None:
        with self.lock:
            self.store.write(plan)


def _recorder(store: Any) -> Any:
    from brandlink.core.clicks.recording import AggregatingRecorder

    return AggregatingRecorder(store, lambda _account: 30)


def test_concurrent_recorders_lose_no_update_and_count_nothing_twice(api: ApiClient) -> None:
    from brandlink import wiring

    status, service = api.post("/v1/Services", {"FriendlyName": "Race"})
    assert status == 201 and api.sid is not None
    built = scenario.build(api.sid, service["sid"])
    scenario.seed(built)
    store = OneCallAtATime(wiring.click_stats())
    # Four recorders at once: each records every event (the duplicates race) in its own order, plus
    # distinct extra taps on the same message (its counters and first click race).
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            recorder = _recorder(store)
            events = list(built.events) + scenario.with_ids(built.events[:2], f"-extra{n}")
            random.Random(n).shuffle(events)
            for start in range(0, len(events), 3):
                recorder.record(events[start : start + 3])
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    _, body = api.get(INSIGHTS, query={"MessagingServiceSid": built.service_sid})
    # 4 recorders x 2 extra clicks of a1 on top of the scenario; the scenario's events counted once.
    assert body["clicks"] == scenario.EXPECTED_ALL["clicks"] + 8
    assert body["previews"] == 2
    assert body["clicked_messages"] == 3
    assert body["median_time_to_first_click_seconds"] == 120.0
    _, links = api.get(LINKS, query={"MessageSid": built.links["a1"].message_sid})
    assert links["links"][0]["clicks"] == 2 + 8


def test_a_recorder_that_loses_the_race_reads_again(api: ApiClient) -> None:
    """Recorder 1 reads, recorder 2 records the same message's first click and the same event, then
    recorder 1's transaction fails its conditions: it re-reads and writes only what is new."""
    from brandlink import wiring

    status, service = api.post("/v1/Services", {"FriendlyName": "Race"})
    assert status == 201 and api.sid is not None
    built = scenario.build(api.sid, service["sid"])
    scenario.seed(built)
    real = wiring.click_stats()
    e1, e2 = built.events[0], built.events[1]  # a1 at t+60 and t+600
    writes: list[int] = []

    class SlowFirstRead:
        def known(self, events: Any) -> Any:
            known = real.known(events)
            if not writes:  # the other recorder slips in between this read and its write
                writes.append(0)
                _recorder(real).record([e1])
            return known

        def write(self, plan: Any) -> None:
            writes.append(plan.size)
            real.write(plan)

    _recorder(SlowFirstRead()).record([e1, e2])
    _, body = api.get(INSIGHTS, query={"MessagingServiceSid": built.service_sid})
    assert (body["clicks"], body["clicked_messages"], body["median_time_to_first_click_seconds"]) == (2, 1, 60.0)
    assert len(writes) == 3  # the marker, the failed transaction, the retry


def test_links_of_a_message_carry_their_counts(api: ApiClient, seeded: scenario.Scenario) -> None:
    a1 = seeded.links["a1"]
    status, body = api.get(LINKS, query={"MessageSid": a1.message_sid})
    assert status == 200
    assert body["meta"]["key"] == "links"
    (link,) = body["links"]
    assert link == {
        "slug": a1.slug,
        "short_url": f"https://{scenario.DOMAIN}/{a1.slug}",
        "link": a1.link,
        "account_sid": seeded.account_sid,
        "messaging_service_sid": seeded.service_sid,
        "message_sid": a1.message_sid,
        "to": scenario.SAME_PERSON,
        "domain_sid": a1.domain_sid,
        "tags": {"campaign": "spring", "variant": "A"},
        "date_created": "2026-11-02T09:00:00Z",
        "date_expires": "2027-01-31T09:00:00Z",
        "clicks": 2,
        "previews": 0,
        "first_click_time": "2026-11-02T09:01:00.000Z",
        "url": f"http://api.test/v1/LinkShortening/Links/{a1.slug}/Clicks",
    }
    _, only_previews = api.get(LINKS, query={"MessageSid": seeded.links["a3"].message_sid})
    assert only_previews["links"][0]["clicks"] == 0
    assert only_previews["links"][0]["previews"] == 1
    assert only_previews["links"][0]["first_click_time"] is None


def test_links_of_a_service_page_by_send_time(api: ApiClient, seeded: scenario.Scenario) -> None:
    query = {"MessagingServiceSid": seeded.service_sid, "PageSize": "2"}
    status, first = api.get(LINKS, query=query)
    assert status == 200
    slugs = [link["slug"] for link in first["links"]]
    next_url = first["meta"]["next_page_url"]
    while next_url:
        _, page = api.get(LINKS, query=dict(parse_qsl(urlsplit(next_url).query)))
        slugs += [link["slug"] for link in page["links"]]
        next_url = page["meta"]["next_page_url"]
    assert sorted(slugs) == sorted(record.slug for record in seeded.links.values())
    token_of_other_dates = dict(parse_qsl(urlsplit(first["meta"]["next_page_url"]).query))
    token_of_other_dates.update(StartDate="2026-11-03", EndDate="2026-11-30")
    status, body = api.get(LINKS, query=token_of_other_dates)
    assert (status, body["code"]) == (400, 20001)  # DynamoDB would refuse a start key outside the range
    _, outside = api.get(
        LINKS, query={"MessagingServiceSid": seeded.service_sid, "StartDate": "2026-11-03", "EndDate": "2026-11-30"}
    )
    assert outside["links"] == []


def test_the_clicks_of_a_link(api: ApiClient, seeded: scenario.Scenario) -> None:
    a2 = seeded.links["a2"]
    status, body = api.get(f"{LINKS}/{a2.slug}/Clicks")
    assert status == 200
    events = sorted(body["clicks"], key=lambda event: event["clicked_at"])
    assert [(e["event_id"], e["event_type"]) for e in events] == [("e3", "preview"), ("e4", "click")]
    assert events[1]["click_time"] == "2026-11-02T09:02:00.000Z"
    assert events[1]["sms_sid"] == a2.message_sid
    assert events[1]["to"] == a2.to


def test_another_accounts_resources_are_404(
    new_account: Callable[[], ApiClient], api: ApiClient, seeded: scenario.Scenario
) -> None:
    other = new_account()
    a1 = seeded.links["a1"]
    for path, query in (
        (INSIGHTS, {"MessagingServiceSid": seeded.service_sid}),
        (LINKS, {"MessageSid": a1.message_sid}),
        (LINKS, {"MessagingServiceSid": seeded.service_sid}),
        (f"{LINKS}/{a1.slug}/Clicks", {}),
        ("/insights", {"MessagingServiceSid": seeded.service_sid}),
    ):
        status, body = other.get(path, query=query)
        assert (status, body["code"]) == (404, 20404), path


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, "MessagingServiceSid"),
        ({"MessagingServiceSid": "MGnope"}, "MessagingServiceSid"),
        ({"Interval": "week"}, "Interval"),
        ({"Interval": "HOUR"}, "Interval"),
        ({"GroupBy": "Tag:a\nb"}, "GroupBy"),
        ({"StartDate": "2026-W44-1"}, "StartDate"),
        ({"GroupBy": "campaign"}, "GroupBy"),
        ({"StartDate": "2026-13-01"}, "StartDate"),
        ({"StartDate": "2026-11-05", "EndDate": "2026-11-04"}, "EndDate"),
        ({"StartDate": "2025-01-01", "EndDate": "2026-01-01", "Interval": "hour"}, "EndDate"),
    ],
)
def test_bad_parameters_are_400_with_a_sentence(
    api: ApiClient, seeded: scenario.Scenario, query: dict[str, str], names: str
) -> None:
    full = {"MessagingServiceSid": seeded.service_sid, **query} if query else {}
    status, body = api.get(INSIGHTS, query=full)
    assert (status, body["code"]) == (400, 20001)
    assert names in body["message"]


def test_an_unknown_service_is_404_and_links_need_a_filter(api: ApiClient) -> None:
    status, body = api.get(INSIGHTS, query={"MessagingServiceSid": "MG" + "0" * 32})
    assert (status, body["code"]) == (404, 20404)
    status, body = api.get(LINKS)
    assert (status, body["code"]) == (400, 20001)
    status, body = api.get(f"{LINKS}/NoSuchSlug/Clicks")
    assert (status, body["code"]) == (404, 20404)


def test_the_answers_conform_to_the_openapi_document(api: ApiClient, seeded: scenario.Scenario) -> None:
    from tests.integration.test_openapi_conformance import ConformingClient, ok

    client = ConformingClient(api.sid, api.token)
    client.checked = []
    a1 = seeded.links["a1"]
    ok(client.get(LINKS, query={"MessageSid": a1.message_sid}), 200)
    ok(client.get(LINKS, query={"MessagingServiceSid": seeded.service_sid, "PageSize": "2"}), 200)
    ok(client.get(f"{LINKS}/{a1.slug}/Clicks"), 200)
    ok(client.get(INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "GroupBy": "Tag:variant"}), 200)
    ok(client.get(INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "StartDate": "2030-01-01"}), 200)
    ok(client.get(INSIGHTS, query={"MessagingServiceSid": seeded.service_sid, "Interval": "week"}), 400)
    ok(client.get(f"{LINKS}/{'x' * 10}/Clicks"), 404)
    assert len(client.checked) == 7
