"""Advanced Opt-Out on DynamoDB: who opted out of what, and each service's keyword settings.

* ``opt_outs`` ``(scope, recipient)``: one item per recipient opted out of a scope (a Messaging
  Service SID, or a sender address for a number in no service). Opting back in deletes it; it never
  expires (an opt-out holds until the recipient says START).
* ``opt_out_settings`` ``(service_sid)``: the service's rule sets as JSON; absent means Twilio's
  defaults. Deleted with the service's other data is not needed: an orphan is never read.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist

from brandlink.core.common.dates import utcnow
from brandlink.core.inbound.opt_out import OptOutSettings
from brandlink.store.common.base import StoreModel, meta


class OptOutItem(StoreModel):
    Meta = meta("opt_outs")

    scope = UnicodeAttribute(hash_key=True)
    recipient = UnicodeAttribute(range_key=True)
    account_sid = UnicodeAttribute()
    date_created = UTCDateTimeAttribute()


class OptOutSettingsItem(StoreModel):
    Meta = meta("opt_out_settings")

    service_sid = UnicodeAttribute(hash_key=True)
    account_sid = UnicodeAttribute()
    settings = JSONAttribute()
    date_updated = UTCDateTimeAttribute()


class DynamoOptOutRegistry:
    def is_opted_out(self, scope: str, recipient: str) -> bool:
        try:
            OptOutItem.get(scope, recipient, consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def opt_out(self, scope: str, recipient: str, account_sid: str) -> None:
        OptOutItem(scope, recipient, account_sid=account_sid, date_created=utcnow()).save()

    def opt_in(self, scope: str, recipient: str) -> None:
        OptOutItem(scope, recipient).delete()


class DynamoOptOutSettings:
    def get(self, service_sid: str) -> OptOutSettings:
        try:
            item = OptOutSettingsItem.get(service_sid, consistent_read=True)
        except DoesNotExist:
            return OptOutSettings()
        return OptOutSettings.from_dict(item.settings)

    def save(self, service_sid: str, account_sid: str, settings: OptOutSettings) -> None:
        OptOutSettingsItem(
            service_sid, account_sid=account_sid, settings=settings.to_dict(), date_updated=utcnow()
        ).save()
