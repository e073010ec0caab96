"""A message's Media and Feedback subresources (the ``subresource_uris`` every message advertises).

Media: Brandlink keeps a message's ``MediaUrl`` values, not copies of the files, so each URL is one
Media resource. Its SID is derived from the message SID, the URL's position and the URL (stable
across calls, no extra storage) and its ``content_type`` is guessed from the URL's file extension
(Brandlink never downloads the media), ``application/octet-stream`` when the extension says nothing.

Feedback: ``Outcome=confirmed|unconfirmed`` (``confirmed`` when left out) is recorded on the message;
the first report answers 201, later ones 200 with the first ``date_created`` kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from brandlink.core.common.dates import rfc2822
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Cursor, Listing, Page, PageRequest, PageSigner, invalid_token
from brandlink.core.messaging.actions import MessagePorts, get_message
from brandlink.core.messaging.model import Message, MessageFeedback
from brandlink.core.messaging.render import message_base
from brandlink.core.messaging.repository import MessageRepository

if TYPE_CHECKING:
    from mimetypes import MimeTypes

OUTCOMES = ("confirmed", "unconfirmed")
DEFAULT_OUTCOME = "confirmed"
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Media:
    sid: str
    message: Message
    url: str


@lru_cache(maxsize=1)
def _mime_types() -> MimeTypes:
    # Python's built-in table only: the same answer on every machine, whatever /etc/mime.types says.
    # Imported on first use: only the media routes need it, not the API's cold start.
    from mimetypes import MimeTypes

    return MimeTypes(filenames=())


def content_type(url: str) -> str:
    guessed, _encoding = _mime_types().guess_type(urlsplit(url).path, strict=False)
    return guessed or UNKNOWN_CONTENT_TYPE


def media_sid(message_sid: str, index: int, url: str) -> str:
    return "ME" + hashlib.sha256(f"{message_sid}|{index}|{url}".encode()).hexdigest()[:32]


def media_of(message: Message) -> list[Media]:
    return [Media(media_sid(message.sid, i, url), message, url) for i, url in enumerate(message.media_urls)]


def find_media(message: Message, sid: str) -> Media:
    for media in media_of(message):
        if media.sid == sid.strip():
            return media
    raise TwilioError.not_found(f"Media {sid} of message {message.sid}")


def media_resource(media: Media) -> dict[str, Any]:
    message = media.message
    return {
        "account_sid": message.account_sid,
        "content_type": content_type(media.url),
        "date_created": rfc2822(message.date_created),
        "date_updated": rfc2822(message.date_created),
        "parent_sid": message.sid,
        "sid": media.sid,
        "uri": f"{message_base(message.account_sid, message.sid)}/Media/{media.sid}.json",
    }


def _index_of(cursor: Cursor, length: int) -> int:
    """The list position a media page cursor names; a cursor of any other list is a bad token."""
    raw = cursor.get("index", {}).get("N") if set(cursor) == {"index"} else None
    if raw is None or not (raw.isascii() and raw.isdigit()) or int(raw) >= max(length, 1):
        raise invalid_token()
    return int(raw)


def media_page(message: Message, request: PageRequest) -> tuple[list[Media], Cursor | None, Cursor | None]:
    """One page of the message's media (at most 10), with the same PA/PB tokens as table lists."""
    media = media_of(message)
    if request.cursor is None:
        start = 0
    elif request.forward:
        start = _index_of(request.cursor, len(media)) + 1
    else:
        start = max(_index_of(request.cursor, len(media)) - request.page_size, 0)
    items = media[start : start + request.page_size]
    end = start + len(items)
    next_cursor = {"index": {"N": str(end - 1)}} if items and end < len(media) else None
    previous_cursor = {"index": {"N": str(start)}} if items and start > 0 else None
    return items, next_cursor, previous_cursor


def feedback_outcome(form: Form) -> str:
    """``Outcome`` (any case); ``confirmed`` when the parameter is left out, a 400 when it is blank."""
    raw = form.get("Outcome")
    if raw is None:
        return DEFAULT_OUTCOME
    outcome = raw.strip().lower()
    if outcome not in OUTCOMES:
        raise TwilioError.invalid_parameter("Outcome", f"must be confirmed or unconfirmed, got {raw[:40]!r}.")
    return outcome


def record_feedback(
    repo: MessageRepository, message: Message, outcome: str, now: datetime
) -> tuple[MessageFeedback, bool]:
    """Store the outcome on the message: ``(feedback, first)``; a message gone meanwhile is 20404."""
    previous = message.feedback
    feedback = MessageFeedback(outcome, previous.date_created if previous else now, now)
    if not repo.record_feedback(message, feedback):
        raise TwilioError.not_found(f"Message {message.sid}")
    return feedback, previous is None


def feedback_resource(message: Message, feedback: MessageFeedback) -> dict[str, Any]:
    return {
        "account_sid": message.account_sid,
        "message_sid": message.sid,
        "outcome": feedback.outcome,
        "date_created": rfc2822(feedback.date_created),
        "date_updated": rfc2822(feedback.date_updated),
        "uri": f"{message_base(message.account_sid, message.sid)}/Feedback.json",
    }


# ---- what the routes call -----------------------------------------------------------------------


def list_media(
    ports: MessagePorts, account_sid: str, message_sid: str, params: Form, signer: PageSigner
) -> tuple[Message, Listing[Media]]:
    message = get_message(ports, account_sid, message_sid)
    request = PageRequest.from_form(params, signer)
    items, next_cursor, previous_cursor = media_page(message, request)
    return message, Listing(Page(items, next_cursor, previous_cursor), request)


def get_media(ports: MessagePorts, account_sid: str, message_sid: str, sid: str) -> Media:
    return find_media(get_message(ports, account_sid, message_sid), sid)


def give_feedback(
    ports: MessagePorts, account_sid: str, message_sid: str, form: Form, now: datetime
) -> tuple[Message, MessageFeedback, bool]:
    """``POST …/Feedback.json``: the message, its recorded feedback and whether it is the first report."""
    message = get_message(ports, account_sid, message_sid)
    outcome = feedback_outcome(form)
    feedback, first = record_feedback(ports.messages, message, outcome, now)
    return message, feedback, first
