"""From a tap to a click event: which taps become events, and what an event says.

The redirect enqueues every GET/HEAD of a well-formed slug without knowing whether the slug is live
(its read and its send run at the same time), so the clicks worker decides here. A tap is dropped,
with no event and no callback, when

* ``unknown_slug``: no link item has the slug (never issued, or deleted by TTL);
* ``other_domain``: the slug belongs to another short domain than the ``Host`` it was opened on (the
  redirect sent that tap to the fallback URL, not to the link);
* ``expired``: the link had expired at the tap's time (``expires_at``; DynamoDB deletes expired items
  up to days late, so the item may still be there);
* ``beyond_retention``: the tap came after the account's record retention of the message (the send
  time + the account's ``retention_days``, at least 7, else the deployment's default): the message
  record is gone, so its clicks are not kept either;
* ``no_account``: the account no longer exists (nobody could check the signature).

Every other tap is an event: ``classify(method, user_agent)`` says ``click`` or ``preview``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from brandlink.core.accounts.model import MIN_RETENTION_DAYS, Account
from brandlink.core.clicks.classify import classify
from brandlink.core.clicks.model import ClickEvent, Tap
from brandlink.core.domains.model import Domain
from brandlink.core.links.records import LinkRecord
from brandlink.core.links.shortening import short_url as spell_short_url

SECONDS_PER_DAY = 86_400


class DropReason(StrEnum):
    UNKNOWN_SLUG = "unknown_slug"
    OTHER_DOMAIN = "other_domain"
    EXPIRED = "expired"
    BEYOND_RETENTION = "beyond_retention"
    NO_ACCOUNT = "no_account"


@dataclass(frozen=True, slots=True)
class CallbackTarget:
    """What the worker needs of a short domain: where its events go and how its short links are spelled."""

    callback_url: str | None
    disable_https: bool = False

    @classmethod
    def of(cls, domain: Domain | None) -> CallbackTarget:
        """A domain's target; a deleted domain has no callback (its events are still recorded)."""
        config = domain.config if domain is not None else None
        if config is None:
            return cls(None)
        return cls(config.callback_url or None, config.disable_https)


def link_drop(tap: Tap, link: LinkRecord | None) -> DropReason | None:
    """Why the link item rules the tap out, or None (checked before anything else is read)."""
    if link is None:
        return DropReason.UNKNOWN_SLUG
    if link.domain_name.lower() != tap.host.lower():
        return DropReason.OTHER_DOMAIN
    if not link.is_live(tap.at_ms / 1000):
        return DropReason.EXPIRED
    return None


def retention_end(link: LinkRecord, account: Account, default_retention_days: int) -> int:
    """Epoch seconds when the account's records of the link's message expire."""
    days = max(MIN_RETENTION_DAYS, account.retention_days or default_retention_days)
    return link.created_at + days * SECONDS_PER_DAY


def short_url(link: LinkRecord, target: CallbackTarget, local_port: int | None = None) -> str:
    """The short link as its message spelled it (``core.domains.shortening.ShorteningDomain``'s rule):
    ``https://{domain}/{slug}``; without the scheme under ``DisableHttps``; ``http://{domain}:{port}/``
    in local mode."""
    return spell_short_url(link.domain_name, link.slug, https=not target.disable_https, local_port=local_port)


def click_event(
    tap: Tap,
    link: LinkRecord,
    account: Account | None,
    target: CallbackTarget,
    *,
    default_retention_days: int,
    local_port: int | None = None,
) -> ClickEvent | DropReason:
    """The event of a tap whose link passed ``link_drop``, or why it is dropped after all."""
    if account is None:
        return DropReason.NO_ACCOUNT
    expires_at = retention_end(link, account, default_retention_days)
    if tap.at_ms / 1000 >= expires_at:
        return DropReason.BEYOND_RETENTION
    return ClickEvent(
        event_id=tap.tap_id,
        event_type=classify(tap.method, tap.user_agent),
        slug=link.slug,
        short_url=short_url(link, target, local_port),
        link=link.link,
        message_sid=link.message_sid,
        account_sid=link.account_sid,
        service_sid=link.service_sid,
        to=link.to,
        from_=link.from_,
        domain_sid=link.domain_sid,
        domain_name=link.domain_name,
        clicked_at_ms=tap.at_ms,
        link_created_at=link.created_at,
        user_agent=tap.user_agent,
        tags=link.tags,
        expires_at=expires_at,
    )
