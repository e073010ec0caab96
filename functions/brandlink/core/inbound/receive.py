"""What the inbound function does with one ``InboundEvent``.

1. **Owner**: the ``To`` address's sender claim names the account (``core/senders/claims.py``); the
   account's sender with that address names the Messaging Service whose pool it is in. An address
   nobody holds, or an account that is not active, drops the message (logged).
2. **Record**: an inbound message (``direction: inbound``, status ``received``, SID derived from the
   provider's message id) is written, so ``Messages.json`` lists it. A second delivery of the same
   provider message finds it and is ignored — unless it is SQS redelivering a record whose first
   processing did not finish (``redelivered``), which then goes on with the steps below.
3. **Opt-out keywords** (``core/inbound/opt_out.py``): STOP/START change the recipient's opt-out in
   the service (else sender) scope; each keyword's confirmation reply is sent.
4. **Incoming Messages Handling**: the service's ``InboundRequestUrl`` — or, with
   ``UseInboundWebhookOnNumber`` (or no service), the number's own ``SmsUrl`` — gets Twilio's inbound
   form signed with ``X-Twilio-Signature`` (the account's token). No URL: the message is only
   recorded (Twilio's "drop"). A failed post raises, so SQS retries it and finally parks it in the DLQ.
5. **TwiML**: each ``<Message>`` of the answer is sent back from the same sender to the handset
   (``outbound-reply``), unless the handset opted out. Bad TwiML is logged; nothing is sent.

Replies have SIDs derived from the inbound SID, so a retried event never sends one twice (dispatch
claims each message once).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from brandlink.core.accounts.model import Account
from brandlink.core.accounts.repository import AccountRepository
from brandlink.core.common.dates import utcnow
from brandlink.core.common.signing import compute_signature
from brandlink.core.inbound.model import InboundEvent
from brandlink.core.inbound.opt_out import (
    OptOutRegistry,
    OptOutSettings,
    OptOutSettingsStore,
    OptOutType,
    opt_out_scope,
    recipient_key,
)
from brandlink.core.inbound.twiml import InvalidTwiml, TwimlReply, looks_like_twiml, parse_replies
from brandlink.core.messaging.actions import retention_days
from brandlink.core.messaging.model import API_VERSION, INBOUND, OUTBOUND_REPLY, QUEUED, RECEIVED, Message
from brandlink.core.messaging.repository import MessageRepository
from brandlink.core.messaging.segments import count_segments
from brandlink.core.messaging.send_queue import DispatchRequest, SendQueue
from brandlink.core.senders.claims import SenderClaims, claim_address
from brandlink.core.senders.model import IN_USE, Sender
from brandlink.core.senders.repository import SenderRepository
from brandlink.core.services.model import MessagingService
from brandlink.core.services.repository import ServiceRepository

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    RECORDED = "recorded"  # recorded, nobody to tell (drop)
    FORWARDED = "forwarded"  # recorded and posted to a webhook
    DUPLICATE = "duplicate"
    UNKNOWN_SENDER = "unknown_sender"  # no account holds the To address: dropped


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes
    content_type: str


class WebhookRejected(Exception):
    """The inbound webhook answered with a status other than 2xx: SQS retries the event."""


class InboundPoster(Protocol):
    def send(self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> WebhookAnswer:
        """POST the form (or GET with it as the query); raises ``OSError`` when nothing answered."""
        ...


@dataclass(frozen=True)
class InboundPorts:
    messages: MessageRepository
    accounts: AccountRepository
    claims: SenderClaims
    senders: SenderRepository
    services: ServiceRepository
    opt_outs: OptOutRegistry
    opt_out_settings: OptOutSettingsStore
    send_queue: SendQueue
    poster: InboundPoster
    signing_token: Callable[[Account], str]
    default_retention_days: int


@dataclass(frozen=True)
class _Owner:
    account: Account
    sender: Sender | None
    service: MessagingService | None


@dataclass
class InboundReceiver:
    ports: InboundPorts
    clock: Callable[[], datetime] = utcnow

    def receive(self, event: InboundEvent, *, redelivered: bool = False) -> Outcome:
        owner = self._owner(event)
        if owner is None:
            logger.warning("inbound message to %s dropped: no active account holds that sender", event.to)
            return Outcome.UNKNOWN_SENDER
        message = self._record(event, owner, redelivered)
        if message is None:
            return Outcome.DUPLICATE
        scope = opt_out_scope(owner.service.sid if owner.service else None, _sender_address(owner, event))
        settings = self.ports.opt_out_settings.get(owner.service.sid) if owner.service else OptOutSettings()
        matched = settings.match(event.body, _country(event.from_))
        keyword = matched[0] if matched else None
        if matched is not None:
            kind, rules = matched
            self._apply_keyword(kind, scope, event, owner)
            reply = rules.replies.get(kind, "")
            if reply:
                self._send_replies(message, owner, [TwimlReply(reply)], first_index=0)
        url, method = _webhook(owner)
        if not url:
            return Outcome.RECORDED
        answer = self._post(message, owner, url, method, keyword)
        if looks_like_twiml(answer.content_type, answer.body):
            try:
                replies = parse_replies(answer.body)
            except InvalidTwiml as exc:
                logger.warning("the TwiML answer of %s for %s is invalid, nothing sent: %s", url, message.sid, exc)
                return Outcome.FORWARDED
            if replies and self.ports.opt_outs.is_opted_out(scope, recipient_key(event.from_)):
                logger.info("TwiML replies to %s not sent: the recipient opted out", message.sid)
            elif replies:
                self._send_replies(message, owner, replies, first_index=1)
        return Outcome.FORWARDED

    # ---- steps -----------------------------------------------------------------------------------

    def _owner(self, event: InboundEvent) -> _Owner | None:
        claim = self.ports.claims.get(_claim_key(event))
        if claim is None:
            return None
        account = self.ports.accounts.get(claim.account_sid)
        if account is None or account.status != "active":
            return None
        found = [s for s in self.ports.senders.find_by_address(account.sid, event.to) if s.status == IN_USE]
        sender = next((s for s in found if s.service_sid), found[0] if found else None)
        service = None
        if sender is not None and sender.service_sid:
            service = self.ports.services.get(account.sid, sender.service_sid)
        return _Owner(account, sender, service)

    def _record(self, event: InboundEvent, owner: _Owner, redelivered: bool) -> Message | None:
        """The new inbound message, or the existing one when SQS redelivers; None for a duplicate."""
        sid = event.message_sid
        existing = self.ports.messages.get(owner.account.sid, sid)
        if existing is not None:
            return existing if redelivered else None
        now = self.clock()
        message = Message(
            sid=sid,
            account_sid=owner.account.sid,
            to=event.to,
            from_=event.from_,
            messaging_service_sid=owner.service.sid if owner.service else None,
            body=event.body,
            status=RECEIVED,
            date_created=now,
            date_updated=now,
            date_sent=event.received_at,
            expires_at=now + timedelta(days=retention_days(owner.account, self.ports.default_retention_days)),
            num_segments=count_segments(event.body).segments if event.body else 1,
            media_urls=event.media_urls,
            provider_message_id=event.provider_message_id,
            direction=INBOUND,
        )
        try:
            self.ports.messages.add(message)
        except Exception:
            # A concurrent copy of the same provider message wrote it first: that copy handles it.
            if self.ports.messages.get(owner.account.sid, sid) is not None:
                return None
            raise
        return message

    def _apply_keyword(self, kind: OptOutType, scope: str, event: InboundEvent, owner: _Owner) -> None:
        recipient = recipient_key(event.from_)
        if kind is OptOutType.STOP:
            self.ports.opt_outs.opt_out(scope, recipient, owner.account.sid)
        elif kind is OptOutType.START:
            self.ports.opt_outs.opt_in(scope, recipient)
        logger.info("opt-out keyword %s from %s in %s", kind.value, recipient, scope)

    def _post(
        self, message: Message, owner: _Owner, url: str, method: str, keyword: OptOutType | None
    ) -> WebhookAnswer:
        params = inbound_form(message, keyword)
        token = self.ports.signing_token(owner.account)
        if method == "GET":
            target = _with_query(url, params)
            headers = {"X-Twilio-Signature": compute_signature(token, target)}
            answer = self.ports.poster.send("GET", target, {}, headers)
        else:
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": compute_signature(token, url, params),
            }
            answer = self.ports.poster.send("POST", url, params, headers)
        if not 200 <= answer.status < 300:
            raise WebhookRejected(f"{url} answered HTTP {answer.status}")
        return answer

    def _send_replies(self, inbound: Message, owner: _Owner, replies: list[TwimlReply], first_index: int) -> None:
        now = self.clock()
        keep = timedelta(days=retention_days(owner.account, self.ports.default_retention_days))
        for offset, reply in enumerate(replies):
            sid = reply_sid(inbound.sid, first_index + offset, bool(reply.media_urls))
            message = Message(
                sid=sid,
                account_sid=inbound.account_sid,
                to=inbound.from_ or "",
                from_=inbound.to,
                messaging_service_sid=inbound.messaging_service_sid,
                body=reply.body,
                status=QUEUED,
                date_created=now,
                date_updated=now,
                expires_at=now + keep,
                num_segments=count_segments(reply.body).segments,
                media_urls=reply.media_urls,
                direction=OUTBOUND_REPLY,
            )
            existing = self.ports.messages.get(inbound.account_sid, sid)
            if existing is None:
                self.ports.messages.add(message)
            elif existing.status != QUEUED:
                continue  # already dispatched by an earlier run of this event
            self.ports.send_queue.enqueue(DispatchRequest(inbound.account_sid, sid))


def inbound_form(message: Message, keyword: OptOutType | None) -> dict[str, str]:
    """Twilio's incoming-message webhook parameters."""
    params = {
        "MessageSid": message.sid,
        "SmsSid": message.sid,
        "SmsMessageSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_ or "",
        "To": message.to,
        "Body": message.body,
        "NumMedia": str(len(message.media_urls)),
        "NumSegments": str(message.num_segments),
        "SmsStatus": RECEIVED,
        "ApiVersion": API_VERSION,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    for index, url in enumerate(message.media_urls):
        params[f"MediaUrl{index}"] = url
    for prefix, address in (("From", message.from_ or ""), ("To", message.to)):
        country = _country(address)
        if country:
            params[f"{prefix}Country"] = country
    if keyword is not None:
        params["OptOutType"] = keyword.value
    return params


def reply_sid(inbound_sid: str, index: int, media: bool) -> str:
    digest = hashlib.sha256(f"{inbound_sid}#reply#{index}".encode()).hexdigest()[:32]
    return ("MM" if media else "SM") + digest


def _webhook(owner: _Owner) -> tuple[str | None, str]:
    """Incoming Messages Handling: the service's URL, or the number's when the service defers to it."""
    service, sender = owner.service, owner.sender
    if service is not None and not service.use_inbound_webhook_on_number:
        return service.inbound_request_url, (service.inbound_method or "POST").upper()
    if sender is not None and sender.sms_url:
        return sender.sms_url, (sender.sms_method or "POST").upper()
    return None, "POST"


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(sorted(params.items()))) if part)
    return urlunsplit(parts._replace(query=query))


def _sender_address(owner: _Owner, event: InboundEvent) -> str:
    return owner.sender.address if owner.sender is not None else event.to


def _claim_key(event: InboundEvent) -> str:
    """Numbers are claimed by E.164; a short code per country (taken from the handset's number)."""
    if event.to.isdigit():
        return claim_address("short_code", event.to, _country(event.from_))
    return claim_address("phone_number", event.to)


def _country(address: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(recipient_key(address), None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number) or None
