"""One page of a DynamoDB partition, of a table or of a global secondary index, for ``PA``/``PB`` tokens.

A page's cursors are the DynamoDB keys of its boundary items (see brandlink.core.common.paging). For a
table that is the table's key; for an index it is the table's key plus the index's key, which is
what DynamoDB wants as ``ExclusiveStartKey`` on an index. A cursor of another list raises
``ForeignCursor`` (a store error; ``core.common.paging.checked_page`` makes it a 20001).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import islice
from typing import Any, TypeVar

from pynamodb.attributes import Attribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import Index
from pynamodb.models import Model

from brandlink.core.common.paging import ForeignCursor, PageRequest

M = TypeVar("M", bound=Model)
Cursor = dict[str, Any]


def _hash_and_range(source: type[Model] | Index[Any]) -> tuple[Attribute[Any], Attribute[Any] | None]:
    if isinstance(source, Index):
        ranges = [attribute for attribute in source.Meta.attributes.values() if attribute.is_range_key]
        return source._hash_key_attribute(), (ranges[0] if ranges else None)
    return source._hash_key_attribute(), source._range_key_attribute()


_MAX_KEY_BYTES = 1024  # DynamoDB's limit for a range key (a hash key may have 2048): the stricter bound


def _valid_key_value(attribute: Attribute[Any], value: Any) -> bool:
    """``{type: scalar}`` with the attribute's own type, non-empty, within DynamoDB's key size."""
    if not isinstance(value, dict) or set(value) != {attribute.attr_type}:
        return False
    scalar = value[attribute.attr_type]
    if not isinstance(scalar, str) or not scalar:
        return False
    try:
        if len(scalar.encode("utf-8")) > _MAX_KEY_BYTES:
            return False
    except UnicodeEncodeError:  # a lone surrogate: not a string DynamoDB can store
        return False
    if attribute.attr_type == "N":
        try:
            return Decimal(scalar).is_finite()
        except InvalidOperation:
            return False
    return attribute.attr_type == "S"


@dataclass(frozen=True)
class _KeySchema:
    """The keys a query of one table or index is ordered by, and the keys its cursors hold."""

    hash_attribute: Attribute[Any]
    range_attribute: Attribute[Any] | None
    cursor_attributes: tuple[tuple[str, Attribute[Any]], ...]  # (python name, attribute)

    def cursor_of(self, item: Model) -> Cursor:
        return {
            attribute.attr_name: {attribute.attr_type: attribute.serialize(getattr(item, name))}
            for name, attribute in self.cursor_attributes
        }

    def belongs(self, cursor: Cursor, hash_value: str, range_prefix: str) -> bool:
        """Whether ``cursor`` is a well-typed key of this table or index, inside ``hash_value`` and
        ``range_prefix``: what DynamoDB accepts as ``ExclusiveStartKey`` for this query, checked here
        so that a stale or foreign token is a 400, never a ValidationException (a 500)."""
        if set(cursor) != {attribute.attr_name for _name, attribute in self.cursor_attributes}:
            return False
        if not all(_valid_key_value(attribute, cursor[attribute.attr_name]) for _, attribute in self.cursor_attributes):
            return False
        if cursor[self.hash_attribute.attr_name] != {self.hash_attribute.attr_type: hash_value}:
            return False
        if not range_prefix:
            return True
        return self.range_attribute is not None and cursor[self.range_attribute.attr_name].get("S", "").startswith(
            range_prefix
        )


@cache
def _key_schema(source: type[Model] | Index[Any]) -> _KeySchema:
    model: type[Model] = source._model if isinstance(source, Index) else source
    key_names = {attribute.attr_name for attribute in (*_hash_and_range(model), *_hash_and_range(source)) if attribute}
    cursor_attributes = tuple(
        (name, attribute) for name, attribute in model.get_attributes().items() if attribute.attr_name in key_names
    )
    return _KeySchema(*_hash_and_range(source), cursor_attributes)


def query_page(
    source: type[M] | Index[M],
    hash_value: str,
    request: PageRequest,
    *,
    descending: bool = False,
    range_prefix: str = "",
    range_condition: Condition | None = None,
    filter_condition: Condition | None = None,
) -> tuple[list[M], Cursor | None, Cursor | None]:
    """One page of the partition ``hash_value``: ``(items, next_cursor, previous_cursor)``.

    Items come in range-key order, highest first when ``descending``; a ``PB`` token reads the other
    way from the first item of the later page. ``range_condition`` (a ``between`` on the range key,
    say) replaces ``range_prefix`` when the range is not a prefix. A cursor that is not a key of this partition (or
    lies outside ``range_prefix``) raises ``ForeignCursor``, so a forged token cannot reach other data.
    DynamoDB applies ``Limit`` before ``filter_condition``, so the query reads on until the page is
    full, and the cursors are the boundary items' keys, never DynamoDB's ``LastEvaluatedKey``.
    """
    schema = _key_schema(source)
    cursor = request.cursor
    if cursor is not None and not schema.belongs(cursor, hash_value, range_prefix):
        raise ForeignCursor(f"the cursor is not a key of partition {hash_value!r} (range prefix {range_prefix!r})")
    range_attribute = schema.range_attribute
    if range_condition is None and range_attribute is not None and range_prefix:
        range_condition = range_attribute.startswith(range_prefix)
    results: Iterator[M] = source.query(
        hash_value,
        range_condition,
        filter_condition,
        consistent_read=not isinstance(source, Index),  # DynamoDB has no consistent reads on a GSI
        scan_index_forward=request.forward != descending,
        last_evaluated_key=cursor,
        page_size=request.page_size + 1,
    )
    items = list(islice(results, request.page_size + 1))
    has_more = len(items) > request.page_size
    items = items[: request.page_size]
    if not request.forward:
        items.reverse()
    if not items:
        return items, None, None
    first, last = schema.cursor_of(items[0]), schema.cursor_of(items[-1])
    if request.forward:
        return items, (last if has_more else None), (first if request.page > 0 else None)
    return items, last, (first if has_more else None)
