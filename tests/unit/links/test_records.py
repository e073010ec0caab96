"""The link item's wire format: what the dispatcher writes is what the redirect and the clicks worker read."""

from __future__ import annotations

from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord, from_item, redirect_target, to_item

RECORD = LinkRecord(
    slug="AbCdEf1234",
    link="https://example.com/a?b=c#d",
    message_sid="SM" + "a" * 32,
    account_sid="AC" + "b" * 32,
    service_sid="MG" + "c" * 32,
    to="+14155550100",
    from_="+14155552671",
    domain_sid="DN" + "d" * 32,
    domain_name="links.example.com",
    created_at=1_700_000_000,
    expires_at=1_707_776_000,
    position=1,
    tags={"campaign": "spring", "variant": "B"},
)


def test_an_item_round_trips() -> None:
    assert from_item(to_item(RECORD)) == RECORD


def test_an_item_without_tags_round_trips_and_stores_no_tags_attribute() -> None:
    plain = RECORD._replace(tags={})
    assert records.TAGS not in to_item(plain)
    assert from_item(to_item(plain)) == plain


def test_the_redirect_reads_its_projection() -> None:
    item = to_item(RECORD)
    projected = {name: item[name] for name in records.REDIRECT_ATTRIBUTES}
    target = redirect_target(projected)
    assert (target.link, target.domain_name, target.expires_at) == (RECORD.link, RECORD.domain_name, RECORD.expires_at)


def test_liveness_is_decided_by_expires_at_not_by_ttl_deletion() -> None:
    assert RECORD.is_live(RECORD.expires_at - 1)
    assert not RECORD.is_live(RECORD.expires_at)
    assert not redirect_target(to_item(RECORD)).is_live(RECORD.expires_at + 86400)
