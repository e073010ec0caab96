"""The TwiML answer of an inbound webhook: ``<Response><Message>…</Message></Response>`` → replies.

Parsed with ``defusedxml`` (no DTDs, no entity expansion, no external entities): the document comes
from a customer's server and is untrusted. Only what a reply needs is read: each ``<Message>``'s
text (or its ``<Body>`` child) and its ``<Media>`` children. Anything else that is not valid TwiML for
messaging (another root, an unknown verb) raises ``InvalidTwiml``; the caller logs it and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_REPLIES = 10
# Verbs of a messaging response that send nothing Brandlink must act on.
_IGNORED_VERBS = frozenset({"Redirect"})


class InvalidTwiml(ValueError):
    """The answer is not a TwiML messaging response; the message says why."""


@dataclass(frozen=True)
class TwimlReply:
    body: str
    media_urls: tuple[str, ...] = ()


def looks_like_twiml(content_type: str, body: bytes) -> bool:
    """An empty answer or a plain-text one is no TwiML; XML content types or a ``<`` start are."""
    kind = content_type.split(";")[0].strip().lower()
    return bool(body.strip()) and (kind in ("text/xml", "application/xml") or body.lstrip().startswith(b"<"))


def parse_replies(document: bytes) -> list[TwimlReply]:
    try:
        root = fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise InvalidTwiml(f"not well-formed XML: {exc}") from None
    if root.tag != "Response":
        raise InvalidTwiml(f"the root element is <{root.tag}>, not <Response>")
    replies: list[TwimlReply] = []
    for verb in root:
        if verb.tag in _IGNORED_VERBS:
            continue
        if verb.tag != "Message":
            raise InvalidTwiml(f"<{verb.tag}> is not a messaging verb (use <Message>)")
        replies.append(_message(verb))
    if len(replies) > MAX_REPLIES:
        raise InvalidTwiml(f"{len(replies)} <Message> verbs; at most {MAX_REPLIES} are sent")
    return replies


def _message(verb: Element) -> TwimlReply:
    body_parts = [verb.text or ""]
    media: list[str] = []
    for child in verb:
        if child.tag == "Body":
            body_parts.append(child.text or "")
        elif child.tag == "Media":
            media.append((child.text or "").strip())
        else:
            raise InvalidTwiml(f"<{child.tag}> is not allowed inside <Message> (use <Body> or <Media>)")
        body_parts.append(child.tail or "")
    body = "".join(body_parts).strip()
    if not body and not any(media):
        raise InvalidTwiml("a <Message> has neither text nor <Media>")
    return TwimlReply(body=body, media_urls=tuple(url for url in media if url))
