"""Each provider's inbound payload → ``InboundEvent`` (the inbound queue's message).

* ``sms`` — AWS End User Messaging SMS two-way: the phone number's two-way channel is an SNS topic
  subscribed by the inbound queue, so an SQS body is the SNS envelope
  (``{"Type": "Notification", "Message": "<json>", ...}``) whose ``Message`` holds
  ``originationNumber`` (the handset), ``destinationNumber`` (our number), ``messageBody`` and
  ``inboundMessageId``.
* ``twilio`` — Twilio's incoming-message webhook form (``MessageSid``, ``From``, ``To``, ``Body``,
  ``NumMedia``, ``MediaUrl0``…), checked with the upstream account's token before it is mapped.
* ``webhook`` — the HTTPS webhook provider's JSON (``id``, ``from``, ``to``, ``body``,
  ``media_urls``), checked with the deployment's HMAC secret before it is mapped.
* ``outbox`` — ``brandlink --local reply`` builds the event itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from brandlink.core.inbound.model import InboundEvent

MAX_MEDIA = 10


def parse_queue_body(raw: str, now: datetime) -> InboundEvent:
    """An inbound-queue body: an ``InboundEvent`` or an SNS notification of End User Messaging.
    Raises ``ValueError`` for anything else (never better on retry: it goes to the DLQ)."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("an inbound queue message is a JSON object")
    if data.get("inbound") == 1:
        return InboundEvent.from_dict(data)
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        return from_end_user_messaging(json.loads(data["Message"]), now)
    raise ValueError("neither an inbound event nor an SNS notification")


def from_end_user_messaging(payload: Mapping[str, Any], now: datetime) -> InboundEvent:
    """The two-way SMS JSON End User Messaging publishes to the number's SNS topic."""
    fields = {name: payload.get(name) for name in ("originationNumber", "destinationNumber", "inboundMessageId")}
    missing = [name for name, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        raise ValueError(f"the two-way SMS payload lacks {', '.join(missing)}")
    body = payload.get("messageBody")
    return InboundEvent(
        provider="sms",
        provider_message_id=str(fields["inboundMessageId"]),
        from_=str(fields["originationNumber"]),
        to=str(fields["destinationNumber"]),
        body=body if isinstance(body, str) else "",
        received_at=now,
    )


def from_twilio_form(form: Mapping[str, str], now: datetime) -> InboundEvent:
    """Twilio's incoming-message webhook (its signature already checked)."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    sender, to = form.get("From") or "", form.get("To") or ""
    if not sid or not sender or not to:
        raise ValueError("an incoming Twilio message has MessageSid, From and To")
    try:
        count = min(MAX_MEDIA, int(form.get("NumMedia") or 0))
    except ValueError:
        count = 0
    media = tuple(form[f"MediaUrl{i}"] for i in range(count) if form.get(f"MediaUrl{i}"))
    return InboundEvent("twilio", sid, sender, to, form.get("Body") or "", now, media)


def from_webhook_json(payload: Mapping[str, Any], now: datetime) -> InboundEvent:
    """The HTTPS webhook provider's inbound JSON (its HMAC already checked)."""
    ident, sender, to = payload.get("id"), payload.get("from"), payload.get("to")
    if not all(isinstance(v, str) and v for v in (ident, sender, to)):
        raise ValueError("an inbound webhook message has the strings id, from and to")
    body = payload.get("body", "")
    media = payload.get("media_urls") or []
    if not isinstance(body, str) or not isinstance(media, list) or not all(isinstance(u, str) for u in media):
        raise ValueError("body is a string and media_urls a list of URLs")
    return InboundEvent("webhook", str(ident), str(sender), str(to), body, now, tuple(media[:MAX_MEDIA]))
