"""What the Messages API does: create (send now or schedule), fetch, cancel, redact, delete, list.

Every check runs before the first write; when a later step fails (queue or scheduler down) the
message written so far is removed again, so a request either fully happens or leaves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from brandlink.core.accounts.model import MIN_RETENTION_DAYS, Account
from brandlink.core.common import sids
from brandlink.core.common.dates import parse_date_or_datetime
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import WHATSAPP_PREFIX, Form
from brandlink.core.common.paging import Listing, PageRequest, PageSigner, checked_page
from brandlink.core.domains.shortening import ShorteningUnavailable
from brandlink.core.inbound.opt_out import OptOutRegistry, refuse_opted_out
from brandlink.core.messaging import scheduling
from brandlink.core.messaging.admission import SendAdmission
from brandlink.core.messaging.callback_jobs import callback_job
from brandlink.core.messaging.model import (
    ACCEPTED,
    CANCELED,
    FINAL_STATUSES,
    PENDING_STATUSES,
    QUEUED,
    SCHEDULED,
    Message,
    MessageQuery,
)
from brandlink.core.messaging.params import SendRequest, parse_send_request
from brandlink.core.messaging.repository import MessageRepository, ScheduledCapReached
from brandlink.core.messaging.scheduling import MessageScheduler, OneTimeSchedule, ScheduleWindow
from brandlink.core.messaging.segments import count_segments
from brandlink.core.messaging.send_queue import DispatchRequest, SendQueue
from brandlink.core.messaging.smart_encoding import smart_encode
from brandlink.core.messaging.status_callbacks import CallbackQueue
from brandlink.core.senders.model import IN_USE
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.services.model import MessagingService
from brandlink.core.services.repository import ServiceRepository

logger = logging.getLogger(__name__)

_SCHEDULED_ONLY = frozenset({SCHEDULED})


@dataclass(frozen=True)
class MessageLimits:
    window: ScheduleWindow
    scheduled_cap: int
    default_retention_days: int
    allow_private_urls: bool


ShorteningGate = Callable[[str, str], object]
"""``(account_sid, service_sid)``: raises ``ShorteningUnavailable`` (30106, 30101, 30107, 30102) when
the service cannot shorten links now; returns the shortening domain otherwise."""


@dataclass(frozen=True)
class MessagePorts:
    messages: MessageRepository
    services: ServiceRepository
    senders: SenderRepository
    send_queue: SendQueue
    scheduler: MessageScheduler
    callbacks: CallbackQueue
    shortening: ShorteningGate
    admission: SendAdmission | None = None
    """The per-account abuse limits (country, daily segments, send rate); None admits everything."""
    opt_outs: OptOutRegistry | None = None
    """Recipients who texted STOP (core/inbound/opt_out.py); None: nobody is ever refused (tests)."""


def retention_days(account: Account, default_days: int) -> int:
    return max(MIN_RETENTION_DAYS, account.retention_days or default_days)


def create_message(ports: MessagePorts, account: Account, form: Form, limits: MessageLimits, now: datetime) -> Message:
    request = parse_send_request(form, now=now, window=limits.window, allow_private=limits.allow_private_urls)
    service = _service_of(ports, account.sid, request.messaging_service_sid)
    if request.from_ is not None:
        _check_sender(ports, account.sid, request)
    refuse_opted_out(
        ports.opt_outs,
        lambda address: [s.service_sid for s in ports.senders.find_by_address(account.sid, address)],
        to=request.to,
        from_=request.from_,
        service_sid=request.messaging_service_sid,
    )
    if request.shorten_urls and request.messaging_service_sid is not None:
        _check_shortening(ports, account.sid, request.messaging_service_sid)
    message = _new_message(account, request, service, now, limits.default_retention_days)
    if ports.admission is not None:
        ports.admission.admit(account, message.to, message.num_segments, send_now=message.send_at is None)
    if message.send_at is not None:
        _schedule(ports, message, account.limits.scheduled_cap or limits.scheduled_cap)
    else:
        ports.messages.add(message)
        try:
            ports.send_queue.enqueue(DispatchRequest(message.account_sid, message.sid))
        except Exception:
            ports.messages.delete(message, expected_statuses=PENDING_STATUSES, release_scheduled_slot=False)
            raise
    return message


def _service_of(ports: MessagePorts, account_sid: str, service_sid: str | None) -> MessagingService | None:
    if service_sid is None:
        return None
    service = ports.services.get(account_sid, service_sid)
    if service is None:
        raise TwilioError(
            ErrorCode.SERVICE_NOT_FOUND, f"Messaging Service {service_sid} does not exist in this account."
        )
    return service


def _check_shortening(ports: MessagePorts, account_sid: str, service_sid: str) -> None:
    """Refuse at create only what dispatch would fail anyway: a domain problem under
    ``ContinueOnFailure=false``. With true (the default, and for a service without a domain config)
    the message is accepted and dispatch sends its links as written with a 30103 warning."""
    try:
        ports.shortening(account_sid, service_sid)
    except ShorteningUnavailable as exc:
        if not exc.continue_on_failure:
            raise


def _check_sender(ports: MessagePorts, account_sid: str, request: SendRequest) -> None:
    assert request.from_ is not None
    found = ports.senders.find_by_address(account_sid, request.from_)
    if not any(sender.status == IN_USE for sender in found):
        pending = " and verify it" if found else ""
        raise TwilioError(
            ErrorCode.FROM_NOT_A_SENDER,
            f"From {request.from_} is not a sender of this account: register it (IncomingPhoneNumbers){pending} "
            "or use a MessagingServiceSid.",
        )
    if request.to.startswith(WHATSAPP_PREFIX) != request.from_.startswith(WHATSAPP_PREFIX):
        raise TwilioError(
            ErrorCode.FROM_NOT_A_SENDER,
            "To and From must use the same channel: both whatsapp:+E164 addresses, or both SMS senders.",
        )


def _new_message(
    account: Account, request: SendRequest, service: MessagingService | None, now: datetime, default_days: int
) -> Message:
    smart = request.smart_encoded if request.smart_encoded is not None else bool(service and service.smart_encoding)
    body_to_send = smart_encode(request.body) if smart else request.body
    status = SCHEDULED if request.send_at is not None else ACCEPTED if service is not None else QUEUED
    kept_from = request.send_at or now
    return Message(
        sid=sids.new_sid("MM" if request.media_urls else "SM"),
        account_sid=account.sid,
        to=request.to,
        from_=request.from_,
        messaging_service_sid=request.messaging_service_sid,
        body=request.body,
        status=status,
        date_created=now,
        date_updated=now,
        expires_at=kept_from + timedelta(days=retention_days(account, default_days)),
        num_segments=count_segments(body_to_send).segments,
        media_urls=request.media_urls,
        send_at=request.send_at,
        status_callback=request.status_callback,
        validity_period=request.validity_period,
        smart_encoded=request.smart_encoded,
        shorten_urls=request.shorten_urls,
        tags=request.tags,
        options=request.options,
    )


def _schedule(ports: MessagePorts, message: Message, cap: int) -> None:
    assert message.send_at is not None
    try:
        ports.messages.add(message, scheduled_cap=cap)
    except ScheduledCapReached:
        raise TwilioError(
            ErrorCode.SCHEDULED_CAP_REACHED,
            f"This account already has {cap} scheduled messages: wait for some to be sent, or cancel some.",
        ) from None
    schedule = OneTimeSchedule(
        name=scheduling.schedule_name(message.sid),
        expression=scheduling.at_expression(message.send_at),
        payload=DispatchRequest(message.account_sid, message.sid).to_json(),
    )
    try:
        ports.scheduler.create(schedule)
    except Exception:
        ports.messages.delete(message, expected_statuses=_SCHEDULED_ONLY, release_scheduled_slot=True)
        raise


def message_sid_ok(sid: str) -> bool:
    return sids.is_sid(sid, "SM") or sids.is_sid(sid, "MM")


def get_message(ports: MessagePorts, account_sid: str, sid: str) -> Message:
    message = ports.messages.get(account_sid, sid) if message_sid_ok(sid) else None
    if message is None:
        raise TwilioError.not_found(f"Message {sid}")
    return message


def update_message(ports: MessagePorts, account_sid: str, sid: str, form: Form, now: datetime) -> Message:
    """``Status=canceled`` cancels a scheduled message; ``Body=`` (empty) redacts a finished one."""
    message = get_message(ports, account_sid, sid)
    status, body = form.get("Status"), form.get("Body")
    if status is not None and body is not None:
        raise TwilioError(
            ErrorCode.INVALID_UPDATE, "Give either Status=canceled or an empty Body (redaction), not both."
        )
    if status is not None:
        if status.strip().lower() != CANCELED:
            raise TwilioError(ErrorCode.INVALID_UPDATE, f"Status can only be set to 'canceled', got {status!r}.")
        return _cancel(ports, message, now)
    if body is not None:
        if body != "":
            raise TwilioError(
                ErrorCode.INVALID_UPDATE, "To redact a message, send Body with an empty value; it cannot be edited."
            )
        return _redact(ports, message, now)
    raise TwilioError(ErrorCode.INVALID_UPDATE, "Nothing to update: send Status=canceled or an empty Body.")


def _cancel(ports: MessagePorts, message: Message, now: datetime) -> Message:
    def cannot() -> TwilioError:
        return TwilioError(
            ErrorCode.CANNOT_CANCEL,
            f"Only a scheduled message can be canceled; message {message.sid} is {message.status}.",
        )

    if message.status != SCHEDULED:
        raise cannot()
    canceled = replace(message, status=CANCELED, date_updated=now)
    if not ports.messages.replace(canceled, expected_statuses=_SCHEDULED_ONLY, release_scheduled_slot=True):
        message = ports.messages.get(message.account_sid, message.sid) or message
        raise cannot()
    try:
        ports.scheduler.delete(scheduling.schedule_name(message.sid))
    except Exception:
        # Harmless if it stays: a schedule firing for a canceled message finds nothing to claim.
        logger.exception("could not delete the schedule of canceled message %s", message.sid)
    service = _service_or_none(ports, message)
    job = callback_job(canceled, service.status_callback if service else None)
    if job is not None:
        ports.callbacks.enqueue([job])
    return canceled


def _service_or_none(ports: MessagePorts, message: Message) -> MessagingService | None:
    if not message.messaging_service_sid:
        return None
    return ports.services.get(message.account_sid, message.messaging_service_sid)


def _redact(ports: MessagePorts, message: Message, now: datetime) -> Message:
    if message.status not in FINAL_STATUSES:
        raise TwilioError(
            ErrorCode.INVALID_UPDATE,
            f"Message {message.sid} is {message.status}: only a finished message can be redacted "
            "(cancel a scheduled one first).",
        )
    redacted = replace(message, body="", date_updated=now)
    if not ports.messages.replace(redacted, expected_statuses=FINAL_STATUSES):
        raise TwilioError.not_found(f"Message {message.sid}")
    return redacted


def delete_message(ports: MessagePorts, account_sid: str, sid: str) -> None:
    message = get_message(ports, account_sid, sid)
    in_progress = TwilioError(
        ErrorCode.DELETE_IN_PROGRESS,
        f"Message {sid} is {message.status}: delete it once it has finished (cancel a scheduled one first).",
        status=409,
    )
    if message.status not in FINAL_STATUSES:
        raise in_progress
    if not ports.messages.delete(message, expected_statuses=FINAL_STATUSES, release_scheduled_slot=False):
        raise TwilioError.not_found(f"Message {sid}")


def _day_start(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _later(value: datetime, delta: timedelta) -> datetime | None:
    """``value + delta``, or None (no bound) past the last representable date (year 9999)."""
    try:
        return value + delta
    except OverflowError:
        return None


def _is_midnight(value: datetime) -> bool:
    return value == _day_start(value)


def parse_query(form: Form) -> tuple[MessageQuery, dict[str, str]]:
    """The list filters and the query parameters that page links must repeat.

    ``DateSent`` is a day (a date-time counts as its UTC day). ``DateSent<`` means on or before and
    ``DateSent>`` on or after: a date, or a date-time at midnight UTC (the helper library sends dates
    that way), covers its whole day; any other date-time is an exact instant.
    """
    extra: dict[str, str] = {}
    values: dict[str, datetime] = {}
    for name in ("DateSent", "DateSent<", "DateSent>"):
        raw = form.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[name] = parse_date_or_datetime(raw)
        except ValueError:
            raise TwilioError.invalid_parameter(
                name, f"expected a date (2024-01-31) or an ISO-8601 date-time, got {raw!r}."
            ) from None
        extra[name] = raw.strip()
    sent_from: datetime | None = None
    sent_before: datetime | None = None
    if "DateSent" in values:
        sent_from = _day_start(values["DateSent"])
        sent_before = _later(sent_from, timedelta(days=1))
    if "DateSent>" in values:
        after = values["DateSent>"]
        after = _day_start(after) if _is_midnight(after) else after
        sent_from = max(sent_from, after) if sent_from else after
    if "DateSent<" in values:
        before = values["DateSent<"]
        until = _later(before, timedelta(days=1) if _is_midnight(before) else timedelta(microseconds=1))
        if until is not None:
            sent_before = min(sent_before, until) if sent_before else until
    to, from_ = (form.get("To") or "").strip() or None, (form.get("From") or "").strip() or None
    if to:
        extra["To"] = to
    if from_:
        extra["From"] = from_
    return MessageQuery(to=to, from_=from_, sent_from=sent_from, sent_before=sent_before), extra


def list_messages(
    ports: MessagePorts, account_sid: str, form: Form, signer: PageSigner, now: datetime
) -> Listing[Message]:
    request = PageRequest.from_form(form, signer)
    query, extra = parse_query(form)
    return Listing(checked_page(lambda: ports.messages.page(account_sid, request, query, now)), request, extra)
