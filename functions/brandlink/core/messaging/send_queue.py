"""The send queue's contract: the request the API, the scheduler and retries put on it, and its port.

Kept apart from ``dispatch`` so the API, which only enqueues, does not load the dispatcher.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DispatchRequest:
    """The send-queue payload, identical for send-now and scheduled messages."""

    account_sid: str
    message_sid: str
    attempt: int = 0
    redelivered: bool = False
    """Not in the payload: set by the dispatch handler when SQS delivers the record again (a previous
    receive did not finish), so dispatch looks for what that receive may have written (link records)."""

    def to_json(self) -> str:
        return json.dumps({"account_sid": self.account_sid, "message_sid": self.message_sid, "attempt": self.attempt})

    @classmethod
    def from_json(cls, raw: str) -> DispatchRequest:
        """Raises ``ValueError`` for a body that is not a dispatch request."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("a dispatch request is a JSON object")
        account_sid, message_sid, attempt = data.get("account_sid"), data.get("message_sid"), data.get("attempt", 0)
        if not isinstance(account_sid, str) or not isinstance(message_sid, str):
            raise ValueError("a dispatch request needs account_sid and message_sid")
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 0:
            raise ValueError("attempt must be a whole number >= 0")
        return cls(account_sid=account_sid, message_sid=message_sid, attempt=attempt)


class SendQueue(Protocol):
    def enqueue(self, request: DispatchRequest, *, delay_seconds: int = 0) -> None: ...
