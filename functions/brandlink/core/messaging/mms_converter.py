"""MMS Converter: a service with ``MmsConverter=true`` whose message has ``MediaUrl``s that the
provider or the destination cannot carry as MMS sends an SMS instead, with one short link per media
file appended to the body (one per line).

Which sends carry MMS (docs/inbound.md, "MMS Converter"): the ``twilio``, ``webhook`` and ``outbox``
providers pass media on, and only to numbers in the United States, Canada and Puerto Rico (where MMS
is offered on long codes and short codes). ``sms`` (End User Messaging, sent as text) and ``sns``
never carry media. Everything else is converted; without the converter the media URLs stay on the
message and text-only providers append them as written (``OutgoingMessage.text_with_media_links``).

The links come from the link shortener (core/links/sending.py, its public ``LinkShortener.shorten``)
on the service's shortening domain, expiring after 365 days. When the service cannot shorten (no
domain config, a domain problem, the rate limit) the media URLs are appended as written: the message
still goes out. Segments are counted on the converted body by dispatch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from brandlink.core.links.sending import LinkShortener, ShorteningRefused
from brandlink.core.messaging.model import Message
from brandlink.core.services.model import MessagingService

logger = logging.getLogger(__name__)

MMS_PROVIDERS = frozenset({"twilio", "webhook", "outbox"})
MMS_COUNTRIES = frozenset({"US", "CA", "PR"})
MEDIA_LINK_DAYS = 365


def can_carry_mms(provider: str, to: str) -> bool:
    """Whether ``provider`` can deliver media to ``to`` as MMS."""
    if provider not in MMS_PROVIDERS:
        return False
    import phonenumbers

    try:
        number = phonenumbers.parse(to.rpartition(":")[2], None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(number) in MMS_COUNTRIES


@dataclass
class MmsConverter:
    provider: str
    shortener: Callable[[], LinkShortener | None]
    """The dispatcher's shortener (None: media URLs are appended as written)."""

    def convert(
        self, message: Message, service: MessagingService | None, from_: str, body: str, now: datetime
    ) -> tuple[str, tuple[str, ...]]:
        """``(body, media_urls)`` to send: unchanged, or the body with a link per media and no media."""
        if not message.media_urls or service is None or not service.mms_converter:
            return body, message.media_urls
        if can_carry_mms(self.provider, message.to):
            return body, message.media_urls
        links = self._links(message, from_, now)
        converted = "\n".join(part for part in (body, links) if part)
        return converted, ()

    def _links(self, message: Message, from_: str, now: datetime) -> str:
        as_written = "\n".join(message.media_urls)
        shortener = self.shortener()
        if shortener is None:
            return as_written
        media_only = replace(message, body=as_written, shorten_urls=True)
        try:
            result = replace(shortener, link_ttl_days=MEDIA_LINK_DAYS).shorten(media_only, from_, now)
        except ShorteningRefused as exc:
            logger.warning("media links of %s not shortened (%s): sent as written", message.sid, exc.message)
            return as_written
        return result.body
