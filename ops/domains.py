"""The domain commands of ``brandlink``: bringing domains of an older deployment under the rule that a
name is claimed deployment-wide only when verified (security finding 6)."""

from __future__ import annotations

from typing import Any


def migrate_domains() -> list[dict[str, Any]]:
    from brandlink import wiring
    from brandlink.config import settings
    from brandlink.core.domains.actions import migrate_domains as migrate

    rows = migrate(wiring.domains(), settings().domain_verification_days)
    return [{"domain_sid": sid, "domain_name": name, "outcome": outcome} for sid, name, outcome in rows]
