"""After provisioning: the local account, then the demo seeders of local/seed.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from local.seeding import SeedContext, Seeder

logger = logging.getLogger("local.bootstrap")

LOCAL_ACCOUNT_NAME = "Local account"


@dataclass(frozen=True)
class SeedResult:
    seeder: str
    values: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def create_local_account() -> tuple[str, str]:
    """A fresh account in the (empty, in-memory) accounts table; returns its sid and auth token."""
    # Imported here: the runner's own process loads Brandlink's code only after provisioning.
    from brandlink import wiring
    from brandlink.core.accounts.actions import create_account

    account, token = create_account(wiring.accounts(), wiring.token_vault(), LOCAL_ACCOUNT_NAME)
    return account.sid, token


def run_seeders(context: SeedContext, seeders: list[Seeder]) -> list[SeedResult]:
    """Run each seeder; one that fails is reported and the others still run (a broken demo must
    not keep the stack from starting)."""
    results: list[SeedResult] = []
    for seeder in seeders:
        name = getattr(seeder, "__qualname__", repr(seeder))
        try:
            values = seeder(context)
        except Exception as exc:
            logger.exception("Seeder %s failed", name)
            results.append(SeedResult(name, error=f"{type(exc).__name__}: {exc}"))
            continue
        results.append(SeedResult(name, {str(k): str(v) for k, v in (values or {}).items()}))
    return results
