"""The redirect's raw reads name the attributes the stores write: the link item's names are
core.links.records', the domain item's are the pynamodb model's (checked here, since an adapter may
not import a store)."""

from __future__ import annotations

from typing import Any

from brandlink import resources
from brandlink.adapters.links import redirect_reads
from brandlink.core.links import records
from brandlink.store.domains import ConfigAttribute, DomainItem


def test_the_domain_names_read_raw_are_the_store_models() -> None:
    assert DomainItem.domain_name.attr_name == redirect_reads.DOMAIN_NAME
    assert DomainItem.config.attr_name == redirect_reads.DOMAIN_CONFIG
    assert DomainItem.date_verified.attr_name == redirect_reads.DOMAIN_DATE_VERIFIED
    assert ConfigAttribute.fallback_url.attr_name == redirect_reads.CONFIG_FALLBACK_URL
    [index] = [i for i in resources.table("domains").indexes if i.name == redirect_reads.BY_NAME_INDEX]
    assert (index.hash_key, index.range_key) == (redirect_reads.DOMAIN_NAME, None)


class RecordingClient:
    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return self.answers.pop(0)

    query = get_item


def test_the_link_read_projects_exactly_what_a_tap_needs() -> None:
    item = {"link": {"S": "https://x.com/"}, "domain_name": {"S": "go.acme.com"}, "expires_at": {"N": "99"}}
    client = RecordingClient([{"Item": item}, {}])
    reader = redirect_reads.LinkTargetReader(client, "links-table")

    target = reader.target("AbCdEf1234")

    assert target is not None
    assert (target.link, target.domain_name, target.expires_at) == ("https://x.com/", "go.acme.com", 99)
    [request] = client.requests
    assert request["TableName"] == "links-table"
    assert request["Key"] == {records.SLUG: {"S": "AbCdEf1234"}}
    names = request["ExpressionAttributeNames"]
    projected = [names[token.strip()] for token in request["ProjectionExpression"].split(",")]
    assert projected == list(records.REDIRECT_ATTRIBUTES)
    assert "ConsistentRead" not in request
    assert reader.target("Missing000") is None


def test_only_a_verified_items_fallback_counts_across_pages() -> None:
    unverified = {"config": {"M": {"fallback_url": {"S": "https://squatter.example/"}}}}
    verified_without = {"date_verified": {"S": "2026-01-01T00:00:00.000000+0000"}, "config": {"M": {}}}
    verified = {
        "date_verified": {"S": "2026-01-01T00:00:00.000000+0000"},
        "config": {"M": {"fallback_url": {"S": "https://acme.com/"}}},
    }
    client = RecordingClient(
        [{"Items": [unverified, verified_without], "LastEvaluatedKey": {"k": 1}}, {"Items": [verified]}]
    )
    reader = redirect_reads.DomainFallbackReader(client, "domains-table")

    assert reader.fallback_url("go.acme.com") == "https://acme.com/"
    first, second = client.requests
    assert first["IndexName"] == "by_name" and first["ExpressionAttributeValues"] == {":name": {"S": "go.acme.com"}}
    assert "ExclusiveStartKey" not in first and second["ExclusiveStartKey"] == {"k": 1}


def test_no_fallback_when_no_item_or_none_verified() -> None:
    unverified = {"config": {"M": {"fallback_url": {"S": "https://squatter.example/"}}}}
    reader = redirect_reads.DomainFallbackReader(RecordingClient([{"Items": [unverified]}, {"Items": []}]), "t")

    assert reader.fallback_url("go.acme.com") is None
    assert reader.fallback_url("go.acme.com") is None
