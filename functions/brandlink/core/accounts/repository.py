"""What the accounts logic needs from storage (implemented by ``brandlink.store.accounts``)."""

from __future__ import annotations

from typing import Protocol

from brandlink.core.accounts.model import Account


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...

    def get(self, sid: str) -> Account | None: ...

    def save(self, account: Account) -> None: ...

    def list_all(self) -> list[Account]: ...
