"""Messages on DynamoDB (pynamodb), with the per-account scheduled-message counter.

* ``messages`` ``(sid)``; GSI ``by_account`` ``(account_sid, created_key)`` lists an account's
  messages newest first (``created_key`` = creation time with microseconds + ``#`` + SID);
  ``expires_at`` is the TTL (retention). DynamoDB deletes expired items up to days late, so every
  read also filters them out. Sparse GSI ``by_sending`` ``(sending_shard, sending_since)``: only a
  message in ``sending`` carries these keys (every write rewrites the whole item, so they vanish
  when it moves on); the sweeper queries it, one shard at a time, for messages stuck there.
* ``counters`` ``(name = "scheduled_messages#<AccountSid>")``: how many messages of the account
  are scheduled. Scheduling, canceling and claiming a scheduled message change it in the same
  transaction as the message, so it never drifts from the messages it counts.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from brandlink.core.common.dates import utcnow
from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.messaging.model import DIRECTION, SENDING, Message, MessageFeedback, MessageOptions, MessageQuery
from brandlink.core.messaging.repository import ScheduledCapReached
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held, failed_conditions, transaction_connection
from brandlink.store.common.paging import query_page


class AccountIndex(GlobalSecondaryIndex["MessageItem"]):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_sid = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class SendingIndex(GlobalSecondaryIndex["MessageItem"]):
    class Meta:
        index_name = "by_sending"
        projection = AllProjection()

    sending_shard = UnicodeAttribute(hash_key=True)
    sending_since = UnicodeAttribute(range_key=True)


SENDING_SHARDS = 8
"""Messages in ``sending`` spread over this many index partitions (no hot key at high send rates)."""


def sending_shard(sid: str) -> str:
    return f"sending#{zlib.crc32(sid.encode()) % SENDING_SHARDS}"


def _since_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class MessageItem(StoreModel):
    Meta = meta("messages")

    sid = UnicodeAttribute(hash_key=True)
    account_sid = UnicodeAttribute()
    created_key = UnicodeAttribute()
    by_account = AccountIndex()
    sending_shard = UnicodeAttribute(null=True)
    sending_since = UnicodeAttribute(null=True)
    by_sending = SendingIndex()
    to = UnicodeAttribute()
    from_address = UnicodeAttribute(null=True)
    messaging_service_sid = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    date_sent = UTCDateTimeAttribute(null=True)
    send_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()
    num_segments = NumberAttribute()
    media_urls = ListAttribute(of=UnicodeAttribute, null=True)
    error_code = NumberAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    status_callback = UnicodeAttribute(null=True)
    validity_period = NumberAttribute(null=True)
    smart_encoded = BooleanAttribute(null=True)
    shorten_urls = BooleanAttribute(default=False)
    tags = JSONAttribute(null=True)
    options = JSONAttribute(null=True)
    attempts = NumberAttribute(default=0)
    provider_message_id = UnicodeAttribute(null=True)
    feedback = JSONAttribute(null=True)
    fallback_from = UnicodeAttribute(null=True)
    direction = UnicodeAttribute(null=True)  # absent on items written before inbound messages: outbound-api

    def to_domain(self) -> Message:
        return Message(
            sid=self.sid,
            account_sid=self.account_sid,
            to=self.to,
            from_=self.from_address,
            messaging_service_sid=self.messaging_service_sid,
            body=self.body or "",
            status=self.status,
            date_created=self.date_created,
            date_updated=self.date_updated,
            expires_at=self.expires_at,
            num_segments=int(self.num_segments),
            media_urls=tuple(str(url) for url in self.media_urls or ()),
            date_sent=self.date_sent,
            send_at=self.send_at,
            error_code=int(self.error_code) if self.error_code is not None else None,
            error_message=self.error_message,
            status_callback=self.status_callback,
            validity_period=int(self.validity_period) if self.validity_period is not None else None,
            smart_encoded=self.smart_encoded,
            shorten_urls=bool(self.shorten_urls),
            tags=dict(self.tags or {}),
            options=MessageOptions.from_dict(self.options),
            attempts=int(self.attempts or 0),
            provider_message_id=self.provider_message_id,
            feedback=MessageFeedback.from_dict(self.feedback),
            fallback_from=self.fallback_from,
            direction=self.direction or DIRECTION,
        )

    @classmethod
    def from_domain(cls, message: Message) -> MessageItem:
        return cls(
            sid=message.sid,
            account_sid=message.account_sid,
            created_key=created_key(message.date_created, message.sid),
            to=message.to,
            from_address=message.from_,
            messaging_service_sid=message.messaging_service_sid,
            body=message.body,
            status=message.status,
            date_created=message.date_created,
            date_updated=message.date_updated,
            date_sent=message.date_sent,
            send_at=message.send_at,
            expires_at=message.expires_at,
            num_segments=message.num_segments,
            media_urls=list(message.media_urls),
            error_code=message.error_code,
            error_message=message.error_message,
            status_callback=message.status_callback,
            validity_period=message.validity_period,
            smart_encoded=message.smart_encoded,
            shorten_urls=message.shorten_urls,
            tags=dict(message.tags),
            options=message.options.to_dict(),
            attempts=message.attempts,
            provider_message_id=message.provider_message_id,
            feedback=message.feedback.to_dict() if message.feedback else None,
            fallback_from=message.fallback_from,
            sending_shard=sending_shard(message.sid) if message.status == SENDING else None,
            sending_since=f"{_since_key(message.date_updated)}#{message.sid}" if message.status == SENDING else None,
            direction=message.direction,
        )


class ScheduledCounterItem(StoreModel):
    Meta = meta("counters")

    name = UnicodeAttribute(hash_key=True)
    scheduled = NumberAttribute(null=True)

    @staticmethod
    def name_for(account_sid: str) -> str:
        return f"scheduled_messages#{account_sid}"


def created_key(date_created: datetime, sid: str) -> str:
    return f"{date_created.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z#{sid}"


def _state_condition(
    message: Message, statuses: frozenset[str], attempts: int | None, from_: str | None = None
) -> Condition:
    condition: Condition = (MessageItem.account_sid == message.account_sid) & MessageItem.status.is_in(
        *sorted(statuses)
    )
    if attempts is not None:
        condition &= MessageItem.attempts == attempts
    if from_ is not None:
        condition &= MessageItem.from_address == from_
    return condition


class DynamoMessageRepository:
    def add(self, message: Message, *, scheduled_cap: int | None = None) -> None:
        item = MessageItem.from_domain(message)
        new_only = MessageItem.sid.does_not_exist()
        if scheduled_cap is None:
            item.save(condition=new_only)
            return
        counter = ScheduledCounterItem(ScheduledCounterItem.name_for(message.account_sid))
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    counter,
                    actions=[ScheduledCounterItem.scheduled.add(1)],
                    condition=ScheduledCounterItem.scheduled.does_not_exist()
                    | (ScheduledCounterItem.scheduled < scheduled_cap),
                )
                transaction.save(item, condition=new_only)
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            # pynamodb sends puts before updates: the counter update is the transaction's last item.
            if failed and failed[-1]:
                raise ScheduledCapReached(message.account_sid) from None
            raise

    def get(self, account_sid: str, sid: str) -> Message | None:
        try:
            item = MessageItem.get(sid, consistent_read=True)
        except DoesNotExist:
            return None
        if item.account_sid != account_sid:
            return None
        message = item.to_domain()
        return None if message.is_expired(utcnow()) else message

    def replace(
        self,
        message: Message,
        *,
        expected_statuses: frozenset[str],
        expected_attempts: int | None = None,
        expected_from: str | None = None,
        release_scheduled_slot: bool = False,
    ) -> bool:
        item = MessageItem.from_domain(message)
        condition = _state_condition(message, expected_statuses, expected_attempts, expected_from)
        if not release_scheduled_slot:
            return condition_held(lambda: item.save(condition=condition))
        return self._with_slot_released(message, lambda t: t.save(item, condition=condition))

    def record_provider_message_id(self, message: Message, *, expected_statuses: frozenset[str]) -> bool:
        # An update of one attribute (like ``record_feedback``): a receipt's status and error stay.
        provider_id = message.provider_message_id
        if provider_id is None:
            return False  # nothing to record
        item = MessageItem(message.sid)
        condition = _state_condition(message, expected_statuses, message.attempts, message.from_ or "")
        return condition_held(
            lambda: item.update(actions=[MessageItem.provider_message_id.set(provider_id)], condition=condition)
        )

    def delete(self, message: Message, *, expected_statuses: frozenset[str], release_scheduled_slot: bool) -> bool:
        item = MessageItem(message.sid)
        condition = _state_condition(message, expected_statuses, None)
        if not release_scheduled_slot:
            return condition_held(lambda: item.delete(condition=condition))
        return self._with_slot_released(message, lambda t: t.delete(item, condition=condition))

    @staticmethod
    def _with_slot_released(message: Message, write: Any) -> bool:
        counter = ScheduledCounterItem(ScheduledCounterItem.name_for(message.account_sid))
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                write(transaction)
                transaction.update(counter, actions=[ScheduledCounterItem.scheduled.add(-1)])
        except TransactWriteError as exc:
            if any(failed_conditions(exc)):
                return False
            raise
        return True

    def record_feedback(self, message: Message, feedback: MessageFeedback) -> bool:
        # An update of one attribute: a concurrent status change (dispatch) is not overwritten.
        item = MessageItem(message.sid)
        condition = MessageItem.account_sid == message.account_sid
        return condition_held(
            lambda: item.update(actions=[MessageItem.feedback.set(feedback.to_dict())], condition=condition)
        )

    def scheduled_count(self, account_sid: str) -> int:
        try:
            item = ScheduledCounterItem.get(ScheduledCounterItem.name_for(account_sid), consistent_read=True)
        except DoesNotExist:
            return 0
        return int(item.scheduled or 0)

    def stuck_sending(self, updated_before: datetime, limit: int) -> list[Message]:
        """Up to ``limit`` messages in ``sending`` not updated since ``updated_before``, oldest first per shard."""
        found: list[Message] = []
        for shard in range(SENDING_SHARDS):
            query = MessageItem.by_sending.query(
                f"sending#{shard}", MessageItem.sending_since < _since_key(updated_before), limit=limit - len(found)
            )
            found.extend(item.to_domain() for item in query)
            if len(found) >= limit:
                break
        return found

    def page(self, account_sid: str, request: PageRequest, query: MessageQuery, now: datetime) -> Page[Message]:
        items, next_cursor, previous_cursor = query_page(
            MessageItem.by_account, account_sid, request, descending=True, filter_condition=_filters(query, now)
        )
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)


def _filters(query: MessageQuery, now: datetime) -> Condition:
    condition = MessageItem.expires_at > now
    if query.to:
        condition &= MessageItem.to == query.to
    if query.from_:
        condition &= MessageItem.from_address == query.from_
    if query.sent_from is not None:
        condition &= MessageItem.date_sent >= query.sent_from
    if query.sent_before is not None:
        condition &= MessageItem.date_sent < query.sent_before
    return condition
