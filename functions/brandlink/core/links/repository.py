"""What the send side of link shortening needs from storage (implemented by ``brandlink.store.links``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from brandlink.core.links.records import LinkRecord


class LinkRepository(Protocol):
    def put_many(self, records: Sequence[LinkRecord]) -> None:
        """Store every record (batched); raises when any could not be written after retries."""
        ...

    def for_message(self, message_sid: str) -> list[LinkRecord]:
        """The records written for ``message_sid`` (any order; possibly from several attempts).

        Read from an index, so a write of the last second may be missing: callers use it only for a
        redelivered trigger, long after the crashed attempt wrote its links.
        """
        ...

    def get(self, slug: str) -> LinkRecord | None:
        """The full record of ``slug`` (one ``GetItem``), or None: the clicks worker resolves taps with it."""
        ...
