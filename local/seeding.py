"""The seeders' contract: what a seeder gets (the running stack and the bootstrap account's
credentials) and what it returns (labelled values to print, e.g. ``{"Messaging service": "MG..."}``).

Kept apart from ``local.seed``, which lists the seeders and so imports them: a seeder imports this
module, never that one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedContext:
    api_url: str
    redirect_url: str
    account_sid: str
    auth_token: str


Seeder = Callable[[SeedContext], dict[str, str]]
