"""Conditional writes on DynamoDB: the connection transactions use, and how a failed condition shows."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from brandlink.config import settings
from brandlink.store.common.base import SharedSessionConnection


def transaction_connection() -> SharedSessionConnection:
    """The connection transactions go through, in the settings' region."""
    return _transaction_connection(settings().region)


@lru_cache(maxsize=4)
def _transaction_connection(region: str) -> SharedSessionConnection:
    return SharedSessionConnection(region=region)


def is_condition_failure(exc: PutError | UpdateError | DeleteError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def failed_conditions(exc: TransactWriteError) -> list[bool]:
    """Per transaction item, in the order pynamodb sent them: did its condition fail?"""
    return [reason is not None and reason.code == "ConditionalCheckFailed" for reason in exc.cancellation_reasons or []]


def condition_held(write: Callable[[], object]) -> bool:
    """Run one conditional single-item write; False when its condition failed (other errors propagate)."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True
