"""An account: the tenant every other resource belongs to, with the salted hash of its auth token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
