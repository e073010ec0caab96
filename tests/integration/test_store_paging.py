"""brandlink.store.common.paging.query_page on moto: tables and GSIs, both orders, prefixes, filters, cursors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.paging import PageRequest, checked_page
from brandlink.store.common.paging import query_page


class ByOwner(GlobalSecondaryIndex["Thing"]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    rank = UnicodeAttribute(range_key=True)


class Thing(Model):
    class Meta:
        table_name = "paging-things"
        region = "us-east-1"

    group = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    owner = UnicodeAttribute()
    rank = UnicodeAttribute()
    weight = NumberAttribute()
    by_owner = ByOwner()


@pytest.fixture
def things() -> Iterator[None]:
    with mock_aws():
        Thing.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        with Thing.batch_write() as batch:
            for i in range(12):
                batch.save(Thing("g1", f"a{i:02d}", owner="o1", rank=f"{i:02d}", weight=i % 3))
                batch.save(Thing("g1", f"b{i:02d}", owner="o2", rank=f"{i:02d}", weight=0))
                batch.save(Thing("g2", f"a{i:02d}", owner="o2", rank=f"{i:02d}", weight=0))
        yield


def read_all(pages: Any, first: PageRequest) -> tuple[list[list[str]], PageRequest]:
    """Follow ``next`` cursors from ``first``: the names on every page and the request of the last one."""
    seen: list[list[str]] = []
    request = first
    while True:
        items, next_cursor, _previous = pages(request)
        seen.append([item.name for item in items])
        if next_cursor is None:
            return seen, request
        request = PageRequest(request.page + 1, request.page_size, cursor=next_cursor)


def test_a_table_partition_pages_in_key_order_within_the_prefix_and_back(things: None) -> None:
    def pages(request: PageRequest) -> Any:
        return query_page(Thing, "g1", request, range_prefix="a")

    seen, last = read_all(pages, PageRequest(page_size=5))
    assert seen == [[f"a{i:02d}" for i in range(start, min(start + 5, 12))] for start in (0, 5, 10)]
    items, next_cursor, previous_cursor = pages(last)
    assert next_cursor is None and previous_cursor == {"group": {"S": "g1"}, "name": {"S": "a10"}}
    back = PageRequest(1, 5, cursor=previous_cursor, forward=False)
    items, next_cursor, previous_cursor = pages(back)
    assert [item.name for item in items] == seen[1]
    assert next_cursor == {"group": {"S": "g1"}, "name": {"S": "a09"}}
    assert previous_cursor == {"group": {"S": "g1"}, "name": {"S": "a05"}}


def test_the_first_page_has_no_previous_cursor_and_an_empty_partition_no_cursors(things: None) -> None:
    items, next_cursor, previous_cursor = query_page(Thing, "g1", PageRequest(page_size=3))
    assert len(items) == 3 and next_cursor is not None and previous_cursor is None
    assert query_page(Thing, "nobody", PageRequest(page_size=3)) == ([], None, None)


def test_a_descending_index_pages_highest_first_with_table_and_index_keys_in_the_cursor(things: None) -> None:
    def pages(request: PageRequest) -> Any:
        return query_page(Thing.by_owner, "o1", request, descending=True)

    seen, last = read_all(pages, PageRequest(page_size=5))
    assert [name for page in seen for name in page] == [f"a{i:02d}" for i in reversed(range(12))]
    _items, _next, previous_cursor = pages(last)
    assert previous_cursor == {"group": {"S": "g1"}, "name": {"S": "a01"}, "owner": {"S": "o1"}, "rank": {"S": "01"}}
    items, _next, _previous = pages(PageRequest(1, 5, cursor=previous_cursor, forward=False))
    assert [item.name for item in items] == seen[1]


def test_a_filter_that_drops_most_items_still_fills_every_page(things: None) -> None:
    def pages(request: PageRequest) -> Any:
        return query_page(Thing.by_owner, "o1", request, descending=True, filter_condition=Thing.weight == 0)

    seen, _last = read_all(pages, PageRequest(page_size=2))
    assert seen == [["a09", "a06"], ["a03", "a00"]]


def cursor_refused(source: Any, hash_value: str, cursor: dict[str, Any], **options: Any) -> bool:
    with pytest.raises(TwilioError) as refused:
        checked_page(lambda: query_page(source, hash_value, PageRequest(1, 5, cursor=cursor), **options))
    return (refused.value.code, refused.value.status) == (20001, 400)


def test_a_cursor_of_another_list_is_refused(things: None) -> None:
    own = {"group": {"S": "g1"}, "name": {"S": "a03"}}
    assert query_page(Thing, "g1", PageRequest(1, 5, cursor=own))[0][0].name == "a04"
    assert cursor_refused(Thing, "g2", own)
    assert cursor_refused(Thing, "g1", own, range_prefix="b")
    assert cursor_refused(Thing, "g1", {**own, "extra": {"S": "x"}})
    assert cursor_refused(Thing, "g1", {"group": {"S": "g1"}})
    assert cursor_refused(Thing.by_owner, "o1", own)
    index_cursor = {**own, "owner": {"S": "o1"}, "rank": {"S": "03"}}
    assert cursor_refused(Thing.by_owner, "o2", index_cursor)


@pytest.mark.parametrize(
    "name",
    [
        {"N": "3"},  # a number where the key is a string: DynamoDB would answer ValidationException
        {"S": ""},  # DynamoDB refuses empty key strings
        {"S": "a" * 1025},  # over DynamoDB's key size
        {"S": "\ud800"},  # a lone surrogate is not UTF-8
        {"S": 3},
        {"S": "a03", "N": "3"},
        "a03",
    ],
)
def test_a_cursor_whose_key_values_do_not_fit_the_schema_is_refused_before_any_query(
    things: None, name: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_query(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a refused cursor must not reach DynamoDB")

    monkeypatch.setattr(Thing, "query", no_query)
    assert cursor_refused(Thing, "g1", {"group": {"S": "g1"}, "name": name})
    assert cursor_refused(Thing, "g1", {"group": {"N": "1"}, "name": {"S": "a03"}})
