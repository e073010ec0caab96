"""Abuse limits at message creation (security finding 5): destination country, daily segments, send rate.

Checked by ``create_message`` after the request is valid and before anything is written, cheapest
first: the destination country (no I/O), the day's segment count (one read), the send rate (a
shared token claim, so a refused request spends no token). Limits are the account's overrides over
the deployment's defaults (``core.accounts.limits``). Dispatch checks the country again and counts
the segments (``core.messaging.dispatch_guard``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from brandlink.core.accounts.limits import EffectiveLimits, SendingDefaults, effective
from brandlink.core.accounts.model import Account
from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import WHATSAPP_PREFIX
from brandlink.core.common.rate_limit import RateLimiter, TokenWindows
from brandlink.core.senders.numbers import parse_e164

DAY_SECONDS = 86_400


class SegmentCounts(TokenWindows, Protocol):
    """Per account and UTC day, the segments dispatched (``TokenWindows`` with a day-long window)."""

    def used(self, key: str, window: int) -> int: ...


def destination_country(to: str) -> str | None:
    """The ISO region of ``To`` (``+E164`` or ``whatsapp:+E164``) as ``phonenumbers`` sees it; None
    when the number has none (a non-geographic or unparsable number)."""
    from phonenumbers import region_code_for_number

    number = parse_e164(to.removeprefix(WHATSAPP_PREFIX))
    if number is None:
        return None
    region = region_code_for_number(number)
    # "001" is a non-geographic number (+800, +882, ...), "ZZ" an unknown one.
    return region if region and region.isalpha() and region != "ZZ" else None


def country_refusal(limits: EffectiveLimits, to: str) -> TwilioError | None:
    """21408 when ``to``'s country is not on the account's allow-list (Twilio's Geographic Permissions)."""
    country = destination_country(to)
    if limits.allows_country(country):
        return None
    return TwilioError(
        ErrorCode.REGION_NOT_ENABLED,
        f"Permission to send an SMS has not been enabled for the region indicated by the 'To' number "
        f"({country or 'no region'}): the operator can allow it (brandlink set-limits --countries).",
    )


def day_of(epoch: float) -> int:
    return int(epoch // DAY_SECONDS)


@dataclass
class SendAdmission:
    """Decides whether an account may create one more message now."""

    defaults: SendingDefaults
    windows: TokenWindows
    """Per-second send-rate counts (shared by every API environment)."""
    segments: SegmentCounts
    clock: Callable[[], float] = time.time
    _limiters: dict[int, RateLimiter] = field(default_factory=dict)

    def limits(self, account: Account) -> EffectiveLimits:
        return effective(account.limits, self.defaults)

    def admit(self, account: Account, to: str, num_segments: int, *, send_now: bool) -> None:
        """Raise the ``TwilioError`` of the first limit the message would break (21408, 30023, 20429)."""
        limits = self.limits(account)
        refusal = country_refusal(limits, to)
        if refusal is not None:
            raise refusal
        now = self.clock()
        if send_now and self.segments.used(account.sid, day_of(now)) + num_segments > limits.daily_segments:
            raise TwilioError(
                ErrorCode.DAILY_CAP_REACHED,
                f"This account has sent its {limits.daily_segments} segments for today (UTC): send again tomorrow, "
                "schedule the message for then, or ask the operator to raise the cap.",
            )
        if not self._limiter(limits.send_rate).try_acquire(account.sid, now):
            raise TwilioError(
                ErrorCode.TOO_MANY_REQUESTS,
                f"This account may create {limits.send_rate} messages per second: slow down and retry.",
            )

    def _limiter(self, rate: int) -> RateLimiter:
        """One limiter per distinct rate; tokens are claimed in blocks of a tenth of the rate (at most 10),
        so at the limit the shared item takes about ten writes per second per account."""
        limiter = self._limiters.get(rate)
        if limiter is None:
            limiter = self._limiters[rate] = RateLimiter(self.windows, limit=rate, block=max(1, min(10, rate // 10)))
        return limiter
