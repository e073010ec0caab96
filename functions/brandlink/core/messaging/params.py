"""The parameters of ``POST Messages.json``, validated in one pass before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from brandlink.core.common import sids
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import WHATSAPP_PREFIX, Form
from brandlink.core.common.urls import validate_callback_url
from brandlink.core.messaging import scheduling
from brandlink.core.messaging.model import MessageOptions
from brandlink.core.senders.selection import parse_destination
from brandlink.core.services.model import MAX_VALIDITY_PERIOD, MIN_VALIDITY_PERIOD

MAX_BODY_CHARS = 1600
MAX_MEDIA = 10
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 10, 128, 256
# Ten keys and values at their longest, each character escaped as \u plus four hex digits, plus quotes and separators.
MAX_TAGS_CHARS = MAX_TAGS * (MAX_TAG_KEY + MAX_TAG_VALUE) * 6 + 64
MAX_PERSISTENT_ACTIONS, MAX_PERSISTENT_ACTION_CHARS = 10, 2048


@dataclass(frozen=True)
class SendRequest:
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    media_urls: tuple[str, ...] = ()
    status_callback: str | None = None
    validity_period: int | None = None
    smart_encoded: bool | None = None
    shorten_urls: bool = False
    send_at: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    options: MessageOptions = field(default_factory=MessageOptions)

    @property
    def channel(self) -> str:
        return "whatsapp" if self.to.startswith(WHATSAPP_PREFIX) else "sms"


def _optional(form: Form, name: str) -> str | None:
    value = form.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _optional_address(form: Form, name: str) -> str | None:
    return form.get_address(name) or None


def _to(form: Form) -> str:
    to = _optional_address(form, "To")
    if to is None:
        raise TwilioError(
            ErrorCode.TO_REQUIRED, "A 'To' phone number is required: give it in E.164 form, e.g. +14155552671."
        )
    try:
        parse_destination(to)
    except ValueError:
        raise TwilioError(
            ErrorCode.INVALID_TO,
            f"The 'To' number {to} is not a valid phone number: use E.164 (+14155552671) or whatsapp:+14155552671.",
        ) from None
    return to


def _service_sid(form: Form) -> str | None:
    raw = _optional(form, "MessagingServiceSid")
    if raw is None:
        return None
    canonical = sids.canonical(raw, "MG")
    if canonical is None:
        raise TwilioError(
            ErrorCode.INVALID_SERVICE_SID,
            f"MessagingServiceSid {raw!r} is not valid: it is MG followed by 32 hex characters.",
        )
    return canonical


def _body_and_media(form: Form, *, allow_private: bool) -> tuple[str, tuple[str, ...]]:
    body = form.get("Body")
    media = [value.strip() for value in form.get_list("MediaUrl")]
    if body is None and not media:
        raise TwilioError(ErrorCode.BODY_OR_MEDIA_REQUIRED, "A text message Body or at least one MediaUrl is required.")
    if body is not None and body.strip() == "" and not media:
        raise TwilioError(
            ErrorCode.BODY_REQUIRED, "The message Body is empty: give a text, or a MediaUrl to send media only."
        )
    text = body or ""
    if len(text) > MAX_BODY_CHARS:
        raise TwilioError(
            ErrorCode.BODY_TOO_LONG, f"The Body is {len(text)} characters; the maximum is {MAX_BODY_CHARS}."
        )
    if len(media) > MAX_MEDIA:
        raise TwilioError(
            ErrorCode.TOO_MANY_MEDIA, f"{len(media)} MediaUrl values given; at most {MAX_MEDIA} are allowed."
        )
    checked = tuple(
        validate_callback_url(url, allow_private=allow_private, code=ErrorCode.INVALID_MEDIA_URL, parameter="MediaUrl")
        for url in media
    )
    return text, checked


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON ``text`` opens more than ``limit`` arrays/objects inside each other.

    Checked before ``json.loads``, which recurses once per level: a value of a few thousand ``[``
    would otherwise raise RecursionError (a 500) instead of a 400. Brackets inside strings do not
    count; the scan stops at the first level too deep.
    """
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _tags(form: Form) -> dict[str, str]:
    """``Tags``: a flat JSON object of string keys and string values (nothing nested), as Twilio's."""
    raw = form.get("Tags")
    if raw is None or raw.strip() == "":
        return {}
    why = f'must be a JSON object of strings, e.g. {{"campaign": "spring", "variant": "B"}}; got {raw[:80]!r}.'
    if len(raw) > MAX_TAGS_CHARS:
        raise TwilioError.invalid_parameter(
            "Tags", f"is {len(raw)} characters long; at most {MAX_TAGS_CHARS} are accepted."
        )
    if _nesting_exceeds(raw, 1):
        raise TwilioError.invalid_parameter("Tags", why)
    try:
        tags = json.loads(raw)
    except ValueError:
        raise TwilioError.invalid_parameter("Tags", why) from None
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise TwilioError.invalid_parameter("Tags", why)
    if len(tags) > MAX_TAGS:
        raise TwilioError.invalid_parameter("Tags", f"has {len(tags)} keys; at most {MAX_TAGS} are allowed.")
    for key, value in tags.items():
        if not (_encodable(key) and _encodable(value)):
            raise TwilioError.invalid_parameter(
                "Tags", "contains a lone UTF-16 surrogate escape (\\ud800-\\udfff); send text."
            )
        if not key or len(key) > MAX_TAG_KEY:
            raise TwilioError.invalid_parameter(
                "Tags", f"keys must be 1 to {MAX_TAG_KEY} characters, got {key[:40]!r}."
            )
        if len(value) > MAX_TAG_VALUE:
            raise TwilioError.invalid_parameter("Tags", f"the value of {key!r} is over {MAX_TAG_VALUE} characters.")
    return tags


