"""``TokenWindows`` on DynamoDB: one item per (scope, key, window) in the ``rate_limits`` table.

A claim is one ``UpdateItem``: ``ADD used :wanted`` on condition ``used`` is absent or at most
``limit - wanted``, so the count never passes the limit. When a whole claim no longer fits, the
count is read (strongly consistent) and what is left is claimed the same way; a few rounds at most,
since every failed round means another environment took tokens. ``expires_at`` (the table's TTL)
lets DynamoDB delete a window's item an hour after it ended.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from brandlink.store.common.base import StoreModel, meta
from brandlink.store.common.conditions import condition_held

KEEP_SECONDS = 3600
MAX_ROUNDS = 4


class RateWindowItem(StoreModel):
    Meta = meta("rate_limits")

    key = UnicodeAttribute(hash_key=True)
    used = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class DynamoTokenWindows:
    def __init__(self, scope: str, *, window_seconds: int = 1) -> None:
        self.scope = scope
        self.window_seconds = window_seconds

    def item_key(self, key: str, window: int) -> str:
        return f"{self.scope}#{key}#{window}"

    def claim(self, key: str, window: int, wanted: int, limit: int) -> int:
        item = RateWindowItem(self.item_key(key, window))
        expires = (window + 1) * self.window_seconds + KEEP_SECONDS
        wanted = min(wanted, limit)
        for _ in range(MAX_ROUNDS):
            if wanted < 1:
                return 0
            fits = RateWindowItem.used.does_not_exist() | (RateWindowItem.used <= limit - wanted)
            actions: list[Action] = [RateWindowItem.used.add(wanted), RateWindowItem.expires_at.set(expires)]
            if condition_held(lambda: item.update(actions=actions, condition=fits)):  # noqa: B023
                return wanted
            wanted = min(wanted, limit - self.used(key, window))
        return 0

    def used(self, key: str, window: int) -> int:
        try:
            stored = RateWindowItem.get(self.item_key(key, window), consistent_read=True)
        except DoesNotExist:
            return 0
        return int(stored.used or 0)
