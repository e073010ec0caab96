"""Number-verification codes, handed to the deployment's delivery provider like any message."""

from __future__ import annotations

from brandlink.core.common.sids import new_sid
from brandlink.core.messaging.delivery import OutgoingMessage, Provider

VERIFICATION_ACCOUNT = "verification"
"""The account a code is recorded under: none. The ``outbox`` provider keeps it in a partition no
account's ``GET /v1/Outbox`` reads, so a dry-run deployment shows no account another's code."""


class ProviderCodeSender:
    def __init__(self, provider: Provider, sender_id: str) -> None:
        self._provider = provider
        self._sender_id = sender_id

    def send_code(self, to: str, body: str) -> None:
        self._provider.send(
            OutgoingMessage(
                message_sid=new_sid("VE"), account_sid=VERIFICATION_ACCOUNT, to=to, from_=self._sender_id, body=body
            )
        )
