"""The ``outbox`` provider: records each message instead of sending it (the local default)."""

from __future__ import annotations

from datetime import timedelta

from brandlink.core.common.dates import utcnow
from brandlink.core.messaging.delivery import OutgoingMessage, Receipt
from brandlink.core.messaging.outbox import OutboxEntry, OutboxRepository


class OutboxProvider:
    name = "outbox"

    def __init__(self, repository: OutboxRepository, default_retention_days: int) -> None:
        self._repository = repository
        self._default_retention = timedelta(days=default_retention_days)

    def send(self, message: OutgoingMessage) -> Receipt:
        now = utcnow()
        self._repository.add(
            OutboxEntry(
                account_sid=message.account_sid,
                message_sid=message.message_sid,
                to=message.to,
                from_=message.from_,
                body=message.body,
                date_sent=now,
                expires_at=message.keep_until or now + self._default_retention,
                media_urls=message.media_urls,
                messaging_service_sid=message.messaging_service_sid,
                encoding=message.encoding,
                num_segments=message.num_segments,
                tags=dict(message.tags),
            )
        )
        return Receipt(provider_message_id=f"outbox-{message.message_sid}")
