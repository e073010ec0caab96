"""The link item: one short link's record in the ``links`` table, its attribute names defined once.

Three readers and writers share this shape: the dispatcher writes one item per shortened link
(``store.links``, batched), the redirect reads one with a raw ``GetItem`` (no pynamodb on the hot
path, so it needs the wire format), and the clicks worker reads it again to build the click event.
They all use the names and the two conversions below, so the item cannot drift between them.

Times are whole epoch seconds (``expires_at`` is the table's TTL attribute, which DynamoDB wants in
seconds). DynamoDB deletes expired items up to days late, so every reader checks ``expires_at``
itself (``LinkRecord.is_live``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

SLUG = "slug"
LINK = "link"
MESSAGE_SID = "message_sid"
ACCOUNT_SID = "account_sid"
SERVICE_SID = "service_sid"
TO = "to"
FROM = "from"
DOMAIN_SID = "domain_sid"
DOMAIN_NAME = "domain_name"
TAGS = "tags"
POSITION = "position"
CREATED_AT = "created_at"
EXPIRES_AT = "expires_at"

REDIRECT_ATTRIBUTES = (LINK, DOMAIN_NAME, EXPIRES_AT)
"""What a tap needs: where to go, which domain the slug belongs to, and whether it is still live."""


NO_TAGS: Mapping[str, str] = MappingProxyType({})


class LinkRecord(NamedTuple):
    """One short link. A named tuple, not a frozen dataclass: it is as immutable, and dispatch builds
    one per link of every message of a campaign, where a frozen dataclass of 13 fields costs ~1.4 µs
    to build against ~0.3 µs (bench/RESULTS.md, "dispatch with shortening")."""

    slug: str
    link: str
    """The original long link, byte for byte as it was in the message body."""
    message_sid: str
    account_sid: str
    service_sid: str
    to: str
    from_: str
    domain_sid: str
    domain_name: str
    created_at: int
    expires_at: int
    position: int = 0
    """Which shortened link of its message this is (0 = first), so a retry rebuilds the same body."""
    tags: Mapping[str, str] = NO_TAGS
    """The message's ``Tags``, copied so click analytics can group without reading the message."""

    def is_live(self, now_epoch: float) -> bool:
        return now_epoch < self.expires_at


def to_item(record: LinkRecord) -> dict[str, dict[str, str]]:
    """The record in DynamoDB's wire format (what ``PutItem``/``BatchWriteItem`` take)."""
    item: dict[str, dict[str, str]] = {
        SLUG: {"S": record.slug},
        LINK: {"S": record.link},
        MESSAGE_SID: {"S": record.message_sid},
        ACCOUNT_SID: {"S": record.account_sid},
        SERVICE_SID: {"S": record.service_sid},
        TO: {"S": record.to},
        FROM: {"S": record.from_},
        DOMAIN_SID: {"S": record.domain_sid},
        DOMAIN_NAME: {"S": record.domain_name},
        POSITION: {"N": str(record.position)},
        CREATED_AT: {"N": str(record.created_at)},
        EXPIRES_AT: {"N": str(record.expires_at)},
    }
    if record.tags:
        item[TAGS] = {"S": json.dumps(dict(record.tags), separators=(",", ":"), sort_keys=True)}
    return item


def _text(item: Mapping[str, Any], name: str) -> str:
    return str(item[name]["S"])


def _number(item: Mapping[str, Any], name: str) -> int:
    return int(item[name]["N"])


def from_item(item: Mapping[str, Any]) -> LinkRecord:
    """The record of a full item in DynamoDB's wire format (``GetItem``'s ``Item``)."""
    tags = json.loads(_text(item, TAGS)) if TAGS in item else {}
    return LinkRecord(
        slug=_text(item, SLUG),
        link=_text(item, LINK),
        message_sid=_text(item, MESSAGE_SID),
        account_sid=_text(item, ACCOUNT_SID),
        service_sid=_text(item, SERVICE_SID),
        to=_text(item, TO),
        from_=_text(item, FROM),
        domain_sid=_text(item, DOMAIN_SID),
        domain_name=_text(item, DOMAIN_NAME),
        position=_number(item, POSITION),
        created_at=_number(item, CREATED_AT),
        expires_at=_number(item, EXPIRES_AT),
        tags=tags,
    )


@dataclass(frozen=True, slots=True)
class RedirectTarget:
    """The part of a link item a tap reads (``REDIRECT_ATTRIBUTES``)."""

    link: str
    domain_name: str
    expires_at: int

    def is_live(self, now_epoch: float) -> bool:
        return now_epoch < self.expires_at


def redirect_target(item: Mapping[str, Any]) -> RedirectTarget:
    """The redirect's view of an item read with ``ProjectionExpression`` = ``REDIRECT_ATTRIBUTES``."""
    return RedirectTarget(_text(item, LINK), _text(item, DOMAIN_NAME), _number(item, EXPIRES_AT))
