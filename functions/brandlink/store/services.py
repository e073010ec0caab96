"""Messaging services and senders on DynamoDB (pynamodb).

Tables and item shapes:

* ``services`` ``(account_sid, sid=MG…)``: every setting, plus two internal attributes —
  ``deleting`` (set while a delete runs: the service is hidden and closed to new pool entries; other
  writers that attach a service elsewhere should condition on ``attribute_not_exists(deleting)``)
  and ``alpha_sender_sid`` (the one alphanumeric ID of its pool).
* ``senders`` ``(owner_sid, sid)``:
  - ``(AC…, PN…|SC…)`` an account-owned sender; ``service_sid`` names the pool it is in; ``status``
    ``pending`` (with its ``verification`` code) while the account does not hold the address.
  - ``(MG…, PN…|SC…|AI…)`` a pool entry: a copy of the sender's address, kind, country and capabilities.
  - ``(AC…#addresses, <address>)`` the claim that keeps an address registered once per account; it has
    no ``account_sid``/``address`` attributes, so it stays out of the ``by_address`` index.
* ``sticky_senders`` ``(service_sid, to)``: removed here when the service is deleted.

Every change that touches two items is one transaction, so no request leaves half a pool behind.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.senders.claims import ClaimHeld, SenderClaim
from brandlink.core.senders.model import IN_USE, PENDING, PendingCode, Sender
from brandlink.core.senders.repository import AddressTaken, AlreadyInPool
from brandlink.core.services.model import MessagingService
from brandlink.core.services.repository import ServiceGone
from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import (
    condition_held,
    failed_conditions,
    is_condition_failure,
    transaction_connection,
)
from brandlink.store.common.paging import query_page

# Pool entries released per transaction when a service is deleted: 2 writes each, DynamoDB allows 100.
DELETE_CHUNK = 40
_SETTING_FIELDS = tuple(
    f.name for f in dataclasses.fields(MessagingService) if f.name not in ("account_sid", "sid", "date_created")
)
_EDITABLE_SENDER_FIELDS = (
    "friendly_name",
    "date_updated",
    "sms_url",
    "sms_method",
    "sms_fallback_url",
    "sms_fallback_method",
    "status_callback",
    "status_callback_method",
)


class ServiceItem(StoreModel):
    Meta = meta("services")

    account_sid = UnicodeAttribute(hash_key=True)
    sid = UnicodeAttribute(range_key=True)
    friendly_name = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    inbound_request_url = UnicodeAttribute(null=True)
    inbound_method = UnicodeAttribute()
    fallback_url = UnicodeAttribute(null=True)
    fallback_method = UnicodeAttribute()
    status_callback = UnicodeAttribute(null=True)
    sticky_sender = BooleanAttribute()
    mms_converter = BooleanAttribute()
    smart_encoding = BooleanAttribute()
    scan_message_content = UnicodeAttribute()
    fallback_to_long_code = BooleanAttribute()
    area_code_geomatch = BooleanAttribute()
    synchronous_validation = BooleanAttribute()
    validity_period = NumberAttribute()
    usecase = UnicodeAttribute()
    use_inbound_webhook_on_number = BooleanAttribute()
    deleting = BooleanAttribute(null=True)
    alpha_sender_sid = UnicodeAttribute(null=True)

    def to_domain(self) -> MessagingService:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(MessagingService)}
        values["validity_period"] = int(self.validity_period)
        return MessagingService(**values)

    @classmethod
    def from_domain(cls, service: MessagingService) -> ServiceItem:
        return cls(**dataclasses.asdict(service))


class AddressIndex(GlobalSecondaryIndex["SenderItem"]):
    class Meta:
        index_name = "by_address"
        projection = AllProjection()

    account_sid = UnicodeAttribute(hash_key=True)
    address = UnicodeAttribute(range_key=True)


class VerificationAttribute(MapAttribute[str, Any]):
    salt = UnicodeAttribute()
    digest = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=0)


class SenderItem(StoreModel):
    Meta = meta("senders")

    owner_sid = UnicodeAttribute(hash_key=True)
    sid = UnicodeAttribute(range_key=True)
    account_sid = UnicodeAttribute()
    address = UnicodeAttribute()
    kind = UnicodeAttribute()
    country_code = UnicodeAttribute(null=True)
    capabilities = ListAttribute(of=UnicodeAttribute)
    friendly_name = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()
    date_updated = UTCDateTimeAttribute()
    service_sid = UnicodeAttribute(null=True)
    number_type = UnicodeAttribute(null=True)
    sms_url = UnicodeAttribute(null=True)
    sms_method = UnicodeAttribute()
    sms_fallback_url = UnicodeAttribute(null=True)
    sms_fallback_method = UnicodeAttribute()
    status_callback = UnicodeAttribute(null=True)
    status_callback_method = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # absent: in use (items written before sender claims)
    verification = VerificationAttribute(null=True)

    by_address = AddressIndex()

    def to_domain(self) -> Sender:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(Sender)}
        values["capabilities"] = tuple(self.capabilities or ())
        values["status"] = PENDING if self.status == PENDING else IN_USE
        code = self.verification
        values["verification"] = (
            PendingCode(code.salt, code.digest, code.expires_at, int(code.attempts or 0)) if code else None
        )
        return Sender(**values)

    @classmethod
    def from_domain(cls, sender: Sender, owner_sid: str) -> SenderItem:
        values = dataclasses.asdict(sender)
        values["capabilities"] = list(sender.capabilities)
        code = sender.verification
        values["verification"] = (
            VerificationAttribute(
                salt=code.salt, digest=code.digest, expires_at=code.expires_at, attempts=code.attempts
            )
            if code
            else None
        )
        return cls(owner_sid=owner_sid, **values)


class AddressClaimItem(StoreModel):
    Meta = meta("senders")

    owner_sid = UnicodeAttribute(hash_key=True)
    sid = UnicodeAttribute(range_key=True)
    sender_sid = UnicodeAttribute()

    @staticmethod
    def owner_for(account_sid: str) -> str:
        return f"{account_sid}#addresses"


class StickySenderKey(StoreModel):
    """Only the key of a sticky-sender mapping: enough to delete the mappings of a deleted service."""

    Meta = meta("sticky_senders")

    service_sid = UnicodeAttribute(hash_key=True)
    to = UnicodeAttribute(range_key=True)


class DynamoServiceRepository:
    def add(self, service: MessagingService) -> None:
        ServiceItem.from_domain(service).save(condition=ServiceItem.sid.does_not_exist())

    def get(self, account_sid: str, sid: str) -> MessagingService | None:
        item = self._raw(account_sid, sid)
        return None if item is None or item.deleting else item.to_domain()

    def save(self, service: MessagingService) -> None:
        actions = []
        for name in _SETTING_FIELDS:
            attribute = getattr(ServiceItem, name)
            value = getattr(service, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        try:
            ServiceItem(service.account_sid, service.sid).update(
                actions=actions, condition=ServiceItem.sid.exists() & ServiceItem.deleting.does_not_exist()
            )
        except UpdateError as exc:
            if is_condition_failure(exc):
                raise ServiceGone(service.sid) from exc
            raise

    def page(self, account_sid: str, request: PageRequest) -> Page[MessagingService]:
        items, next_cursor, previous_cursor = query_page(
            ServiceItem, account_sid, request, filter_condition=ServiceItem.deleting.does_not_exist()
        )
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)

    def begin_delete(self, account_sid: str, sid: str) -> bool:
        return condition_held(
            lambda: ServiceItem(account_sid, sid).update(
                actions=[ServiceItem.deleting.set(True)], condition=ServiceItem.sid.exists()
            )
        )

    def finish_delete(self, account_sid: str, sid: str) -> None:
        while True:
            entries = list(SenderItem.query(sid, consistent_read=True, limit=DELETE_CHUNK))
            if not entries:
                break
            with TransactWrite(connection=transaction_connection()) as transaction:
                for entry in entries:
                    transaction.delete(entry)
                    if entry.kind != "alpha_sender":
                        transaction.update(
                            SenderItem(entry.account_sid, entry.sid),
                            actions=[SenderItem.service_sid.remove()],
                            condition=SenderItem.service_sid == sid,
                        )
        with StickySenderKey.batch_write() as batch:
            for mapping in StickySenderKey.query(sid, attributes_to_get=["service_sid", "to"]):
                batch.delete(mapping)
        ServiceItem(account_sid, sid).delete()

    @staticmethod
    def _raw(account_sid: str, sid: str) -> ServiceItem | None:
        try:
            return ServiceItem.get(account_sid, sid, consistent_read=True)
        except DoesNotExist:
            return None


class DynamoSenderRepository:
    def register(self, sender: Sender) -> None:
        claim = AddressClaimItem(AddressClaimItem.owner_for(sender.account_sid), sender.address, sender_sid=sender.sid)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.save(SenderItem.from_domain(sender, sender.account_sid), SenderItem.sid.does_not_exist())
                transaction.save(claim, AddressClaimItem.sid.does_not_exist())
        except TransactWriteError as exc:
            if len(failed_conditions(exc)) > 1 and failed_conditions(exc)[1]:
                raise AddressTaken(self._claimant(sender.account_sid, sender.address)) from exc
            raise

    def get_owned(self, account_sid: str, sid: str) -> Sender | None:
        item = self._raw_sender(account_sid, sid)
        return item.to_domain() if item else None

    def save_owned(self, sender: Sender) -> bool:
        # Only the editable fields: a full put could undo a concurrent change of pool membership.
        actions = []
        for name in _EDITABLE_SENDER_FIELDS:
            attribute = getattr(SenderItem, name)
            value = getattr(sender, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        return condition_held(
            lambda: SenderItem(sender.account_sid, sender.sid).update(
                actions=actions, condition=SenderItem.sid.exists()
            )
        )

    def page_owned(
        self,
        account_sid: str,
        sid_prefix: str,
        request: PageRequest,
        *,
        address_contains: str | None = None,
        friendly_name: str | None = None,
    ) -> Page[Sender]:
        condition: Condition | None = None
        if address_contains:
            condition = SenderItem.address.contains(address_contains)
        if friendly_name is not None:
            by_name = SenderItem.friendly_name == friendly_name
            condition = by_name if condition is None else condition & by_name
        items, next_cursor, previous_cursor = query_page(
            SenderItem, account_sid, request, range_prefix=sid_prefix, filter_condition=condition
        )
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)

    def delete_owned(self, account_sid: str, sid: str) -> bool:
        for _attempt in range(3):
            item = self._raw_sender(account_sid, sid)
            if item is None:
                return False
            pool = item.service_sid
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    in_same_pool = SenderItem.service_sid == pool if pool else SenderItem.service_sid.does_not_exist()
                    transaction.delete(item, condition=SenderItem.sid.exists() & in_same_pool)
                    transaction.delete(AddressClaimItem(AddressClaimItem.owner_for(account_sid), item.address))
                    if pool:
                        transaction.delete(SenderItem(pool, sid))
            except TransactWriteError as exc:
                if any(failed_conditions(exc)):
                    continue  # the pool changed meanwhile: read again
                raise
            return True
        raise RuntimeError(f"sender {sid} kept changing while it was being deleted")

    def add_to_pool(self, service: MessagingService, sender: Sender) -> Sender:
        entry = dataclasses.replace(sender, service_sid=service.sid)
        now = entry.date_updated
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.condition_check(
                    ServiceItem,
                    service.account_sid,
                    service.sid,
                    condition=ServiceItem.sid.exists() & ServiceItem.deleting.does_not_exist(),
                )
                transaction.update(
                    SenderItem(sender.account_sid, sender.sid),
                    actions=[SenderItem.service_sid.set(service.sid), SenderItem.date_updated.set(now)],
                    condition=SenderItem.sid.exists() & SenderItem.service_sid.does_not_exist(),
                )
                transaction.save(SenderItem.from_domain(entry, service.sid), SenderItem.sid.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            if failed and failed[0]:
                raise ServiceGone(service.sid) from exc
            if any(failed):
                current = self.get_owned(sender.account_sid, sender.sid)
                raise AlreadyInPool(current.service_sid if current else None) from exc
            raise
        return entry

    def add_alpha_sender(self, service: MessagingService, sender: Sender) -> None:
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.update(
                    ServiceItem(service.account_sid, service.sid),
                    actions=[ServiceItem.alpha_sender_sid.set(sender.sid)],
                    condition=ServiceItem.sid.exists()
                    & ServiceItem.deleting.does_not_exist()
                    & ServiceItem.alpha_sender_sid.does_not_exist(),
                )
                transaction.save(SenderItem.from_domain(sender, service.sid), SenderItem.sid.does_not_exist())
        except TransactWriteError as exc:
            if any(failed_conditions(exc)):
                current = DynamoServiceRepository._raw(service.account_sid, service.sid)
                if current is None or current.deleting:
                    raise ServiceGone(service.sid) from exc
                raise AlreadyInPool(service.sid) from exc
            raise

    def pool_entry(self, service_sid: str, sid: str) -> Sender | None:
        item = self._raw_sender(service_sid, sid)
        return item.to_domain() if item else None

    def pool(self, service_sid: str) -> list[Sender]:
        # A pending sender never joins a pool; skipping one anyway costs nothing at send time.
        return [
            sender for sender in (item.to_domain() for item in SenderItem.query(service_sid)) if sender.status == IN_USE
        ]

    def page_pool(self, service_sid: str, sid_prefix: str, request: PageRequest) -> Page[Sender]:
        items, next_cursor, previous_cursor = query_page(SenderItem, service_sid, request, range_prefix=sid_prefix)
        return Page([item.to_domain() for item in items], next_cursor, previous_cursor)

    def remove_from_pool(self, service_sid: str, sid: str) -> bool:
        entry = self._raw_sender(service_sid, sid)
        if entry is None:
            return False
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                transaction.delete(entry, condition=SenderItem.sid.exists())
                if entry.kind == "alpha_sender":
                    transaction.update(
                        ServiceItem(entry.account_sid, service_sid),
                        actions=[ServiceItem.alpha_sender_sid.remove()],
                        condition=ServiceItem.alpha_sender_sid == sid,
                    )
                else:
                    transaction.update(
                        SenderItem(entry.account_sid, sid),
                        actions=[SenderItem.service_sid.remove()],
                        condition=SenderItem.service_sid == service_sid,
                    )
        except TransactWriteError as exc:
            if any(failed_conditions(exc)):
                return False  # removed by a concurrent request
            raise
        return True

    def find_by_address(self, account_sid: str, address: str) -> list[Sender]:
        found: dict[str, SenderItem] = {}
        for item in SenderItem.by_address.query(account_sid, SenderItem.address == address):
            # The account-owned record wins over its pool copy; both name the same sender.
            if item.sid not in found or item.owner_sid == account_sid:
                found[item.sid] = item
        return [item.to_domain() for item in found.values()]

    @staticmethod
    def _raw_sender(owner_sid: str, sid: str) -> SenderItem | None:
        try:
            return SenderItem.get(owner_sid, sid, consistent_read=True)
        except DoesNotExist:
            return None

    @staticmethod
    def _claimant(account_sid: str, address: str) -> str | None:
        try:
            claim = AddressClaimItem.get(AddressClaimItem.owner_for(account_sid), address, consistent_read=True)
        except DoesNotExist:
            return None
        return claim.sender_sid

    # ---- ownership (core.senders.claims) ---------------------------------------------------------

    def activate(self, sender: Sender, claim: SenderClaim) -> Sender | None:
        from brandlink.store.sender_claims import SenderClaimItem

        current = DynamoSenderClaimsReader.holder(claim.address)
        try:
            with TransactWrite(connection=transaction_connection()) as transaction:
                if current == claim.account_sid:
                    transaction.condition_check(
                        SenderClaimItem, claim.address, condition=SenderClaimItem.account_sid == claim.account_sid
                    )
                else:
                    transaction.update(
                        SenderClaimItem(claim.address),
                        actions=SenderClaimItem.claim_actions(claim),  # type: ignore[arg-type]
                        condition=SenderClaimItem.account_sid.does_not_exist(),
                    )
                transaction.update(
                    SenderItem(sender.account_sid, sender.sid),
                    actions=[SenderItem.status.set(IN_USE), SenderItem.verification.remove()],
                    condition=SenderItem.sid.exists() & (SenderItem.status == PENDING),
                )
        except TransactWriteError as exc:
            failed = failed_conditions(exc)
            if failed and failed[0]:
                holder = DynamoSenderClaimsReader.holder(claim.address)
                if holder is not None and holder != claim.account_sid:
                    raise ClaimHeld(holder) from exc
            if any(failed):
                return None
            raise
        return self.get_owned(sender.account_sid, sender.sid)

    def replace_code(self, account_sid: str, sid: str, pending: PendingCode) -> bool:
        code = VerificationAttribute(
            salt=pending.salt, digest=pending.digest, expires_at=pending.expires_at, attempts=pending.attempts
        )
        return condition_held(
            lambda: SenderItem(account_sid, sid).update(
                actions=[SenderItem.verification.set(code)],
                condition=SenderItem.sid.exists() & (SenderItem.status == PENDING),
            )
        )

    def record_failed_attempt(self, account_sid: str, sid: str) -> None:
        condition_held(
            lambda: SenderItem(account_sid, sid).update(
                actions=[SenderItem.verification.attempts.add(1)],  # type: ignore[attr-defined]
                condition=SenderItem.verification.exists(),
            )
        )

    def mark_in_use(self, account_sid: str, sid: str) -> bool:
        return condition_held(
            lambda: SenderItem(account_sid, sid).update(
                actions=[SenderItem.status.set(IN_USE), SenderItem.verification.remove()],
                condition=SenderItem.sid.exists() & (SenderItem.status == PENDING),
            )
        )

    def mark_pending(self, account_sid: str, sid: str) -> bool:
        for _attempt in range(3):
            item = self._raw_sender(account_sid, sid)
            if item is None:
                return False
            pool = item.service_sid
            try:
                with TransactWrite(connection=transaction_connection()) as transaction:
                    in_same_pool = SenderItem.service_sid == pool if pool else SenderItem.service_sid.does_not_exist()
                    transaction.update(
                        SenderItem(account_sid, sid),
                        actions=[SenderItem.status.set(PENDING), SenderItem.service_sid.remove()],
                        condition=SenderItem.sid.exists() & in_same_pool,
                    )
                    if pool:
                        transaction.delete(SenderItem(pool, sid))
            except TransactWriteError as exc:
                if any(failed_conditions(exc)):
                    continue
                raise
            return True
        raise RuntimeError(f"sender {sid} kept changing while it was being taken out of use")

    def owned_senders(self) -> list[Sender]:
        return [
            item.to_domain()
            for item in SenderItem.scan(SenderItem.owner_sid.startswith("AC") & SenderItem.kind.exists())
            if item.owner_sid == item.account_sid and item.sid.startswith(("PN", "SC"))
        ]

    def alpha_entries(self, account_sid: str | None = None) -> list[Sender]:
        if account_sid is not None:
            items = SenderItem.by_address.query(account_sid, filter_condition=SenderItem.kind == "alpha_sender")
        else:
            items = SenderItem.scan(SenderItem.owner_sid.startswith("MG") & (SenderItem.kind == "alpha_sender"))
        return [item.to_domain() for item in items]


class DynamoSenderClaimsReader:
    """The holder of a claim, read by the senders store's transactions."""

    @staticmethod
    def holder(address: str) -> str | None:
        from brandlink.store.sender_claims import SenderClaimItem

        try:
            return SenderClaimItem.get(address, consistent_read=True).account_sid
        except DoesNotExist:
            return None
