"""Shorten a message's links when it is sent: preconditions, ``ContinueOnFailure``, the rate limit, slugs,
link records. The dispatcher calls ``LinkShortener.shorten`` once per first attempt of a
``ShortenUrls`` message, after it picked the sender and before it claims the message.

Decisions (docs/links.md, "Sending"):

* **Preconditions** (the service's domain config, a verified domain, an installed, unexpired
  certificate) are checked at send time. A failure obeys the config's ``ContinueOnFailure``
  (true by default, and when the service has no config at all): true sends the body as written
  and records 30103 as a warning on the message (``error_code``/``error_message`` while it goes on
  to ``sent``); false fails the message, unsent, with the precondition's code.
* **Invalid links** (30139): with ``ContinueOnFailure`` they stay as written, the others are
  shortened, and 30103 is recorded; without it the message fails with 30139.
* **Shortener failures** (the counter or the links table unavailable, the slug space exhausted):
  with ``ContinueOnFailure`` the body goes out as written with 30103; without it an infrastructure
  error propagates (the send queue retries the record, then its DLQ keeps it) and a ``LinkError``
  fails the message with its code.
* **Rate limit**: one token per message that has at least one link to shorten (its number of links
  does not matter; a retry that reuses its links takes none). Over the limit the message fails,
  unsent, with 20429, whatever ``ContinueOnFailure`` says.
* **Link records are written before the message is claimed**, so a recipient never gets a slug
  without its record. A trigger redelivered after a crash between the two reads the message's
  records back and reuses them (same slugs, same body), so it mints nothing new.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple, Protocol

from brandlink.core.common.errors import ErrorCode
from brandlink.core.common.rate_limit import RateLimiter
from brandlink.core.domains.shortening import ShorteningDomain, ShorteningUnavailable
from brandlink.core.links.errors import InvalidLinkError, LinkError
from brandlink.core.links.records import LinkRecord
from brandlink.core.links.repository import LinkRepository
from brandlink.core.links.shortening import MintSlugs, ShortenedBody, shorten_body
from brandlink.core.messaging.model import Message

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
_new_record: Callable[[tuple[object, ...]], LinkRecord] = partial(tuple.__new__, LinkRecord)
"""``LinkRecord`` from a tuple of all its fields, in order (a named tuple's ``__new__`` is a Python
function; this is one C call)."""
DomainGate = Callable[[str, str], ShorteningDomain]
"""``(account_sid, service_sid)`` → the service's shortening domain, or ``ShorteningUnavailable``."""


class CachedDomainGate:
    """``DomainGate`` answers (a domain, or the refusal) remembered per service for ``seconds``.

    The gate costs two reads (the service's domain row, then the domain); a dispatch environment
    sending a campaign asks it for every message of the same service. A change of the domain, its
    certificate or its config reaches dispatch at most ``seconds`` later (5 s by default).
    """

    def __init__(
        self, gate: DomainGate, *, seconds: float = 5.0, clock: Callable[[], float] = time.monotonic, size: int = 1024
    ) -> None:
        self._gate = gate
        self._seconds = seconds
        self._clock = clock
        self._size = size
        self._answers: dict[tuple[str, str], tuple[float, ShorteningDomain | _Refusal]] = {}

    def __call__(self, account_sid: str, service_sid: str) -> ShorteningDomain:
        key = (account_sid, service_sid)
        now = self._clock()
        cached = self._answers.get(key)
        if cached is not None and cached[0] > now:
            answer = cached[1]
        else:
            try:
                answer = self._gate(account_sid, service_sid)
            except ShorteningUnavailable as exc:
                answer = _Refusal(exc.code, exc.message, exc.continue_on_failure)
            if len(self._answers) >= self._size:
                self._answers.clear()
            self._answers[key] = (now + self._seconds, answer)
        if isinstance(answer, _Refusal):
            raise ShorteningUnavailable(answer.code, answer.message, continue_on_failure=answer.continue_on_failure)
        return answer


