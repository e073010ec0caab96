"""Fallback to Long Code: a short-code message the carrier reports ``undelivered`` is re-sent, once,
from a long code of its service's pool.

When (docs/receipts.md): the message's service has ``FallbackToLongCode`` on, the message went out
from a short code, it is ``sent`` (dispatch's final write is done), it has not fallen back before,
and the receipt's code is one a long code can get around: 30003 (the handset is unreachable through
the short code, e.g. the subscriber blocks short codes), 30004 (blocked) or 30006 (the carrier does
not take short-code traffic). Not for 30005 (no such handset), 30007 (the content was filtered: it
would be again), 30008 or an opt-out. As on Twilio, not every undelivered message falls back and
a fallback is not a promise of delivery.

How: the message goes back to ``sending`` with the long code as ``From`` and ``fallback_from`` set
(one conditional write on the status the receipt read), and a dispatch request for its next attempt
is queued: dispatch's retry path sends the stored body from the stored sender, so links are not
shortened again. The first attempt's ``undelivered`` is never announced; the message's final status
is the second attempt's. ``fallback_from`` is set once, so a message falls back at most once, and
receipts naming the short code afterwards are stale (core/messaging/receipts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.model import SENDING, SENT, UNDELIVERED, Message
from brandlink.core.messaging.send_queue import DispatchRequest, SendQueue
from brandlink.core.senders import selection as sender_selection
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.services.model import MessagingService

ELIGIBLE_CODES = frozenset({ErrorCode.UNREACHABLE_HANDSET, ErrorCode.MESSAGE_BLOCKED, ErrorCode.UNREACHABLE_CARRIER})


def is_short_code(address: str | None) -> bool:
    return bool(address) and str(address).isdigit()


@dataclass
class LongCodeFallback:
    senders: SenderRepository
    send_queue: SendQueue
    clock: Callable[[], datetime] = utcnow

    def plan(self, message: Message, undelivered: Message, service: MessagingService | None) -> Message | None:
        """The message as the fallback re-sends it, or None when this receipt does not fall back."""
        if (
            service is None
            or not service.fallback_to_long_code
            or message.status != SENT
            or undelivered.status != UNDELIVERED
            or undelivered.error_code not in ELIGIBLE_CODES
            or message.fallback_from is not None
            or not is_short_code(message.from_)
            or message.options.content_retention == "discard"  # the body is gone once sent
        ):
            return None
        long_code = self._long_code(message, service)
        if long_code is None:
            return None
        return replace(
            message,
            status=SENDING,
            from_=long_code,
            fallback_from=message.from_,
            date_updated=self.clock(),
        )

    def send(self, resent: Message) -> None:
        """Queue the re-send: dispatch claims ``sending`` at the message's current attempt count."""
        self.send_queue.enqueue(DispatchRequest(resent.account_sid, resent.sid, resent.attempts))

    def _long_code(self, message: Message, service: MessagingService) -> str | None:
        try:
            destination = sender_selection.parse_destination(message.to)
        except ValueError:
            return None
        pool = [
            sender_selection.candidate_from_sender(sender)
            for sender in self.senders.pool(service.sid)
            if sender.kind == "phone_number"
        ]
        policy = sender_selection.SelectionPolicy(
            sticky_sender=False, area_code_geomatch=service.area_code_geomatch, alpha_sender_countries=frozenset()
        )
        chosen = sender_selection.select_sender(pool, destination, policy, spread_key=message.sid)
        return chosen.sender.address if chosen is not None else None
