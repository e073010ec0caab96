"""Dispatch: turn one trigger into at most one provider call.

Send-now messages (SQS) and due schedules (EventBridge Scheduler → the same SQS queue) arrive as a
``DispatchRequest``; both are at-least-once. Before any provider call the message is claimed with a
conditional write (``scheduled|accepted|queued → sending``, and the number of attempts made so far
must equal the trigger's ``attempt``), so a trigger delivered twice, or a schedule firing for a
canceled message, finds nothing to claim and sends nothing.

A retryable provider failure re-queues the message with a growing delay under the next attempt
number; the message stays ``sending`` meanwhile (a cancel then gets 30409). Anything that is not
certainly safe to retry ends the message, so the provider is never called twice for one attempt.

``ShortenUrls``: on the first attempt, after the sender is chosen, ``LinkShortener`` (core/links/
sending.py) writes the link records and returns the body to send; the claim stores that body, so a
GET shows it and a retry sends exactly it again (a retry never shortens, so it mints nothing). A
link warning (30103) is stored on the claimed message as ``error_code``/``error_message`` and stays
once it is ``sent``.

``DispatchGuard`` (security): each trigger first re-checks that the account is still active, that
an explicit ``From`` is still the account's and that ``To`` is in an allowed country (else the
message fails unsent: 30002, 21606, 21408); the first claim counts the message's segments against
the account's daily cap (30023).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from brandlink.core.clicks import recording as click_recording
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode
from brandlink.core.inbound.opt_out import OptOutRegistry, first_opted_out
from brandlink.core.links.sending import LinkShortener, SendBody, ShorteningRefused
from brandlink.core.messaging import delivery
from brandlink.core.messaging.callback_jobs import callback_job
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Provider, RetryPolicy
from brandlink.core.messaging.dispatch_guard import DispatchGuard, Refusal
from brandlink.core.messaging.mms_converter import MmsConverter
from brandlink.core.messaging.model import (
    FINAL_STATUSES,
    OUTBOUND_REPLY,
    PENDING_STATUSES,
    SCHEDULED,
    SENDING,
    SENT,
    Message,
)
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.segments import count_segments
from brandlink.core.messaging.send_queue import DispatchRequest, SendQueue
from brandlink.core.messaging.sender_id_alert import SenderIdAlert
from brandlink.core.messaging.smart_encoding import smart_encode
from brandlink.core.messaging.status_callbacks import CallbackQueue, StatusCallbackJob
from brandlink.core.messaging.status_order import statuses_after
from brandlink.core.senders import selection as sender_selection
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.senders.selection import Selection, SelectionPolicy
from brandlink.core.services.model import MessagingService
from brandlink.core.services.repository import ServiceRepository

logger = logging.getLogger(__name__)

_SENDING_ONLY = frozenset({SENDING})
_MOVED_ON = statuses_after(SENDING)
"""Where a receipt (or the sweeper) may have moved a message while dispatch was calling the provider."""


class StickySenders(Protocol):
    def get(self, service_sid: str, to: str) -> str | None: ...

    def remember(self, service_sid: str, to: str, from_address: str, expires_at: datetime) -> None: ...

    def forget(self, service_sid: str, to: str) -> None: ...


class Outcome(StrEnum):
    SENT = "sent"
    UNSENT = "unsent"  # failed or undelivered: the message is final
    RETRYING = "retrying"
    SKIPPED = "skipped"  # duplicate trigger, canceled, deleted or expired message


@dataclass(frozen=True)
class _Route:
    from_: str
    selection: Selection | None = None
    sticky_address: str | None = None


class _Unsendable(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Dispatcher:
    messages: MessageRepository
    services: ServiceRepository
    senders: SenderRepository
    sticky: StickySenders
    provider: Provider
    send_queue: SendQueue
    callbacks: CallbackQueue
    retry: RetryPolicy
    links: LinkShortener | None = None
    """Shortens ``ShortenUrls`` messages; None sends every body as written (benchmarks, tests)."""
    link_sends: click_recording.SendCounter | None = None
    """Counts claimed messages with short links in the insights' ``messages_with_links``; None: not counted."""
    alpha_sender_countries: frozenset[str] = sender_selection.ALPHA_SENDER_COUNTRIES
    guard: DispatchGuard | None = None
    """Re-checks the account, the sender and the limits (core/messaging/dispatch_guard.py); None: no checks."""
    mms: MmsConverter | None = None
    """MMS Converter (core/messaging/mms_converter.py); None sends media as given."""
    sender_id_alert: SenderIdAlert | None = None
    """Sender ID Pre-registration Alert (core/messaging/sender_id_alert.py); None checks nothing."""
    opt_outs: OptOutRegistry | None = None
    """Recipients who texted STOP: a (scheduled) message to one of them ends ``failed`` 21610."""
    clock: Callable[[], datetime] = utcnow

    def dispatch(self, request: DispatchRequest) -> Outcome:
        message = self.messages.get(request.account_sid, request.message_sid)
        if message is None or not _claimable(message, request):
            return Outcome.SKIPPED
        cleared = self.guard.check(message) if self.guard is not None else None
        if isinstance(cleared, Refusal):
            return self._end_unsent(message, request, cleared.code, cleared.message)
        service = self._service(message)
        deadline = message.validity_deadline(service.validity_period if service else None)
        if deadline is not None and self.clock() > deadline:
            return self._end_unsent(
                message, request, ErrorCode.QUEUE_OVERFLOW, "The message was not sent within its ValidityPeriod."
            )
        try:
            route = self._route(message, service)
            _check_opt_out(self.opt_outs, message, route.from_)
            prepared = self._body(message, route, request)
        except _Unsendable as exc:
            return self._end_unsent(message, request, exc.code, exc.message)

        body = _final_body(prepared.body, message, service)
        media_urls = message.media_urls
        if self.mms is not None and message.status != SENDING:  # a retry sends the body it claimed
            body, media_urls = self.mms.convert(message, service, route.from_, body, self.clock())
        if self.sender_id_alert is not None:
            self.sender_id_alert.check(message.sid, route.from_, message.to)
        segments = count_segments(body)
        claimed = replace(
            message,
            status=SENDING,
            from_=route.from_,
            body=body,
            media_urls=media_urls,
            num_segments=segments.segments,
            attempts=message.attempts + 1,
            date_updated=self.clock(),
        )
        if prepared.warning is not None:
            claimed = replace(claimed, error_code=ErrorCode.LINKS_NOT_SHORTENED, error_message=prepared.warning)
        if not self.messages.replace(
            claimed,
            expected_statuses=_expected_statuses(request),
            expected_attempts=request.attempt,
            release_scheduled_slot=message.status == SCHEDULED,
        ):
            return Outcome.SKIPPED
        if cleared is not None and message.status != SENDING and self.guard is not None:
            over = self.guard.count_segments(claimed, cleared)
            if over is not None:
                return self._end_claimed(claimed, service, over)
        click_recording.count_sent(self.link_sends, prepared.links, int(claimed.expires_at.timestamp()))
        self._remember_sender(message, service, route)
        outgoing = OutgoingMessage(
            message_sid=claimed.sid,
            account_sid=claimed.account_sid,
            to=claimed.to,
            from_=route.from_,
            body=body,
            media_urls=claimed.media_urls,
            messaging_service_sid=claimed.messaging_service_sid,
            encoding=segments.encoding,
            num_segments=segments.segments,
            tags=dict(claimed.tags),
            keep_until=claimed.expires_at,
        )
        # Only the first claim changes the status; a retry's claim keeps it ``sending``.
        jobs = [] if message.status == SENDING else [self._job(claimed, service)]
        return self._deliver(claimed, outgoing, service, deadline, jobs)

    def _deliver(
        self,
        claimed: Message,
        outgoing: OutgoingMessage,
        service: MessagingService | None,
        deadline: datetime | None,
        jobs: list[StatusCallbackJob | None],
    ) -> Outcome:
        """The one provider call of a claimed attempt, and the message's final (or retry) state."""
        try:
            receipt = self.provider.send(outgoing)
        except DeliveryError as exc:
            if exc.retryable and self._requeue(claimed, deadline):
                self._notify(jobs)
                return Outcome.RETRYING
            final = replace(
                claimed,
                status=delivery.status_for_error(exc.code),
                error_code=exc.code,
                error_message=exc.message,
                date_updated=self.clock(),
            )
        except Exception:
            # An unexpected failure may have happened after the provider took the message: never retry it.
            logger.exception("provider %s failed unexpectedly for %s", self.provider.name, claimed.sid)
            final = replace(
                claimed,
                status=delivery.status_for_error(ErrorCode.UNKNOWN_ERROR),
                error_code=ErrorCode.UNKNOWN_ERROR,
                error_message="The delivery provider failed unexpectedly; the message may not have been sent.",
                date_updated=self.clock(),
            )
        else:
            now = self.clock()
            final = replace(
                claimed, status=SENT, date_sent=now, date_updated=now, provider_message_id=receipt.provider_message_id
            )
        if self.messages.replace(
            _apply_retention_options(final),
            expected_statuses=_SENDING_ONLY,
            expected_attempts=claimed.attempts,
            expected_from=claimed.from_,  # not a long code's re-send (Fallback to Long Code) taken meanwhile
        ):
            jobs.append(self._job(final, service))
        elif final.status == SENT:
            self._keep_provider_message_id(final)
        self._notify(jobs)
        return Outcome.SENT if final.status == SENT else Outcome.UNSENT

    def _keep_provider_message_id(self, sent: Message) -> None:
        """The final write lost: a delivery receipt (core/messaging/receipts.py) moved the message on
        while the provider call ran, and announced its status. That status, its error and its callback
        stand (a ``sent`` callback now would arrive after ``delivered``); what only dispatch knows is
        added to them: the provider's message ID. The sender, body and segments were written by the
        claim the receipt read, so they are already there."""
        if sent.provider_message_id is None:
            return
        if self.messages.record_provider_message_id(sent, expected_statuses=_MOVED_ON):
            logger.info("a receipt got to %s before dispatch's final write; its provider ID was added", sent.sid)
        else:  # canceled, gone, or another attempt's by now (Fallback to Long Code): nothing of ours to add
            logger.warning("%s moved on before dispatch could record its provider ID", sent.sid)

    def _service(self, message: Message) -> MessagingService | None:
        if not message.messaging_service_sid:
            return None
        return self.services.get(message.account_sid, message.messaging_service_sid)

    def _body(self, message: Message, route: _Route, request: DispatchRequest) -> SendBody:
        """What to send: a retry's claimed body as it is; a first attempt's with its links shortened."""
        if message.status == SENDING or not message.shorten_urls or self.links is None:
            return SendBody(message.body)
        try:
            return self.links.shorten(message, route.from_, self.clock(), redelivered=request.redelivered)
        except ShorteningRefused as exc:
            raise _Unsendable(exc.code, exc.message) from None

    def _route(self, message: Message, service: MessagingService | None) -> _Route:
        if message.from_:
            return _Route(message.from_)
        if service is None:
            raise _Unsendable(ErrorCode.SERVICE_NOT_FOUND, "The message's Messaging Service no longer exists.")
        pool = [sender_selection.candidate_from_sender(s) for s in self.senders.pool(service.sid)]
        if not pool:
            raise _Unsendable(ErrorCode.NO_SENDER, "The Messaging Service has no senders in its pool: add one.")
        try:
            destination = sender_selection.parse_destination(message.to)
        except ValueError:
            raise _Unsendable(ErrorCode.INVALID_TO, f"{message.to} is not a valid phone number.") from None
        sticky_address = self.sticky.get(service.sid, message.to) if service.sticky_sender else None
        policy = SelectionPolicy(
            sticky_sender=service.sticky_sender,
            area_code_geomatch=service.area_code_geomatch,
            alpha_sender_countries=self.alpha_sender_countries,
        )
        selection = sender_selection.select_sender(
            pool, destination, policy, spread_key=message.sid, sticky_address=sticky_address
        )
        if selection is None:
            raise _Unsendable(
                ErrorCode.NO_SENDER_FOR_CHANNEL,
                f"No sender in the Messaging Service's pool can reach {message.to} ({destination.channel}).",
            )
        return _Route(selection.sender.address, selection, sticky_address)

    def _remember_sender(self, message: Message, service: MessagingService | None, route: _Route) -> None:
        if service is None or not service.sticky_sender or route.selection is None:
            return
        chosen = route.selection.sender.address
        try:
            if route.selection.sticky_worthy and chosen != route.sticky_address:
                self.sticky.remember(service.sid, message.to, chosen, message.expires_at)
            elif not route.selection.sticky_worthy and route.sticky_address is not None:
                self.sticky.forget(service.sid, message.to)
        except Exception:
            # Stickiness is a preference; losing one update must not stop the send.
            logger.exception("could not update the sticky sender of %s", message.sid)

    def _requeue(self, claimed: Message, deadline: datetime | None) -> bool:
        """Queue the next attempt if the policy and the validity period allow it."""
        if not self.retry.can_retry(claimed.attempts):
            return False
        delay = self.retry.delay_seconds(claimed.attempts)
        if deadline is not None and (deadline - self.clock()).total_seconds() < delay:
            return False
        try:
            self.send_queue.enqueue(
                DispatchRequest(claimed.account_sid, claimed.sid, claimed.attempts), delay_seconds=delay
            )
        except Exception:
            logger.exception("could not queue a retry of %s", claimed.sid)
            return False
        return True

    def _end_claimed(self, claimed: Message, service: MessagingService | None, refusal: Refusal) -> Outcome:
        """End a message claimed by this trigger without calling the provider."""
        failed = replace(
            claimed,
            status=delivery.status_for_error(refusal.code),
            error_code=refusal.code,
            error_message=refusal.message,
            date_updated=self.clock(),
        )
        self.messages.replace(
            _apply_retention_options(failed), expected_statuses=_SENDING_ONLY, expected_attempts=claimed.attempts
        )
        self._notify([self._job(failed, service)])
        return Outcome.UNSENT

    def _end_unsent(self, message: Message, request: DispatchRequest, code: ErrorCode, text: str) -> Outcome:
        failed = replace(
            message,
            status=delivery.status_for_error(code),
            error_code=code,
            error_message=text,
            date_updated=self.clock(),
        )
        if not self.messages.replace(
            failed,
            expected_statuses=_expected_statuses(request),
            expected_attempts=request.attempt,
            release_scheduled_slot=message.status == SCHEDULED,
        ):
            return Outcome.SKIPPED
        self._notify([self._job(failed, self._service(message))])
        return Outcome.UNSENT

    @staticmethod
    def _job(message: Message, service: MessagingService | None) -> StatusCallbackJob | None:
        return callback_job(message, service.status_callback if service else None)

    def _notify(self, jobs: list[StatusCallbackJob | None]) -> None:
        ready = [job for job in jobs if job is not None]
        if ready:
            self.callbacks.enqueue(ready)


