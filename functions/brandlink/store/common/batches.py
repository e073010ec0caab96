"""Batched puts: ``BatchWriteItem`` in chunks of 25, retrying unprocessed items with backoff.

pynamodb's own ``batch_write`` retries unprocessed items at once, without waiting, so under
throttling it spends its attempts in a few milliseconds; this waits 50 ms, 100 ms, 200 ms, ...
(capped at 2 s) between attempts, as AWS recommends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.exceptions import PutError
from pynamodb.models import Model

BATCH_LIMIT = 25
MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 2.0

Item = dict[str, dict[str, Any]]


def batch_put(model: type[Model], items: Sequence[Item], *, sleep: Callable[[float], None] = time.sleep) -> None:
    """Put every item (DynamoDB's wire format) into ``model``'s table; raises ``PutError`` when some are
    still unprocessed after ``MAX_ATTEMPTS`` calls."""
    connection = model._get_connection()
    for start in range(0, len(items), BATCH_LIMIT):
        pending: list[Item] = list(items[start : start + BATCH_LIMIT])
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                sleep(min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1)))
            response = connection.batch_write_item(put_items=pending)
            unprocessed = (response or {}).get("UnprocessedItems", {}).get(connection.table_name) or []
            pending = [request["PutRequest"]["Item"] for request in unprocessed]
            if not pending:
                break
        else:
            raise PutError(f"{len(pending)} items were still unprocessed after {MAX_ATTEMPTS} BatchWriteItem calls")
