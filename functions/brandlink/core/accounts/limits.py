"""Per-account abuse limits (security finding 5): send rate, destination countries, daily segments, scheduled cap.

SMS pumping and a noisy tenant used to meet only the stage-wide throttle. Each account now has four
limits; the deployment's knobs give the defaults (``defaultSendRate``, ``defaultSendCountries``,
``defaultDailySegments``, ``scheduledMessageCap``) and the operator overrides any of them for one
account (``brandlink set-limits AC... --send-rate 20 --countries US,CA,GB``). The overrides are stored
on the account item and parsed once into ``AccountLimits``; ``effective`` combines them with the
defaults, so the rest of the code sees one ``EffectiveLimits`` and never a missing value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALL_COUNTRIES = "*"
"""A country allow-list of just ``*``: every destination country."""

_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class AccountLimits:
    """The operator's overrides for one account; None means "the deployment's default"."""

    send_rate: int | None = None
    """Messages the API accepts per second (send-now and scheduled alike)."""
    daily_segments: int | None = None
    """Segments dispatched per UTC day."""
    scheduled_cap: int | None = None
    """Messages scheduled at once."""
    countries: frozenset[str] | None = None
    """ISO 3166-1 alpha-2 destination countries; ``{"*"}`` for all."""

    def __post_init__(self) -> None:
        for name in ("send_rate", "daily_segments", "scheduled_cap"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value}")
        if self.countries is not None:
            if not self.countries:
                raise ValueError("countries must name at least one country, or be *")
            bad = sorted(c for c in self.countries if c != ALL_COUNTRIES and not _COUNTRY.match(c))
            if bad:
                raise ValueError(f"countries must be ISO 3166-1 alpha-2 codes such as US,CA,GB (or *), got {bad}")


def parse_countries(raw: str) -> frozenset[str]:
    """``"us, ca"`` → ``{"US", "CA"}``; ``"*"`` → every country. Raises ``ValueError`` with the fix."""
    codes = frozenset(part.strip().upper() for part in raw.split(",") if part.strip())
    AccountLimits(countries=codes)  # validates
    return codes


@dataclass(frozen=True)
class SendingDefaults:
    """The deployment's defaults (its knobs) for accounts without an override."""

    send_rate: int = 100
    daily_segments: int = 2_000_000
    scheduled_cap: int = 500_000
    countries: frozenset[str] = frozenset({"US", "CA"})


@dataclass(frozen=True)
class EffectiveLimits:
    send_rate: int
    daily_segments: int
    scheduled_cap: int
    countries: frozenset[str]

    def allows_country(self, country: str | None) -> bool:
        """Whether a destination in ``country`` (None: a number without a region) may be sent to."""
        if ALL_COUNTRIES in self.countries:
            return True
        return country is not None and country in self.countries


def effective(limits: AccountLimits, defaults: SendingDefaults) -> EffectiveLimits:
    return EffectiveLimits(
        send_rate=limits.send_rate or defaults.send_rate,
        daily_segments=limits.daily_segments or defaults.daily_segments,
        scheduled_cap=limits.scheduled_cap or defaults.scheduled_cap,
        countries=limits.countries if limits.countries is not None else defaults.countries,
    )
