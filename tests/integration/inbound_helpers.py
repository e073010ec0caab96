"""Shared pieces of the inbound tests: a handset texting a sender, and the inbound queue pump."""

from __future__ import annotations

import uuid

from brandlink.core.common.dates import utcnow
from brandlink.core.inbound.model import InboundEvent
from tests.integration.message_helpers import _pump

HANDSET = "+14155550100"


def text_from_handset(
    to: str, body: str, *, sender: str = HANDSET, provider_id: str | None = None, media: tuple[str, ...] = ()
) -> InboundEvent:
    """Put an inbound message on the inbound queue, as the local ``reply`` command does."""
    from brandlink import wiring

    event = InboundEvent("outbox", provider_id or str(uuid.uuid4()), sender, to, body, utcnow(), media)
    wiring.inbound_queue().enqueue(event)
    return event


def run_inbound(*, retry_failed: bool = False) -> int:
    from brandlink.handlers.inbound import handler

    return _pump("inbound", handler, retry_failed=retry_failed)