def _check_opt_out(registry: OptOutRegistry | None, message: Message, from_: str) -> None:
    """A first attempt to a recipient opted out of the service or sender fails with 21610 (a message
    scheduled before the STOP). Replies (opt-out confirmations, TwiML) are checked by the inbound side."""
    if registry is None or message.status == SENDING or message.direction == OUTBOUND_REPLY:
        return
    if first_opted_out(registry, [s for s in (message.messaging_service_sid, from_) if s], message.to):
        raise _Unsendable(ErrorCode.OPTED_OUT, f"{message.to} opted out (texted STOP) before this message was sent.")


def _claimable(message: Message, request: DispatchRequest) -> bool:
    if message.status in FINAL_STATUSES or message.attempts != request.attempt:
        return False
    if request.attempt == 0:
        return message.status in PENDING_STATUSES
    return message.status == SENDING


def _expected_statuses(request: DispatchRequest) -> frozenset[str]:
    return PENDING_STATUSES if request.attempt == 0 else _SENDING_ONLY


def _final_body(body: str, message: Message, service: MessagingService | None) -> str:
    """``body`` Smart-Encoded when the message (else its service) asks for it. Short links are ASCII,
    so encoding after shortening never touches them, and links are found in the text as written."""
    wants_smart = (
        message.smart_encoded if message.smart_encoded is not None else bool(service and service.smart_encoding)
    )
    return smart_encode(body) if wants_smart else body


def _apply_retention_options(message: Message) -> Message:
    """``ContentRetention=discard`` drops the body and ``AddressRetention=obfuscate`` masks ``To``
    once the message is final; the callbacks already built keep the real values."""
    if message.options.content_retention == "discard":
        message = replace(message, body="")
    if message.options.address_retention == "obfuscate":
        message = replace(message, to=obfuscate_address(message.to))
    return message


def obfuscate_address(address: str) -> str:
    """Keep the channel prefix, the first four digits and the last two; mask the rest with ``X``.

    ``+14155552671`` becomes ``+1415`` + five ``X`` + ``71``.
    """
    prefix, _, number = address.rpartition("+")
    if len(number) <= 6:
        return address
    return f"{prefix}+{number[:4]}{'X' * (len(number) - 6)}{number[-2:]}"
