"""What the accounts logic needs from storage (implemented by ``brandlink.store.accounts``)."""

from __future__ import annotations

from typing import Protocol

from brandlink.core.accounts.limits import AccountLimits
from brandlink.core.accounts.model import Account


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...

    def get(self, sid: str) -> Account | None: ...

    def save(self, account: Account) -> None:
        """Store the name, status, retention and ``date_updated``; the token fields are only ever written by
        ``save_token`` and ``seal_legacy_token``, so a rename can never bring an old token back."""
        ...

    def save_token(self, account: Account, expected_version: int) -> bool:
        """Store the token hash, the sealed token and the version together, in one conditional write:
        only if the stored version is still ``expected_version``; False when it is not (or the account
        is gone)."""
        ...

    def seal_legacy_token(self, sid: str, version: int, sealed: str) -> bool:
        """Add the sealed token to an account migrated from the master key, if its version is still
        ``version`` and it has none yet; False otherwise."""
        ...

    def save_limits(self, sid: str, limits: AccountLimits) -> bool:
        """Store the account's abuse-limit overrides (None fields removed); False when the account is gone."""
        ...

    def list_all(self) -> list[Account]: ...
