"""What the senders logic needs from storage (implemented by ``brandlink.store.services``).

Other features build on two calls: ``SenderRepository.pool(service_sid)`` — the service's sender
pool (phone numbers, WhatsApp numbers, short codes, alphanumeric IDs), each a ``Sender`` with
address, kind, country and capabilities — and ``SenderRepository.find_by_address(account_sid,
address)`` — the account's senders with that address (``+14155552671``, ``whatsapp:+14155552671``,
``12345``, ``Brandlink``): empty means error 21606.
"""

from __future__ import annotations

from typing import Protocol

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.senders.claims import SenderClaim
from brandlink.core.senders.model import PendingCode, Sender
from brandlink.core.services.model import MessagingService


class AlreadyInPool(Exception):
    """The sender is already in a pool (``service_sid``), or the service already has an alpha sender."""

    def __init__(self, service_sid: str | None) -> None:
        super().__init__(service_sid)
        self.service_sid = service_sid


class AddressTaken(Exception):
    """The account already registered this address (``sender_sid``)."""

    def __init__(self, sender_sid: str | None) -> None:
        super().__init__(sender_sid)
        self.sender_sid = sender_sid


class SenderRepository(Protocol):
    # Account-owned senders (PN, SC).
    def register(self, sender: Sender) -> None:
        """Store a new account-owned sender; raises ``AddressTaken`` for a second one with its address."""
        ...

    def get_owned(self, account_sid: str, sid: str) -> Sender | None: ...

    def save_owned(self, sender: Sender) -> bool:
        """Store the editable fields (name, SMS webhooks); False when the sender no longer exists."""
        ...

    def page_owned(
        self,
        account_sid: str,
        sid_prefix: str,
        request: PageRequest,
        *,
        address_contains: str | None = None,
        friendly_name: str | None = None,
    ) -> Page[Sender]: ...

    def delete_owned(self, account_sid: str, sid: str) -> bool:
        """Delete the sender and its pool entry, if any; False if it did not exist."""
        ...

    # Pools.
    def add_to_pool(self, service: MessagingService, sender: Sender) -> Sender:
        """Put an account-owned sender into the service's pool; raises ``AlreadyInPool``/``ServiceGone``."""
        ...

    def add_alpha_sender(self, service: MessagingService, sender: Sender) -> None:
        """Put an alphanumeric ID into the pool (one per service); raises ``AlreadyInPool``/``ServiceGone``."""
        ...

    def pool_entry(self, service_sid: str, sid: str) -> Sender | None: ...

    def pool(self, service_sid: str) -> list[Sender]: ...

    def page_pool(self, service_sid: str, sid_prefix: str, request: PageRequest) -> Page[Sender]: ...

    def remove_from_pool(self, service_sid: str, sid: str) -> bool: ...

    # Look-up at send time.
    def find_by_address(self, account_sid: str, address: str) -> list[Sender]: ...

    # Ownership (core.senders.claims).
    def activate(self, sender: Sender, claim: SenderClaim) -> Sender | None:
        """Claim the address for the sender's account and put the pending sender in use, in one
        transaction; raises ``ClaimHeld`` when another account holds the claim, None when the sender
        is gone or no longer pending."""
        ...

    def replace_code(self, account_sid: str, sid: str, pending: PendingCode) -> bool:
        """A new verification code for a pending sender; False when it is gone or in use."""
        ...

    def record_failed_attempt(self, account_sid: str, sid: str) -> None: ...

    def mark_in_use(self, account_sid: str, sid: str) -> bool:
        """Put a pending sender in use (its address was assigned to the account); False if not pending."""
        ...

    def mark_pending(self, account_sid: str, sid: str) -> bool:
        """Take an in-use sender out of use: ``pending`` (no code) and out of its pool, in one
        transaction; False when it is gone."""
        ...

    def owned_senders(self) -> list[Sender]:
        """Every account-owned phone number and short code of the deployment (operator migration)."""
        ...

    def alpha_entries(self, account_sid: str | None = None) -> list[Sender]:
        """The alphanumeric IDs in pools, of one account or of every account."""
        ...
