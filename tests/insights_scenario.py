"""The hand-computed insights scenario (docs/insights.md, "Worked example"), shared by the API and browser tests.

One service, one campaign (``campaign=spring``), two variants via ``Tags``: A sent to three
recipients, B to two, all at ``SENT_AT`` (2026-11-02 09:00:00 UTC). Recipient ``+14155550101`` got
one message of each variant.

Taps (``t`` = seconds after the send):

=====  =======  ========  =======================================================
event  message  type      at
=====  =======  ========  =======================================================
e1     a1       click     t+60    first click of a1
e2     a1       click     t+600   repeat tap: a click, not a new clicked message
e3     a2       preview   t+30    a link preview: never a clicked message
e4     a2       click     t+120   first click of a2
e5     b1       click     t+3700  first click of b1 (10:01:40, the next hour)
e6     a3       preview   t+10    only a preview: a3 stays unclicked
=====  =======  ========  =======================================================

By hand:

* all: messages_with_links 5; clicked a1, a2, b1 = 3; recipients of those: +…101 (a1, b1) and
  +…102 (a2) = 2 unique clickers; CTR 3/5 = 0.6; clicks 4 (e1, e2, e4, e5); previews 2 (e3, e6);
  median of first-click delays {60, 120, 3700} = 120 s.
* variant A: sent 3, clicked 2 (a1, a2), unique 2, CTR 0.666667, clicks 3, previews 2, median of
  {60, 120} = 90 s. Variant B: sent 2, clicked 1, unique 1, CTR 0.5, clicks 1, previews 0, median 3700 s.
* clicks over time by the hour: 09:00 → 3 clicks, 2 previews; 10:00 → 1 click, 0 previews.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from brandlink.core.clicks.model import ClickEvent
from brandlink.core.links.records import LinkRecord

SENT_AT = int(datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp())
DOMAIN = "go.example.com"
SAME_PERSON = "+14155550101"


@dataclass(frozen=True)
class Scenario:
    account_sid: str
    service_sid: str
    links: dict[str, LinkRecord]
    events: list[ClickEvent]


def _sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


def build(account_sid: str, service_sid: str) -> Scenario:
    recipients = {
        "a1": SAME_PERSON,
        "a2": "+14155550102",
        "a3": "+14155550103",
        "b1": SAME_PERSON,
        "b2": "+14155550105",
    }
    links: dict[str, LinkRecord] = {}
    for n, (name, to) in enumerate(recipients.items(), start=1):
        variant = name[0].upper()
        links[name] = LinkRecord(
            slug=f"Scen{name}xxxx"[:10],
            link=f"https://shop.example.com/spring?v={variant}",
            message_sid=_sid("SM", n),
            account_sid=account_sid,
            service_sid=service_sid,
            to=to,
            from_="+14155552000",
            domain_sid=_sid("DN", 1),
            domain_name=DOMAIN,
            created_at=SENT_AT,
            expires_at=SENT_AT + 90 * 86_400,
            tags={"campaign": "spring", "variant": variant},
        )

    def tap(event_id: str, name: str, kind: str, after: int) -> ClickEvent:
        record = links[name]
        return ClickEvent(
            event_id=event_id,
            event_type="preview" if kind == "preview" else "click",
            slug=record.slug,
            short_url=f"https://{DOMAIN}/{record.slug}",
            link=record.link,
            message_sid=record.message_sid,
            account_sid=account_sid,
            service_sid=service_sid,
            to=record.to,
            from_=record.from_,
            domain_sid=record.domain_sid,
            domain_name=DOMAIN,
            clicked_at_ms=(SENT_AT + after) * 1000,
            link_created_at=SENT_AT,
            user_agent="WhatsApp/2.23" if kind == "preview" else "Mozilla/5.0 (Linux; Android 14) Chrome/120",
            tags=dict(record.tags),
        )

    events = [
        tap("e1", "a1", "click", 60),
        tap("e2", "a1", "click", 600),
        tap("e3", "a2", "preview", 30),
        tap("e4", "a2", "click", 120),
        tap("e5", "b1", "click", 3700),
        tap("e6", "a3", "preview", 10),
    ]
    return Scenario(account_sid, service_sid, links, events)


def with_ids(events: list[ClickEvent], suffix: str) -> list[ClickEvent]:
    return [replace(event, event_id=event.event_id + suffix) for event in events]


EXPECTED_ALL = {
    "messages_with_links": 5,
    "clicked_messages": 3,
    "unique_clickers": 2,
    "click_through_rate": 0.6,
    "clicks": 4,
    "previews": 2,
    "median_time_to_first_click_seconds": 120.0,
}
EXPECTED_GROUPS = [
    {
        "key": "A",
        "messages_with_links": 3,
        "clicked_messages": 2,
        "unique_clickers": 2,
        "click_through_rate": 0.666667,
        "clicks": 3,
        "previews": 2,
        "median_time_to_first_click_seconds": 90.0,
    },
    {
        "key": "B",
        "messages_with_links": 2,
        "clicked_messages": 1,
        "unique_clickers": 1,
        "click_through_rate": 0.5,
        "clicks": 1,
        "previews": 0,
        "median_time_to_first_click_seconds": 3700.0,
    },
]
EXPECTED_HOURLY = [
    {"start": "2026-11-02T09:00:00Z", "clicks": 3, "previews": 2},
    {"start": "2026-11-02T10:00:00Z", "clicks": 1, "previews": 0},
]


def seed(scenario: Scenario) -> None:
    """The scenario's sends, as dispatch leaves them: link items and the ``messages_with_links`` counts."""
    from brandlink import wiring
    from brandlink.core.clicks import recording

    wiring.links().put_many(list(scenario.links.values()))
    for record in scenario.links.values():
        recording.count_sent(wiring.send_counter(), [record], SENT_AT + 30 * 86_400)


def record(events: list[ClickEvent]) -> None:
    from brandlink import wiring

    wiring.click_recorder().record(events)
