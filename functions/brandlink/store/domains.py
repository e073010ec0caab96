"""Link-shortening domains on DynamoDB (pynamodb).

Item shapes:

* ``domains`` ``sid=DN…``: the domain, its certificate metadata (ARN, expiry, an upload in
  progress — never key material) and its config, with a ``version`` for optimistic locking.
* ``domains`` ``sid=name#<host>``: the deployment-wide claim of a **verified** host name
  (``owner_domain_sid``, ``account_sid``), written in the transaction that marks its domain verified:
  the first account to verify the name holds it, and the redirect resolves a Host through it.
  Claims written before names were claimed only on verification may point at an unverified domain:
  ``brandlink migrate-domains`` removes those.
* ``domains`` ``sid=account-name#<AC…>#<host>``: the per-account claim that keeps an account from
  registering a name twice; an unverified registration's claim lapses with it (``expires_at``).
* Domain items of unverified registrations carry ``expires_at`` too (the table's TTL attribute);
  the code checks it itself, since DynamoDB deletes expired items days late.
  Claims have no ``account_sid``+``domain_name`` pair of a domain, so they stay out of the indexes
  (the ``by_name`` index may hold several accounts' unverified registrations of one name: never
  resolve a host with it, use ``verified_domain``).
* ``service_domains`` ``service_sid=MG…``: the domain config a messaging service belongs to.

Every change that touches more than one item is one transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from brandlink.core.common.dates import utcnow
from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.domains.model import (
    CertificateRecord,
    CertificateUpload,
    Domain,
    DomainConfig,
    InstalledCertificate,
)
from brandlink.core.domains.repository import (
    DomainGone,
    DomainNameTaken,
    Mutation,
    NameHeldElsewhere,
    ServiceInOtherDomain,
    ServiceUnavailable,
)
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held, failed_conditions, transaction_connection
from brandlink.store.common.paging import query_page

NAME_CLAIM_PREFIX = "name#"
ACCOUNT_NAME_CLAIM_PREFIX = "account-name#"
MAX_ATTEMPTS = 5


class InstalledAttribute(MapAttribute[str, Any]):
    acm_arn = UnicodeAttribute()
    not_after = UTCDateTimeAttribute()
    fingerprint_sha256 = UnicodeAttribute()
    date_installed = UTCDateTimeAttribute()
    expired = BooleanAttribute(default=False)


class UploadAttribute(MapAttribute[str, Any]):
    upload_id = UnicodeAttribute()
    status = UnicodeAttribute()
    not_after = UTCDateTimeAttribute()
    fingerprint_sha256 = UnicodeAttribute()
    date_uploaded = UTCDateTimeAttribute()
    error_code = NumberAttribute(null=True)
    error_message = UnicodeAttribute(null=True)


class CertificateAttribute(MapAttribute[str, Any]):
    sid = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    installed = InstalledAttribute(null=True)
    upload = UploadAttribute(null=True)


class ConfigAttribute(MapAttribute[str, Any]):
    sid = UnicodeAttribute()
    fallback_url = UnicodeAttribute(null=True)
    callback_url = UnicodeAttribute(null=True)
    continue_on_failure = BooleanAttribute()
    disable_https = BooleanAttribute()
    messaging_service_sids = ListAttribute(of=UnicodeAttribute, default=list)
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()


class AccountIndex(GlobalSecondaryIndex["DomainItem"]):
    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_sid = UnicodeAttribute(hash_key=True)
    sid = UnicodeAttribute(range_key=True)


class DomainItem(StoreModel):
    Meta = meta("domains")

    sid = UnicodeAttribute(hash_key=True)
    account_sid = UnicodeAttribute()
    domain_name = UnicodeAttribute()
    verification_token = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    date_verified = UTCDateTimeAttribute(null=True)
    target_host = UnicodeAttribute(null=True)
    certificate = CertificateAttribute(null=True)
    config = ConfigAttribute(null=True)
    version = VersionAttribute()
    expires_at = TTLAttribute(null=True)

    by_account = AccountIndex()

    def to_domain(self) -> Domain:
        return Domain(
            sid=self.sid,
            account_sid=self.account_sid,
            domain_name=self.domain_name,
            verification_token=self.verification_token,
            date_created=self.date_created,
            date_updated=self.date_updated,
            date_verified=self.date_verified,
            target_host=self.target_host,
            certificate=_certificate(self.certificate),
            config=_config(self.config),
            version=self.version,
            expires_at=self.expires_at,
        )

    @classmethod
    def from_domain(cls, domain: Domain) -> DomainItem:
        item = cls(
            sid=domain.sid,
            account_sid=domain.account_sid,
            domain_name=domain.domain_name,
            verification_token=domain.verification_token,
            date_created=domain.date_created,
            date_updated=domain.date_updated,
            date_verified=domain.date_verified,
            target_host=domain.target_host,
            certificate=_certificate_attribute(domain.certificate),
            config=_config_attribute(domain.config),
            expires_at=domain.expires_at,
        )
        if domain.version is not None:
            item.version = domain.version
        return item


class NameClaimItem(StoreModel):
    """The deployment-wide claim of a verified host name."""

    Meta = meta("domains")

    sid = UnicodeAttribute(hash_key=True)
    owner_domain_sid = UnicodeAttribute()
    owner_account_sid = UnicodeAttribute(null=True)  # absent on claims written before verification claimed

    @staticmethod
    def key_for(domain_name: str) -> str:
        return NAME_CLAIM_PREFIX + domain_name


class AccountNameClaimItem(StoreModel):
    """One account's registration of a host name: at most one live one per account and name."""

    Meta = meta("domains")

    sid = UnicodeAttribute(hash_key=True)
    owner_domain_sid = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)

    @staticmethod
    def key_for(account_sid: str, domain_name: str) -> str:
        return f"{ACCOUNT_NAME_CLAIM_PREFIX}{account_sid}#{domain_name}"


