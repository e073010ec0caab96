"""Accounts table (pynamodb)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from brandlink.core.accounts.model import Account
from brandlink.store.common.base import StoreModel, meta


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
        AccountItem.from_domain(account).save(condition=AccountItem.sid.exists())

    def list_all(self) -> list[Account]:
        return [item.to_domain() for item in AccountItem.scan()]
