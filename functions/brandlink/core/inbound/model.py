"""One message received from a handset, as every provider's inbound path hands it to the inbound queue.

Each provider maps its own payload (``core/inbound/providers.py``) to an ``InboundEvent``; the
inbound function records it and acts on it (``core/inbound/receive.py``). The message SID is derived
from the provider and the provider's own message id, so a provider that delivers the same message
twice produces the same SID and the second copy is recognised as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

INBOUND_PROVIDERS = ("outbox", "twilio", "webhook", "sms")
"""``outbox``: the local "reply as the recipient"; ``sms``: AWS End User Messaging two-way SMS (SNS)."""


@dataclass(frozen=True)
class InboundEvent:
    provider: str
    provider_message_id: str
    from_: str
    to: str
    body: str
    received_at: datetime
    media_urls: tuple[str, ...] = ()

    @property
    def message_sid(self) -> str:
        """``SM``/``MM`` + 32 hex of SHA-256(provider, provider id): the same for a duplicate delivery."""
        digest = hashlib.sha256(f"{self.provider}\n{self.provider_message_id}".encode()).hexdigest()[:32]
        return ("MM" if self.media_urls else "SM") + digest

    def to_json(self) -> str:
        return json.dumps(
            {
                "inbound": 1,
                "provider": self.provider,
                "provider_message_id": self.provider_message_id,
                "from": self.from_,
                "to": self.to,
                "body": self.body,
                "media_urls": list(self.media_urls),
                "received_at": self.received_at.isoformat(),
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InboundEvent:
        """Raises ``ValueError`` for anything that is not an inbound event (it cannot improve on retry)."""
        strings = ("provider", "provider_message_id", "from", "to", "received_at")
        if not all(isinstance(data.get(name), str) and data.get(name) for name in strings):
            raise ValueError(f"an inbound event needs the strings {', '.join(strings)}")
        if data["provider"] not in INBOUND_PROVIDERS:
            raise ValueError(f"unknown inbound provider {data['provider']!r}")
        body, media = data.get("body", ""), data.get("media_urls") or []
        if not isinstance(body, str) or not isinstance(media, list) or not all(isinstance(u, str) for u in media):
            raise ValueError("an inbound event's body is a string and its media_urls a list of strings")
        received = datetime.fromisoformat(data["received_at"])
        if received.tzinfo is None:
            raise ValueError("received_at needs a time zone")
        return cls(
            provider=data["provider"],
            provider_message_id=data["provider_message_id"],
            from_=data["from"],
            to=data["to"],
            body=body,
            received_at=received,
            media_urls=tuple(media),
        )
