"""The clicks worker's work on one tap: resolve it, record the event, post it to the domain's callback.

The order matters for "never lost": the event is recorded first (``ClickRecorder.record`` is idempotent
per event id), then posted. A post that fails raises, and the queue message comes back later (the
handler sets its visibility from ``callbacks.retry_delay``); the retry resolves the same tap to the same
event (the event id is the tap's id; the link item and the account are read again), records it again
(a no-op) and posts it again with the same ``I-Twilio-Idempotency-Token``.

The worker reads an account and a domain per event; both go through a ``TtlCache`` (``wiring``), so a
burst of taps on one campaign costs one read of each per minute, and the link item is read in full
with one ``GetItem`` (``records.from_item``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from brandlink.core.accounts.model import Account
from brandlink.core.clicks import callbacks
from brandlink.core.clicks.model import ClickEvent, ClickRecorder, Tap
from brandlink.core.clicks.resolve import CallbackTarget, DropReason, click_event, link_drop
from brandlink.core.links.records import LinkRecord


@dataclass(frozen=True, slots=True)
class Resolved:
    """A tap that became an event, with what its delivery needs."""

    event: ClickEvent
    account: Account
    target: CallbackTarget


@dataclass(frozen=True, slots=True)
class Delivered:
    """What became of one tap: ``dropped`` (why), or an event recorded and posted (``status``, or None
    when the domain has no ``CallbackUrl``)."""

    event: ClickEvent | None = None
    dropped: DropReason | None = None
    status: int | None = None


@dataclass(frozen=True)
class ClickWorker:
    """Ports are plain callables so tests and benches pass dictionaries' ``get`` or fakes."""

    link: Callable[[str], LinkRecord | None]
    """The full link item of a slug (``GetItem``), or None."""
    account: Callable[[str], Account | None]
    target: Callable[[str], CallbackTarget]
    """A domain's callback target by domain sid (a deleted domain: no callback)."""
    signing_token: Callable[[Account], str]
    """The account's own auth token (``wiring.signing_tokens().for_account``)."""
    recorder: ClickRecorder
    poster: callbacks.JsonPoster
    default_retention_days: int
    local_port: int | None = None
    publish: Callable[[ClickEvent], None] | None = None
    """Also hand each event to an event bus (the optional EventBridge knob); None: off."""

    def resolve(self, tap: Tap) -> Resolved | DropReason:
        link = self.link(tap.slug)
        drop = link_drop(tap, link)
        if drop is not None:
            return drop
        assert link is not None  # link_drop said so
        account = self.account(link.account_sid)
        target = self.target(link.domain_sid)
        event = click_event(
            tap,
            link,
            account,
            target,
            default_retention_days=self.default_retention_days,
            local_port=self.local_port,
        )
        if isinstance(event, DropReason):
            return event
        assert account is not None  # click_event drops a tap of a missing account
        return Resolved(event, account, target)

    def handle(self, tap: Tap) -> Delivered:
        """Resolve, record, publish and post one tap. Raises ``OSError`` (no answer) or
        ``callbacks.CallbackRejected`` (not 2xx) when the post failed: the tap is to be retried."""
        resolved = self.resolve(tap)
        if isinstance(resolved, DropReason):
            return Delivered(dropped=resolved)
        event = resolved.event
        self.recorder.record([event])
        if self.publish is not None:
            self.publish(event)
        url = resolved.target.callback_url
        if not url:
            return Delivered(event=event)
        status = callbacks.deliver(event, url, self.signing_token(resolved.account), self.poster)
        return Delivered(event=event, status=status)