def _persistent_actions(form: Form) -> tuple[str, ...]:
    actions = tuple(value.strip() for value in form.get_list("PersistentAction") if value.strip())
    if len(actions) > MAX_PERSISTENT_ACTIONS:
        raise TwilioError.invalid_parameter("PersistentAction", f"at most {MAX_PERSISTENT_ACTIONS} values are allowed.")
    for action in actions:
        scheme, colon, _rest = action.partition(":")
        if not colon or not scheme.isalpha() or len(action) > MAX_PERSISTENT_ACTION_CHARS:
            raise TwilioError.invalid_parameter(
                "PersistentAction",
                f"each value is a URI such as geo:37.78,-122.39 or mailto:a@example.com, got {action!r}.",
            )
    return actions


def _options(form: Form) -> MessageOptions:
    return MessageOptions(
        attempt=form.get_int("Attempt", minimum=1),
        provide_feedback=form.get_bool("ProvideFeedback"),
        force_delivery=form.get_bool("ForceDelivery"),
        send_as_mms=form.get_bool("SendAsMms"),
        persistent_action=_persistent_actions(form),
        risk_check=form.get_choice("RiskCheck", ("enable", "disable")),
        content_retention=form.get_choice("ContentRetention", ("retain", "discard")),
        address_retention=form.get_choice("AddressRetention", ("retain", "obfuscate")),
    )


def parse_send_request(
    form: Form, *, now: datetime, window: scheduling.ScheduleWindow, allow_private: bool
) -> SendRequest:
    """Every parameter checked, most specific error first; raises ``TwilioError``."""
    to = _to(form)
    from_ = _optional_address(form, "From")
    service_sid = _service_sid(form)
    if from_ is None and service_sid is None:
        raise TwilioError(
            ErrorCode.SENDER_REQUIRED, "A 'From' number or a MessagingServiceSid is required: give one of them."
        )
    body, media = _body_and_media(form, allow_private=allow_private)
    callback = _optional(form, "StatusCallback")
    if callback is not None:
        callback = validate_callback_url(
            callback, allow_private=allow_private, code=ErrorCode.INVALID_STATUS_CALLBACK, parameter="StatusCallback"
        )
    validity = form.get_int("ValidityPeriod", minimum=MIN_VALIDITY_PERIOD, maximum=MAX_VALIDITY_PERIOD)
    smart_encoded = form.get_bool("SmartEncoded")
    shorten_urls = bool(form.get_bool("ShortenUrls", False))
    if shorten_urls and service_sid is None:
        raise TwilioError.invalid_parameter(
            "ShortenUrls", "link shortening needs a MessagingServiceSid whose service has a shortening domain."
        )
    send_at = scheduling.parse_send_at(
        form.get("ScheduleType"), form.get("SendAt"), service_sid, now=now, window=window
    )
    return SendRequest(
        to=to,
        from_=from_,
        messaging_service_sid=service_sid,
        body=body,
        media_urls=media,
        status_callback=callback,
        validity_period=validity,
        smart_encoded=smart_encoded,
        shorten_urls=shorten_urls,
        send_at=send_at,
        tags=_tags(form),
        options=_options(form),
    )