@dataclass(frozen=True, slots=True)
class _Refusal:
    code: ErrorCode
    message: str
    continue_on_failure: bool


class ShorteningEvents(Protocol):
    """Where the shortener reports what an operator watches (metrics and log lines, in the wiring)."""

    def not_shortened(self, message: Message, cause: ErrorCode, reason: str) -> None:
        """The message goes out with (some of) its links as written; ``cause`` is the underlying code."""
        ...

    def throttled(self, message: Message) -> None:
        """The account is over its link-shortening rate: the message fails with 20429."""
        ...


class _NoEvents:
    def not_shortened(self, message: Message, cause: ErrorCode, reason: str) -> None:
        return None

    def throttled(self, message: Message) -> None:
        return None


NO_EVENTS: ShorteningEvents = _NoEvents()


class SendBody(NamedTuple):
    """The body to send (before Smart Encoding), and the 30103 warning to record when links stayed as written.

    A named tuple (immutable, cheaper to build than a frozen dataclass): dispatch makes one per message."""

    body: str
    warning: str | None = None
    """The message's ``error_message`` with ``error_code`` 30103; None when nothing was left unshortened."""
    cause: ErrorCode | None = None
    """The underlying code of the warning (30106/30101/30107/30102, 30139 or 30103)."""
    links: tuple[LinkRecord, ...] = ()


_new_send_body: Callable[[tuple[object, ...]], SendBody] = partial(tuple.__new__, SendBody)
"""``SendBody`` from a tuple of all four fields, in order: one C call, once per shortened message."""


