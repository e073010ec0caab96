"""The redirect's two reads, as raw DynamoDB calls on one low-level boto3 client (no pynamodb).

A tap makes one ``GetItem`` of the link, projected to ``records.REDIRECT_ATTRIBUTES``; a tap that
cannot follow its link makes one ``Query`` of the ``domains`` table's ``by_name`` index for the
domain's fallback URL (cached per container by ``core.links.redirect.FallbackCache``). pynamodb is
kept off this path: importing it and building its models costs more than the redirect's whole
cold-start budget (bench/RESULTS.md), and these two reads need none of it.

The link item's attribute names are ``core.links.records``'s, as every writer and reader of that table
uses them. The domain item is written by ``store.domains`` (pynamodb); the names read here are its
model's attribute names, spelled out below because the store cannot be imported from an adapter;
tests/unit/links/test_redirect_reads.py checks them against the model.

Reads are eventually consistent (half the cost of a strongly consistent read): a link is written
before its message is sent, seconds before anyone can tap it.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.config import Config

from brandlink.core.links import records
from brandlink.core.links.records import RedirectTarget

DOMAIN_NAME = "domain_name"
DOMAIN_CONFIG = "config"
CONFIG_FALLBACK_URL = "fallback_url"
DOMAIN_DATE_VERIFIED = "date_verified"
BY_NAME_INDEX = "by_name"

CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=1,
    retries={"mode": "standard", "max_attempts": 3},
    tcp_keepalive=True,
)
"""A tap waits on these calls: fail over to a retry quickly rather than hang on one slow connection."""

logger = logging.getLogger(__name__)


class LinkTargetReader:
    """``core.links.redirect.LinkTargets`` on the ``links`` table: one projected ``GetItem`` per tap."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._get_item = client.get_item
        names = {f"#a{index}": name for index, name in enumerate(records.REDIRECT_ATTRIBUTES)}
        self._request = {
            "TableName": table_name,
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }

    def target(self, slug: str) -> RedirectTarget | None:
        item = self._get_item(Key={records.SLUG: {"S": slug}}, **self._request).get("Item")
        if not item:
            return None
        try:
            return records.redirect_target(item)
        except (KeyError, TypeError, ValueError):
            logger.warning("link item %s lacks %s; answered as unknown", slug, records.REDIRECT_ATTRIBUTES)
            return None


class DomainFallbackReader:
    """``core.links.redirect.Fallbacks`` on the ``domains`` table's ``by_name`` index.

    Only a verified domain's fallback counts: once several accounts may hold unverified registrations
    of one name, none of them may send the name's visitors to a URL of its choosing.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._query = client.query
        self._request = {
            "TableName": table_name,
            "IndexName": BY_NAME_INDEX,
            "KeyConditionExpression": "#name = :name",
            "ProjectionExpression": "#config.#fallback, #verified",
            "ExpressionAttributeNames": {
                "#name": DOMAIN_NAME,
                "#config": DOMAIN_CONFIG,
                "#fallback": CONFIG_FALLBACK_URL,
                "#verified": DOMAIN_DATE_VERIFIED,
            },
        }

    def fallback_url(self, domain_name: str) -> str | None:
        request = {**self._request, "ExpressionAttributeValues": {":name": {"S": domain_name}}}
        while True:
            page = self._query(**request)
            for item in page.get("Items", ()):
                url = _verified_fallback(item)
                if url:
                    return url
            if "LastEvaluatedKey" not in page:
                return None
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _verified_fallback(item: dict[str, Any]) -> str | None:
    if "S" not in item.get(DOMAIN_DATE_VERIFIED, {}):
        return None
    config = item.get(DOMAIN_CONFIG, {}).get("M", {})
    url = config.get(CONFIG_FALLBACK_URL, {}).get("S")
    return str(url) if url else None
