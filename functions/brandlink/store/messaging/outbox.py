"""The outbox table: ``(account_sid, sent_key)``, TTL ``expires_at`` (the message's retention).

``sent_key`` is ``<9999999999999 - epoch milliseconds>#<MessageSid>``, so the partition's natural
(ascending) order is newest first and the shared ``query_page`` helper pages it as is.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition

from brandlink.core.common.dates import utcnow
from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.messaging.outbox import OutboxEntry
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.paging import query_page

_LATEST_MILLIS = 9_999_999_999_999


def sent_key(date_sent: datetime, message_sid: str) -> str:
    millis = int(date_sent.timestamp() * 1000)
    return f"{_LATEST_MILLIS - millis:013d}#{message_sid}"


class OutboxItem(StoreModel):
    Meta = meta("outbox")

    account_sid = UnicodeAttribute(hash_key=True)
    sent_key = UnicodeAttribute(range_key=True)
    message_sid = UnicodeAttribute()
    to = UnicodeAttribute()
    from_address = UnicodeAttribute()
    body = UnicodeAttribute()
    media_urls = ListAttribute(of=UnicodeAttribute, null=True)
    messaging_service_sid = UnicodeAttribute(null=True)
    encoding = UnicodeAttribute()
    num_segments = NumberAttribute()
    tags = JSONAttribute(null=True)
    date_sent = UTCDateTimeAttribute()
    expires_at = TTLAttribute()

    def to_domain(self) -> OutboxEntry:
        return OutboxEntry(
            account_sid=self.account_sid,
            message_sid=self.message_sid,
            to=self.to,
            from_=self.from_address,
            body=self.body or "",
            date_sent=self.date_sent,
            expires_at=self.expires_at,
            media_urls=tuple(str(url) for url in self.media_urls or ()),
            messaging_service_sid=self.messaging_service_sid,
            encoding=self.encoding,
            num_segments=int(self.num_segments),
            tags=dict(self.tags or {}),
        )


class DynamoOutboxRepository:
    def add(self, entry: OutboxEntry) -> None:
        OutboxItem(
            entry.account_sid,
            sent_key(entry.date_sent, entry.message_sid),
            message_sid=entry.message_sid,
            to=entry.to,
            from_address=entry.from_,
            body=entry.body,
            media_urls=list(entry.media_urls),
            messaging_service_sid=entry.messaging_service_sid,
            encoding=entry.encoding,
            num_segments=entry.num_segments,
            tags=dict(entry.tags),
            date_sent=entry.date_sent,
            expires_at=entry.expires_at,
        ).save()

    def page(
        self, account_sid: str, request: PageRequest, *, to: str | None, message_sid: str | None
    ) -> Page[OutboxEntry]:
        condition: Condition = OutboxItem.expires_at > utcnow()
        if to:
            condition &= OutboxItem.to == to
        if message_sid:
            condition &= OutboxItem.message_sid == message_sid
        items, next_cursor, previous_cursor = query_page(OutboxItem, account_sid, request, filter_condition=condition)
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)