class ShorteningRefused(Exception):
    """The message must fail, unsent, with ``code``."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _OverLimit(Exception):
    pass


class _Replay(Exception):
    pass


@dataclass
class LinkShortener:
    gate: DomainGate
    links: LinkRepository
    mint: MintSlugs
    limiter: RateLimiter | None = None
    link_ttl_days: int = 90
    local_port: int | None = None
    """Local mode: the local links gateway's port, spelled into every short link (docs/local.md)."""
    events: ShorteningEvents = NO_EVENTS

    def shorten(self, message: Message, from_: str, now: datetime, *, redelivered: bool = False) -> SendBody:
        """The body ``message`` is sent with; raises ``ShorteningRefused`` when it must fail unsent."""
        service_sid = message.messaging_service_sid
        if not message.shorten_urls or service_sid is None:
            return SendBody(message.body)
        try:
            domain = self.gate(message.account_sid, service_sid)
        except ShorteningUnavailable as exc:
            if not exc.continue_on_failure:
                raise ShorteningRefused(exc.code, exc.message) from None
            return self._unshortened(message, exc.code, f"Links were sent as written: {exc.message}")
        prefix = domain.short_link_prefix(self.local_port)
        if redelivered and (replayed := self._replay(message, domain, prefix)) is not None:
            return replayed
        try:
            shortened = shorten_body(
                message.body,
                domain=domain.domain_name,
                mint=self._limited_mint(message, now),
                prefix=prefix,
                keep_invalid=domain.continue_on_failure,
            )
            records = self._records(message, from_, domain, shortened, now)
            if records:
                self.links.put_many(records)
        except _OverLimit:
            self.events.throttled(message)
            limit = self.limiter.limit if self.limiter else 0
            raise ShorteningRefused(
                ErrorCode.TOO_MANY_REQUESTS,
                f"Too many link-shortening requests: this account may send {limit} messages with links to "
                "shorten per second. The message was not sent; send it again later or spread the sends out.",
            ) from None
        except InvalidLinkError as exc:  # only without ContinueOnFailure (keep_invalid is off)
            raise ShorteningRefused(exc.code, exc.message) from None
        except Exception as exc:
            if not domain.continue_on_failure:
                if isinstance(exc, LinkError):
                    raise ShorteningRefused(exc.code, exc.message) from None
                raise
            logger.exception("links of %s could not be shortened; sending them as written", message.sid)
            reason = (
                exc.message
                if isinstance(exc, LinkError)
                else f"the link shortener failed ({type(exc).__name__}); the links were sent as written."
            )
            return self._unshortened(message, ErrorCode.LINKS_NOT_SHORTENED, f"Links were sent as written: {reason}")
        return self._result(message, shortened, records)

    def _limited_mint(self, message: Message, now: datetime) -> MintSlugs:
        """``mint``, after taking the message's one rate-limit token (called only when a link needs a slug)."""

        def mint(count: int) -> Sequence[str]:
            if self.limiter is not None and not self.limiter.try_acquire(message.account_sid, now.timestamp()):
                raise _OverLimit
            return self.mint(count)

        return mint

    def _records(
        self, message: Message, from_: str, domain: ShorteningDomain, shortened: ShortenedBody, now: datetime
    ) -> tuple[LinkRecord, ...]:
        created = int(now.timestamp())
        expires = created + self.link_ttl_days * SECONDS_PER_DAY
        service_sid = message.messaging_service_sid
        assert service_sid is not None
        sid, account, to, tags = message.sid, message.account_sid, message.to, message.tags  # tags: shared, read-only
        domain_sid, domain_name = domain.domain_sid, domain.domain_name
        # Every link of a campaign passes here: the records are built straight from their field
        # tuples (``_new_record``, no Python-level ``__new__`` call), in ``LinkRecord``'s field order.
        return tuple(
            [
                _new_record(
                    (
                        link.slug,
                        link.url,
                        sid,
                        account,
                        service_sid,
                        to,
                        from_,
                        domain_sid,
                        domain_name,
                        created,
                        expires,
                        position,
                        tags,
                    )
                )
                for position, link in enumerate(shortened.links)
            ]
        )

    def _replay(self, message: Message, domain: ShorteningDomain, prefix: str) -> SendBody | None:
        """The body rebuilt from the records an earlier, crashed attempt wrote; None when they are not
        a complete set for this body and domain (then fresh slugs are minted)."""
        try:
            stored = self.links.for_message(message.sid)
        except Exception:  # reuse saves slugs; it is not needed for a correct send
            logger.exception("could not read the links of %s back; minting new ones", message.sid)
            return None
        by_position: dict[int, LinkRecord] = {}
        for record in stored:
            if record.domain_sid == domain.domain_sid and record.account_sid == message.account_sid:
                by_position.setdefault(record.position, record)
        if not by_position:
            return None

        def stored_slugs(count: int) -> Sequence[str]:
            if sorted(by_position) != list(range(count)):
                raise _Replay
            return [by_position[position].slug for position in range(count)]

        try:
            shortened = shorten_body(
                message.body,
                domain=domain.domain_name,
                mint=stored_slugs,
                prefix=prefix,
                keep_invalid=domain.continue_on_failure,
            )
        except (_Replay, InvalidLinkError):
            return None
        if any(link.url != by_position[position].link for position, link in enumerate(shortened.links)):
            return None
        return self._result(message, shortened, tuple(by_position[p] for p in range(len(shortened.links))))

    def _result(self, message: Message, shortened: ShortenedBody, records: tuple[LinkRecord, ...]) -> SendBody:
        if not shortened.invalid:
            return _new_send_body((shortened.body, None, None, records))
        span, problem = shortened.invalid[0]
        count = len(shortened.invalid)
        first = InvalidLinkError.for_link(span.url, problem).message
        reason = f"{count} link{'s were' if count > 1 else ' was'} sent as written. {first}"
        self.events.not_shortened(message, ErrorCode.INVALID_LINK, reason)
        return SendBody(shortened.body, reason, ErrorCode.INVALID_LINK, records)

    def _unshortened(self, message: Message, cause: ErrorCode, reason: str) -> SendBody:
        self.events.not_shortened(message, cause, reason)
        return SendBody(message.body, reason, cause)
