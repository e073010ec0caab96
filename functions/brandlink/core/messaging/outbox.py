"""The outbox: what the ``outbox`` provider "delivered", readable at ``GET /v1/Outbox``.

Local mode (and any deployment that wants a dry run) sends nothing to a carrier; each message
handed to the provider is recorded with the sender, body and segments it would have gone out with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from brandlink.core.common.dates import iso8601
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, Page, PageRequest, PageSigner, checked_page


@dataclass(frozen=True)
class OutboxEntry:
    account_sid: str
    message_sid: str
    to: str
    from_: str
    body: str
    date_sent: datetime
    expires_at: datetime
    media_urls: tuple[str, ...] = ()
    messaging_service_sid: str | None = None
    encoding: str = "GSM-7"
    num_segments: int = 1
    tags: dict[str, str] = field(default_factory=dict)


class OutboxRepository(Protocol):
    def add(self, entry: OutboxEntry) -> None: ...

    def page(
        self, account_sid: str, request: PageRequest, *, to: str | None, message_sid: str | None
    ) -> Page[OutboxEntry]:
        """Newest first."""
        ...


def outbox_resource(entry: OutboxEntry, base_url: str) -> dict[str, Any]:
    return {
        "account_sid": entry.account_sid,
        "message_sid": entry.message_sid,
        "messaging_service_sid": entry.messaging_service_sid,
        "to": entry.to,
        "from": entry.from_,
        "body": entry.body,
        "media_urls": list(entry.media_urls),
        "encoding": entry.encoding,
        "num_segments": entry.num_segments,
        "tags": dict(entry.tags),
        "date_sent": iso8601(entry.date_sent),
        "url": f"{base_url}/v1/Outbox?MessageSid={entry.message_sid}",
    }


def list_outbox(repo: OutboxRepository, account_sid: str, params: Form, signer: PageSigner) -> Listing[OutboxEntry]:
    """``GET /v1/Outbox``: newest first, filtered by ``To`` and ``MessageSid``."""
    request = PageRequest.from_form(params, signer)
    to = (params.get("To") or "").strip() or None
    message_sid = (params.get("MessageSid") or "").strip() or None
    page = checked_page(lambda: repo.page(account_sid, request, to=to, message_sid=message_sid))
    extra = {name: value for name, value in (("To", to), ("MessageSid", message_sid)) if value}
    return Listing(page, request, extra)
