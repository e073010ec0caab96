"""Sender claims on DynamoDB (pynamodb): the ``sender_claims`` table, keyed by ``address``.

* ``address=+E164`` or ``sc:<COUNTRY>:<digits>``: the claim of a number or short code. It is held
  when it has an ``account_sid``; every write that gives it to an account is conditioned on it having
  none (or already that one), so two accounts can never both hold an address. An item without
  ``account_sid`` only remembers when the last verification code went to the address
  (``code_sent_at``: one a minute, deployment-wide).
* ``address=alpha#<AC…>#<ID upper-case>``: the alphanumeric ID ``text`` is on that account's allow-list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from brandlink.core.senders.claims import ClaimHeld, SenderClaim, alpha_key
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held

ALPHA_PREFIX = "alpha#"


class SenderClaimItem(StoreModel):
    Meta = meta("sender_claims")

    address = UnicodeAttribute(hash_key=True)
    account_sid = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    date_claimed = UTCDateTimeAttribute(null=True)
    code_sent_at = UTCDateTimeAttribute(null=True)

    def to_claim(self) -> SenderClaim | None:
        if not self.account_sid or self.date_claimed is None:
            return None
        return SenderClaim(
            address=self.address,
            account_sid=self.account_sid,
            kind="short_code" if self.kind == "short_code" else "phone_number",
            source=self.source if self.source in ("operator", "verification", "migration") else "operator",  # type: ignore[arg-type]
            date_claimed=self.date_claimed,
        )

    @staticmethod
    def claim_actions(claim: SenderClaim) -> list[object]:
        return [
            SenderClaimItem.account_sid.set(claim.account_sid),
            SenderClaimItem.kind.set(claim.kind),
            SenderClaimItem.source.set(claim.source),
            SenderClaimItem.date_claimed.set(claim.date_claimed),
        ]


class AlphaAllowItem(StoreModel):
    Meta = meta("sender_claims")

    address = UnicodeAttribute(hash_key=True)
    account_sid = UnicodeAttribute()
    text = UnicodeAttribute()

    @staticmethod
    def key_for(account_sid: str, text: str) -> str:
        return f"{ALPHA_PREFIX}{account_sid}#{alpha_key(text)}"


def _item(address: str) -> SenderClaimItem | None:
    try:
        return SenderClaimItem.get(address, consistent_read=True)
    except DoesNotExist:
        return None


class DynamoSenderClaims:
    def get(self, address: str) -> SenderClaim | None:
        item = _item(address)
        return item.to_claim() if item is not None else None

    def assign(self, claim: SenderClaim) -> SenderClaim:
        taken = condition_held(
            lambda: SenderClaimItem(claim.address).update(
                actions=SenderClaimItem.claim_actions(claim),  # type: ignore[arg-type]
                condition=SenderClaimItem.account_sid.does_not_exist(),
            )
        )
        if taken:
            return claim
        current = self.get(claim.address)
        if current is None:  # released between the write and the read: try once more
            return self.assign(claim)
        if current.account_sid != claim.account_sid:
            raise ClaimHeld(current.account_sid)
        return current

    def release(self, address: str) -> SenderClaim | None:
        current = self.get(address)
        if current is None:
            return None
        released = condition_held(
            lambda: SenderClaimItem(address).delete(condition=SenderClaimItem.account_sid == current.account_sid)
        )
        return current if released else None

    def reserve_code(self, address: str, now: datetime, interval_seconds: int) -> bool:
        quiet_since = now - timedelta(seconds=interval_seconds)
        return condition_held(
            lambda: SenderClaimItem(address).update(
                actions=[SenderClaimItem.code_sent_at.set(now)],
                condition=SenderClaimItem.account_sid.does_not_exist()
                & (SenderClaimItem.code_sent_at.does_not_exist() | (SenderClaimItem.code_sent_at <= quiet_since)),
            )
        )

    def allow_alpha(self, account_sid: str, text: str) -> None:
        AlphaAllowItem(AlphaAllowItem.key_for(account_sid, text), account_sid=account_sid, text=text.strip()).save()

    def disallow_alpha(self, account_sid: str, text: str) -> bool:
        return condition_held(
            lambda: AlphaAllowItem(AlphaAllowItem.key_for(account_sid, text)).delete(
                condition=AlphaAllowItem.address.exists()
            )
        )

    def alpha_allowed(self, account_sid: str, text: str) -> bool:
        try:
            AlphaAllowItem.get(AlphaAllowItem.key_for(account_sid, text), consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def allowed_alphas(self, account_sid: str) -> list[str]:
        prefix = f"{ALPHA_PREFIX}{account_sid}#"
        return sorted(item.text for item in AlphaAllowItem.scan(AlphaAllowItem.address.startswith(prefix)))