class DomainKey(StoreModel):
    """Only the key of a domain item (and whether it is verified): deletes a lapsed registration
    without the version check a ``DomainItem`` write carries."""

    Meta = meta("domains")

    sid = UnicodeAttribute(hash_key=True)
    date_verified = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ServiceDomainItem(StoreModel):
    Meta = meta("service_domains")

    service_sid = UnicodeAttribute(hash_key=True)
    domain_sid = UnicodeAttribute()
    account_sid = UnicodeAttribute()


def _certificate(attr: CertificateAttribute | None) -> CertificateRecord | None:
    if attr is None:
        return None
    installed = attr.installed
    upload = attr.upload
    return CertificateRecord(
        sid=attr.sid,
        date_created=attr.date_created,
        date_updated=attr.date_updated,
        installed=InstalledCertificate(
            acm_arn=installed.acm_arn,
            not_after=installed.not_after,
            fingerprint_sha256=installed.fingerprint_sha256,
            date_installed=installed.date_installed,
            expired=bool(installed.expired),
        )
        if installed is not None
        else None,
        upload=CertificateUpload(
            upload_id=upload.upload_id,
            status=upload.status,  # type: ignore[arg-type]
            not_after=upload.not_after,
            fingerprint_sha256=upload.fingerprint_sha256,
            date_uploaded=upload.date_uploaded,
            error_code=int(upload.error_code) if upload.error_code is not None else None,
            error_message=upload.error_message,
        )
        if upload is not None
        else None,
    )


def _certificate_attribute(record: CertificateRecord | None) -> CertificateAttribute | None:
    if record is None:
        return None
    installed, upload = record.installed, record.upload
    return CertificateAttribute(
        sid=record.sid,
        date_created=record.date_created,
        date_updated=record.date_updated,
        installed=InstalledAttribute(
            acm_arn=installed.acm_arn,
            not_after=installed.not_after,
            fingerprint_sha256=installed.fingerprint_sha256,
            date_installed=installed.date_installed,
            expired=installed.expired,
        )
        if installed
        else None,
        upload=UploadAttribute(
            upload_id=upload.upload_id,
            status=upload.status,
            not_after=upload.not_after,
            fingerprint_sha256=upload.fingerprint_sha256,
            date_uploaded=upload.date_uploaded,
            error_code=upload.error_code,
            error_message=upload.error_message,
        )
        if upload
        else None,
    )


