"""What the messages logic needs from storage (implemented by ``brandlink.store.messaging.messages``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.messaging.model import Message, MessageFeedback, MessageQuery


class ScheduledCapReached(Exception):
    """The account already has as many scheduled messages as the deployment allows."""


class MessageRepository(Protocol):
    def add(self, message: Message, *, scheduled_cap: int | None = None) -> None:
        """Store a new message; a scheduled one also takes a slot of the account's counter.

        Raises ``ScheduledCapReached`` when ``scheduled_cap`` slots are taken (nothing is written).
        """
        ...

    def get(self, account_sid: str, sid: str) -> Message | None:
        """The message (strongly consistent), or None when absent, another account's or expired."""
        ...

    def replace(
        self,
        message: Message,
        *,
        expected_statuses: frozenset[str],
        expected_attempts: int | None = None,
        expected_from: str | None = None,
        release_scheduled_slot: bool = False,
    ) -> bool:
        """Write ``message`` over the stored one only if that is in ``expected_statuses`` (and has
        made ``expected_attempts`` attempts, and is sent from ``expected_from``); False when it is not
        (or is gone). The status transition and, with ``release_scheduled_slot``, the counter
        decrement are one atomic write.
        """
        ...

    def record_provider_message_id(self, message: Message, *, expected_statuses: frozenset[str]) -> bool:
        """Set ``message.provider_message_id`` on the stored message and nothing else (no whole-item
        rewrite: the status, error and dates someone else wrote stay), only if the stored one is in
        ``expected_statuses``, has made ``message.attempts`` attempts and is sent from ``message.from_``
        (not a later attempt's, e.g. after Fallback to Long Code); False otherwise (or when it is gone).
        """
        ...

    def delete(self, message: Message, *, expected_statuses: frozenset[str], release_scheduled_slot: bool) -> bool:
        """Delete the message if its status is one of ``expected_statuses``; False otherwise."""
        ...

    def page(self, account_sid: str, request: PageRequest, query: MessageQuery, now: datetime) -> Page[Message]:
        """Newest first; expired messages are skipped."""
        ...

    def record_feedback(self, message: Message, feedback: MessageFeedback) -> bool:
        """Set the message's feedback and nothing else (no whole-item rewrite); False when it is gone."""
        ...
