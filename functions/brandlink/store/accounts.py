"""Accounts table (pynamodb): one item per account, ``sid=AC…``.

The token fields (``token_salt``, ``token_hash``, ``token_sealed``, ``token_version``) are written
only together, by ``save_token`` (create, rotate) and ``seal_legacy_token`` (migration), each one
conditional write; every other change updates its own attributes, so no write can put an old
token back.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action

from brandlink.core.accounts.limits import AccountLimits
from brandlink.core.accounts.model import Account
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held


class AccountItem(StoreModel):
    Meta = meta("accounts")

    sid = UnicodeAttribute(hash_key=True)
    friendly_name = UnicodeAttribute()
    status = UnicodeAttribute()
    token_salt = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    retention_days = NumberAttribute(null=True)
    token_version = NumberAttribute(default=1)
    token_sealed = UnicodeAttribute(null=True)
    # Abuse-limit overrides (brandlink set-limits); absent: the deployment's default.
    send_rate = NumberAttribute(null=True)
    daily_segments = NumberAttribute(null=True)
    scheduled_cap = NumberAttribute(null=True)
    send_countries = UnicodeAttribute(null=True)

    def limits(self) -> AccountLimits:
        return AccountLimits(
            send_rate=_whole(self.send_rate),
            daily_segments=_whole(self.daily_segments),
            scheduled_cap=_whole(self.scheduled_cap),
            countries=frozenset(self.send_countries.split(",")) if self.send_countries else None,
        )

    def to_domain(self) -> Account:
        return Account(
            sid=self.sid,
            friendly_name=self.friendly_name,
            status=self.status,
            token_salt=self.token_salt,
            token_hash=self.token_hash,
            date_created=self.date_created,
            date_updated=self.date_updated,
            retention_days=int(self.retention_days) if self.retention_days is not None else None,
            token_version=int(self.token_version or 1),
            token_sealed=self.token_sealed,
            limits=self.limits(),
        )

    @classmethod
    def from_domain(cls, account: Account) -> AccountItem:
        return cls(
            sid=account.sid,
            friendly_name=account.friendly_name,
            status=account.status,
            token_salt=account.token_salt,
            token_hash=account.token_hash,
            date_created=account.date_created,
            date_updated=account.date_updated,
            retention_days=account.retention_days,
            token_version=account.token_version,
            token_sealed=account.token_sealed,
        )


class DynamoAccountRepository:
    def add(self, account: Account) -> None:
        try:
            AccountItem.from_domain(account).save(condition=AccountItem.sid.does_not_exist())
        except PutError as exc:
            raise RuntimeError(f"account {account.sid} already exists") from exc

    def get(self, sid: str) -> Account | None:
        try:
            return AccountItem.get(sid, consistent_read=True).to_domain()
        except DoesNotExist:
            return None

    def save(self, account: Account) -> None:
        actions: list[Action] = [
            AccountItem.friendly_name.set(account.friendly_name),
            AccountItem.status.set(account.status),
            AccountItem.date_updated.set(account.date_updated),
            AccountItem.retention_days.remove()
            if account.retention_days is None
            else AccountItem.retention_days.set(account.retention_days),
        ]
        AccountItem(account.sid).update(actions=actions, condition=AccountItem.sid.exists())

    def save_token(self, account: Account, expected_version: int) -> bool:
        stored = AccountItem.token_version == expected_version
        if expected_version == 1:  # items written before the attribute had a default may lack it
            stored = stored | AccountItem.token_version.does_not_exist()
        actions: list[Action] = [
            AccountItem.token_salt.set(account.token_salt),
            AccountItem.token_hash.set(account.token_hash),
            AccountItem.token_version.set(account.token_version),
            AccountItem.date_updated.set(account.date_updated),
            AccountItem.token_sealed.set(account.token_sealed)
            if account.token_sealed
            else AccountItem.token_sealed.remove(),
        ]
        return condition_held(
            lambda: AccountItem(account.sid).update(actions=actions, condition=AccountItem.sid.exists() & stored)
        )

    def seal_legacy_token(self, sid: str, version: int, sealed: str) -> bool:
        stored = AccountItem.token_version == version
        if version == 1:
            stored = stored | AccountItem.token_version.does_not_exist()
        return condition_held(
            lambda: AccountItem(sid).update(
                actions=[AccountItem.token_sealed.set(sealed)],
                condition=AccountItem.sid.exists() & stored & AccountItem.token_sealed.does_not_exist(),
            )
        )

    def save_limits(self, sid: str, limits: AccountLimits) -> bool:
        countries = ",".join(sorted(limits.countries)) if limits.countries is not None else None
        actions: list[Action] = [
            _set_or_remove(AccountItem.send_rate, limits.send_rate),
            _set_or_remove(AccountItem.daily_segments, limits.daily_segments),
            _set_or_remove(AccountItem.scheduled_cap, limits.scheduled_cap),
            AccountItem.send_countries.remove() if countries is None else AccountItem.send_countries.set(countries),
        ]
        return condition_held(lambda: AccountItem(sid).update(actions=actions, condition=AccountItem.sid.exists()))

    def list_all(self) -> list[Account]:
        return [item.to_domain() for item in AccountItem.scan()]


def _whole(value: float | None) -> int | None:
    return int(value) if value is not None else None


def _set_or_remove(attribute: NumberAttribute, value: int | None) -> Action:
    return attribute.remove() if value is None else attribute.set(value)