def _config(attr: ConfigAttribute | None) -> DomainConfig | None:
    if attr is None:
        return None
    return DomainConfig(
        sid=attr.sid,
        fallback_url=attr.fallback_url,
        callback_url=attr.callback_url,
        continue_on_failure=bool(attr.continue_on_failure),
        disable_https=bool(attr.disable_https),
        messaging_service_sids=tuple(str(sid) for sid in attr.messaging_service_sids or ()),
        date_created=attr.date_created,
        date_updated=attr.date_updated,
    )


def _config_attribute(config: DomainConfig | None) -> ConfigAttribute | None:
    if config is None:
        return None
    return ConfigAttribute(
        sid=config.sid,
        fallback_url=config.fallback_url,
        callback_url=config.callback_url,
        continue_on_failure=config.continue_on_failure,
        disable_https=config.disable_https,
        messaging_service_sids=list(config.messaging_service_sids),
        date_created=config.date_created,
        date_updated=config.date_updated,
    )


def _services_of(domain: Domain) -> tuple[str, ...]:
    return domain.config.messaging_service_sids if domain.config else ()


class DynamoDomainRepository:
    def add(self, domain: Domain) -> None:
        key = AccountNameClaimItem.key_for(domain.account_sid, domain.domain_name)
        now = domain.date_created
        for _attempt in range(MAX_ATTEMPTS):
            existing = self._account_claim(key)
            if existing is not None and (existing.expires_at is None or existing.expires_at > now):
                raise DomainNameTaken(existing.owner_domain_sid)
            claim = AccountNameClaimItem(key, owner_domain_sid=domain.sid, expires_at=domain.expires_at)
            free = AccountNameClaimItem.sid.does_not_exist()
            if existing is not None:  # a lapsed registration of the name: replaced, its domain goes too
                free = (AccountNameClaimItem.owner_domain_sid == existing.owner_domain_sid) & (
                    AccountNameClaimItem.expires_at <= now
                )
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    transaction.save(DomainItem.from_domain(domain), DomainItem.sid.does_not_exist())
                    transaction.save(claim, free)
                    if existing is not None:
                        transaction.delete(
                            DomainKey(existing.owner_domain_sid), condition=DomainKey.date_verified.does_not_exist()
                        )
            except TransactWriteError as exc:
                if exc.cause_response_code == "TransactionCanceledException":
                    continue  # the account registered or verified the name meanwhile: read again
                raise
            return
        raise RuntimeError(f"the registration of {domain.domain_name} kept changing while it was being made")

    def mark_verified(self, domain: Domain, date_verified: datetime) -> Domain:
        for _attempt in range(MAX_ATTEMPTS):
            current = self._require(domain.sid)
            if current.verified:
                return current
            changed = replace(current, date_verified=date_verified, date_updated=date_verified, expires_at=None)
            item = DomainItem.from_domain(changed)
            claim = NameClaimItem(
                NameClaimItem.key_for(current.domain_name),
                owner_domain_sid=current.sid,
                owner_account_sid=current.account_sid,
            )
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    transaction.save(item)
                    transaction.save(
                        claim, NameClaimItem.sid.does_not_exist() | (NameClaimItem.owner_domain_sid == current.sid)
                    )
                    transaction.update(
                        AccountNameClaimItem(AccountNameClaimItem.key_for(current.account_sid, current.domain_name)),
                        actions=[AccountNameClaimItem.expires_at.remove()],
                        condition=AccountNameClaimItem.sid.does_not_exist()
                        | (AccountNameClaimItem.owner_domain_sid == current.sid),
                    )
            except TransactWriteError as exc:
                if exc.cause_response_code != "TransactionCanceledException":
                    raise
                failed = failed_conditions(exc)
                if len(failed) > 1 and failed[1]:
                    raise NameHeldElsewhere(current.domain_name) from exc
                continue  # the domain changed meanwhile: read again
            return item.to_domain()
        raise RuntimeError(f"domain {domain.sid} kept changing while it was being verified")

    def adopt_registration(self, domain: Domain, expires_at: datetime) -> str:
        account_key = AccountNameClaimItem.key_for(domain.account_sid, domain.domain_name)
        owner = self._claim_owner(domain.domain_name)
        if domain.verified:
            if owner not in (None, domain.sid):  # cannot happen with the old rules (one claim per name)
                return "conflict"
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(
                    NameClaimItem(
                        NameClaimItem.key_for(domain.domain_name),
                        owner_domain_sid=domain.sid,
                        owner_account_sid=domain.account_sid,
                    ),
                    NameClaimItem.sid.does_not_exist() | (NameClaimItem.owner_domain_sid == domain.sid),
                )
                transaction.save(
                    AccountNameClaimItem(account_key, owner_domain_sid=domain.sid),
                    AccountNameClaimItem.sid.does_not_exist() | (AccountNameClaimItem.owner_domain_sid == domain.sid),
                )
            return "verified_claimed"
        if domain.expires_at is not None and self._account_claim(account_key) is not None and owner != domain.sid:
            return "already_migrated"
        lapse = domain.expires_at or expires_at
        with TransactWrite(connection=transaction_connection()) as transaction:
            transaction.update(
                DomainKey(domain.sid),
                actions=[DomainKey.expires_at.set(lapse)],
                condition=DomainKey.date_verified.does_not_exist() & DomainKey.sid.exists(),
            )
            transaction.save(
                AccountNameClaimItem(account_key, owner_domain_sid=domain.sid, expires_at=lapse),
                AccountNameClaimItem.sid.does_not_exist() | (AccountNameClaimItem.owner_domain_sid == domain.sid),
            )
            if owner == domain.sid:  # the old rules claimed the name at registration: release it
                transaction.delete(
                    NameClaimItem(NameClaimItem.key_for(domain.domain_name)),
                    NameClaimItem.owner_domain_sid == domain.sid,
                )
        return "unverified_released" if owner == domain.sid else "unverified_expiring"

    def verified_domain(self, domain_name: str) -> Domain | None:
        owner = self._claim_owner(domain_name)
        domain = self.get(owner) if owner else None
        return domain if domain is not None and domain.verified and domain.domain_name == domain_name else None

    def get(self, sid: str) -> Domain | None:
        if not sid.startswith("DN"):
            return None
        try:
            return DomainItem.get(sid, consistent_read=True).to_domain()
        except DoesNotExist:
            return None

    def page(self, account_sid: str, request: PageRequest) -> Page[Domain]:
        live = DomainItem.expires_at.does_not_exist() | (DomainItem.expires_at > utcnow())
        items, next_cursor, previous_cursor = query_page(
            DomainItem.by_account, account_sid, request, filter_condition=live
        )
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)

    def all(self) -> list[Domain]:
        return [item.to_domain() for item in DomainItem.scan(DomainItem.sid.startswith("DN"))]

    def update(self, sid: str, mutation: Mutation) -> Domain:
        for _attempt in range(MAX_ATTEMPTS):
            current = self._require(sid)
            changed = mutation(current)
            if changed == current:
                return current
            item = DomainItem.from_domain(changed)
            if not condition_held(item.save):
                continue  # changed or deleted meanwhile: read again (the version attribute is the condition)
            return item.to_domain()
        raise RuntimeError(f"domain {sid} kept changing while it was being updated")

    def update_config(self, sid: str, mutation: Mutation) -> Domain:
        # Imported here, not at module load: the redirect function reads domains and never services.
        from brandlink.store.services import ServiceItem

        for _attempt in range(MAX_ATTEMPTS):
            current = self._require(sid)
            changed = mutation(current)
            if changed == current:
                return current
            before, after = set(_services_of(current)), set(_services_of(changed))
            added, removed = sorted(after - before), sorted(before - after)
            item = DomainItem.from_domain(changed)
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    transaction.save(item)
                    for service_sid in added:
                        transaction.condition_check(
                            ServiceItem,
                            changed.account_sid,
                            service_sid,
                            condition=ServiceItem.sid.exists() & ServiceItem.deleting.does_not_exist(),
                        )
                        transaction.save(
                            ServiceDomainItem(service_sid, domain_sid=sid, account_sid=changed.account_sid),
                            ServiceDomainItem.service_sid.does_not_exist() | (ServiceDomainItem.domain_sid == sid),
                        )
                    for service_sid in removed:
                        transaction.delete(
                            ServiceDomainItem(service_sid),
                            ServiceDomainItem.service_sid.does_not_exist() | (ServiceDomainItem.domain_sid == sid),
                        )
            except TransactWriteError as exc:
                if exc.cause_response_code != "TransactionCanceledException":
                    raise
                self._explain_config_conflict(current, added)
                continue
            return item.to_domain()
        raise RuntimeError(f"domain {sid} kept changing while its config was being updated")

    def delete(self, sid: str) -> Domain | None:
        for _attempt in range(MAX_ATTEMPTS):
            current = self.get(sid)
            if current is None:
                return None
            holds_name = self._claim_owner(current.domain_name) == sid
            account_claim = AccountNameClaimItem(AccountNameClaimItem.key_for(current.account_sid, current.domain_name))
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    transaction.delete(DomainItem.from_domain(current))
                    transaction.delete(
                        account_claim,
                        AccountNameClaimItem.sid.does_not_exist() | (AccountNameClaimItem.owner_domain_sid == sid),
                    )
                    if holds_name:  # the deployment-wide claim goes only with the domain that holds it
                        transaction.delete(
                            NameClaimItem(NameClaimItem.key_for(current.domain_name)),
                            NameClaimItem.owner_domain_sid == sid,
                        )
                    for service_sid in _services_of(current):
                        transaction.delete(
                            ServiceDomainItem(service_sid),
                            ServiceDomainItem.service_sid.does_not_exist() | (ServiceDomainItem.domain_sid == sid),
                        )
            except TransactWriteError as exc:
                if exc.cause_response_code == "TransactionCanceledException":
                    continue
                raise
            return current
        raise RuntimeError(f"domain {sid} kept changing while it was being deleted")

    def domain_sid_of_service(self, service_sid: str) -> tuple[str, str] | None:
        try:
            item = ServiceDomainItem.get(service_sid, consistent_read=True)
        except DoesNotExist:
            return None
        return item.account_sid, item.domain_sid

    def _require(self, sid: str) -> Domain:
        domain = self.get(sid)
        if domain is None:
            raise DomainGone(sid)
        return domain

    def _explain_config_conflict(self, read: Domain, added: list[str]) -> None:
        """After a cancelled config transaction: raise what the caller must hear, or return to retry."""
        latest = self.get(read.sid)
        if latest is None:
            raise DomainGone(read.sid)
        if latest.version != read.version:
            return
        for service_sid in added:
            owner = self.domain_sid_of_service(service_sid)
            if owner is not None and owner[1] != read.sid:
                holder = self.get(owner[1])
                if holder is None or holder.lapsed(utcnow()):
                    # Left behind by a registration that lapsed unverified (TTL deletes no other item).
                    stale = ServiceDomainItem(service_sid)
                    condition_held(partial(stale.delete, ServiceDomainItem.domain_sid == owner[1]))
                    return
                raise ServiceInOtherDomain(service_sid, owner[1])
            if not self._service_open(read.account_sid, service_sid):
                raise ServiceUnavailable(service_sid)

    @staticmethod
    def _service_open(account_sid: str, service_sid: str) -> bool:
        from brandlink.store.services import ServiceItem

        try:
            service = ServiceItem.get(account_sid, service_sid, consistent_read=True)
        except DoesNotExist:
            return False
        return not service.deleting

    @staticmethod
    def _account_claim(key: str) -> AccountNameClaimItem | None:
        try:
            return AccountNameClaimItem.get(key, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _claim_owner(domain_name: str) -> str | None:
        try:
            return NameClaimItem.get(NameClaimItem.key_for(domain_name), consistent_read=True).owner_domain_sid
        except DoesNotExist:
            return None
