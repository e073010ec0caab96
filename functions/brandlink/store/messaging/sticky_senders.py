"""Sticky-sender mappings on DynamoDB: ``(service_sid, to) → from_address``, expiring with the message.

The services store deletes a service's mappings when the service goes; a mapping whose sender
left the pool is ignored by sender selection and overwritten (or removed) on the next send.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from brandlink.core.common.dates import utcnow
from brandlink.store.common.base import StoreModel, meta


class StickySenderItem(StoreModel):
    Meta = meta("sticky_senders")

    service_sid = UnicodeAttribute(hash_key=True)
    to = UnicodeAttribute(range_key=True)
    from_address = UnicodeAttribute()
    expires_at = TTLAttribute()


class DynamoStickySenders:
    def get(self, service_sid: str, to: str) -> str | None:
        try:
            item = StickySenderItem.get(service_sid, to)
        except DoesNotExist:
            return None
        return item.from_address if item.expires_at > utcnow() else None

    def remember(self, service_sid: str, to: str, from_address: str, expires_at: datetime) -> None:
        StickySenderItem(service_sid, to, from_address=from_address, expires_at=expires_at).save()

    def forget(self, service_sid: str, to: str) -> None:
        StickySenderItem(service_sid, to).delete()
