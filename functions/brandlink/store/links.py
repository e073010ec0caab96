"""Link items and the slug counter on DynamoDB.

* ``links`` ``(slug)``: one item per short link, in the shape ``core.links.records`` defines (the
  redirect reads it raw, so the model's attribute names come from there); ``expires_at`` is the TTL.
  GSI ``by_message`` ``(message_sid, position)`` finds a message's links again (a redelivered
  dispatch reuses them). Written in unconditional batches: the counter guarantees new slugs
  (``core.links.slugs``, on key rotation).
* ``counters`` ``(name = "slug")``: the slug counter; ``claim`` is one atomic ``UpdateItem ADD``.
  The table has no TTL, so the counter never goes back, even when every link item is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from brandlink.core.links import records
from brandlink.core.links.records import LinkRecord, from_item, to_item
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.batches import batch_put


class MessageIndex(GlobalSecondaryIndex["LinkItem"]):
    class Meta:
        index_name = "by_message"
        projection = AllProjection()

    message_sid = UnicodeAttribute(hash_key=True, attr_name=records.MESSAGE_SID)
    position = NumberAttribute(range_key=True, attr_name=records.POSITION)


class ServiceIndex(GlobalSecondaryIndex["LinkItem"]):
    """A service's links by send time (``GET /v1/LinkShortening/Links?MessagingServiceSid=``)."""

    class Meta:
        index_name = "by_service"
        projection = AllProjection()

    service_sid = UnicodeAttribute(hash_key=True, attr_name=records.SERVICE_SID)
    created_at = NumberAttribute(range_key=True, attr_name=records.CREATED_AT)


class LinkItem(StoreModel):
    """The link item; ``to_record``/``from_record`` go through ``records.to_item``/``from_item``, so the
    model and the redirect's raw reads cannot disagree (tests/integration/test_links_store.py)."""

    Meta = meta("links")

    slug = UnicodeAttribute(hash_key=True, attr_name=records.SLUG)
    link = UnicodeAttribute(attr_name=records.LINK)
    message_sid = UnicodeAttribute(attr_name=records.MESSAGE_SID)
    by_message = MessageIndex()
    account_sid = UnicodeAttribute(attr_name=records.ACCOUNT_SID)
    service_sid = UnicodeAttribute(attr_name=records.SERVICE_SID)
    by_service = ServiceIndex()
    to = UnicodeAttribute(attr_name=records.TO)
    from_ = UnicodeAttribute(attr_name=records.FROM)
    domain_sid = UnicodeAttribute(attr_name=records.DOMAIN_SID)
    domain_name = UnicodeAttribute(attr_name=records.DOMAIN_NAME)
    tags = UnicodeAttribute(null=True, attr_name=records.TAGS)  # compact JSON, as records.to_item writes it
    position = NumberAttribute(attr_name=records.POSITION)
    created_at = NumberAttribute(attr_name=records.CREATED_AT)
    expires_at = NumberAttribute(attr_name=records.EXPIRES_AT)

    @classmethod
    def from_record(cls, record: LinkRecord) -> LinkItem:
        return cls.from_raw_data(to_item(record))

    def to_record(self) -> LinkRecord:
        return from_item(self.serialize())


class DynamoLinkRepository:
    def put_many(self, links: Sequence[LinkRecord]) -> None:
        batch_put(LinkItem, [to_item(record) for record in links])

    def for_message(self, message_sid: str) -> list[LinkRecord]:
        return [item.to_record() for item in LinkItem.by_message.query(message_sid)]

    def get(self, slug: str) -> LinkRecord | None:
        """One record by slug (support and tests; the redirect reads raw, see records.py)."""
        try:
            return LinkItem.get(slug, consistent_read=True).to_record()
        except DoesNotExist:
            return None


class SlugCounterItem(StoreModel):
    Meta = meta("counters")

    name = UnicodeAttribute(hash_key=True)
    next_value = NumberAttribute(null=True)


class DynamoCounterBlocks:
    """``CounterBlocks``: ``ADD next_value :size`` with ``ReturnValues=UPDATED_NEW``; the block is
    ``[new - size, new)``. ADD is atomic, so no two callers ever get overlapping blocks."""

    def claim(self, name: str, size: int) -> int:
        if size < 1:
            raise ValueError(f"a block needs a positive size, got {size}")
        response: dict[str, Any] = SlugCounterItem._get_connection().update_item(
            name, actions=[SlugCounterItem.next_value.add(size)], return_values="UPDATED_NEW"
        )
        end = int(response["Attributes"]["next_value"]["N"])
        return end - size
