"""What dispatch re-checks when a message's trigger arrives (security findings 4 and 5).

A message is accepted, then waits: on the send queue (seconds), or for its schedule (up to 35 days).
Meanwhile the operator may suspend or close its account, release its sender or give it to another
account, or narrow the account's destination countries. Dispatch asks ``DispatchGuard.refusal``
once per trigger (``check``), before it chooses a sender or calls the provider; a refusal ends the message
unsent (``failed``, with the code, and its status callback), so nothing reaches the provider:

* the account is not ``active`` → 30002 "Account suspended" (Twilio's code for a message of a
  suspended account). Reactivating the account restores sending for new messages; the failed ones
  stay failed (send them again);
* an explicit ``From`` (or the sender a retry already chose) that the account no longer holds —
  its registration gone or ``pending``, its claim held by nobody or by another account, an
  alphanumeric ID off the account's allow-list → 21606, the code the API gives for it;
* ``To``'s country not on the account's allow-list → 21408.

After the first claim, ``count_segments`` adds the claimed message's segments to the account's count for
the UTC day — once per message, since only the first claim of a message calls it — and a message
that does not fit any more fails with 30023. If the count cannot be written the message is sent
uncounted (it is claimed already; failing would strand it in ``sending``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from brandlink.core.accounts.limits import EffectiveLimits, SendingDefaults, effective
from brandlink.core.accounts.model import Account
from brandlink.core.accounts.repository import AccountRepository
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.admission import SegmentCounts, country_refusal, day_of
from brandlink.core.messaging.model import Message
from brandlink.core.senders.claims import SenderClaims, claim_address
from brandlink.core.senders.model import IN_USE
from brandlink.core.senders.repository import SenderRepository

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    code: ErrorCode
    message: str


@dataclass
class DispatchGuard:
    accounts: AccountRepository
    senders: SenderRepository
    claims: SenderClaims
    defaults: SendingDefaults
    segments: SegmentCounts
    clock: Callable[[], float] = time.time

    def check(self, message: Message) -> Refusal | EffectiveLimits:
        """Why ``message`` must not be sent now, or the account's limits when it may (``message.from_``
        is checked when set: an explicit From, or the sender an earlier attempt chose)."""
        account = self.accounts.get(message.account_sid)
        if account is None or account.status != "active":
            return Refusal(
                ErrorCode.ACCOUNT_SUSPENDED,
                "Account suspended: the account was suspended or closed after this message was accepted; it was "
                "not sent.",
            )
        if message.from_ and not self._holds(account, message.from_):
            return Refusal(
                ErrorCode.FROM_NOT_A_SENDER,
                f"From {message.from_} is no longer a sender of this account (released, reassigned or not "
                "verified since the message was accepted); it was not sent.",
            )
        limits = effective(account.limits, self.defaults)
        country = country_refusal(limits, message.to)
        if country is not None:
            return Refusal(country.code, country.message)
        return limits

    def count_segments(self, message: Message, limits: EffectiveLimits) -> Refusal | None:
        """Count the claimed ``message``'s segments for today; a refusal when the day's cap is passed."""
        cap = limits.daily_segments
        wanted = max(1, message.num_segments)
        try:
            granted = self.segments.claim(message.account_sid, day_of(self.clock()), wanted, cap)
        except Exception:
            # The message is claimed already: failing here would strand it in ``sending``. The cap is
            # an abuse limit, not billing, so a counting outage lets the message through (logged).
            logger.exception("could not count the segments of %s; sending it uncounted", message.sid)
            return None
        if granted >= wanted:
            return None
        return Refusal(
            ErrorCode.DAILY_CAP_REACHED,
            f"Daily message cap reached: the account's {cap} segments for today (UTC) are used; it was not sent.",
        )

    def _holds(self, account: Account, address: str) -> bool:
        registrations = [s for s in self.senders.find_by_address(account.sid, address) if s.status == IN_USE]
        for sender in registrations:
            if sender.kind == "alpha_sender":
                if self.claims.alpha_allowed(account.sid, sender.address):
                    return True
                continue
            claim = self.claims.get(claim_address(sender.kind, sender.address, sender.country_code))
            if claim is not None and claim.account_sid == account.sid:
                return True
        return False
