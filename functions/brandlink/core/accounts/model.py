"""An account: the tenant every other resource belongs to, with its auth token hashed and sealed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from brandlink.core.accounts.limits import AccountLimits

ACCOUNT_STATUSES = ("active", "suspended", "closed")
MIN_RETENTION_DAYS = 7


@dataclass(frozen=True)
class Account:
    sid: str
    friendly_name: str
    status: str
    token_salt: str
    token_hash: str
    date_created: datetime
    date_updated: datetime
    retention_days: int | None = None
    token_version: int = 1
    token_sealed: str | None = None
    """The token sealed for this account by the ``TokenVault`` (KMS); None for an account created
    before per-account secrets and not migrated yet (``brandlink migrate-tokens``)."""
    limits: AccountLimits = field(default_factory=AccountLimits)
    """The operator's abuse-limit overrides (``brandlink set-limits``); unset ones take the deployment's."""
