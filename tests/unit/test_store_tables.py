"""Store models read their table names from the settings when used, never at import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from brandlink.config import settings


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    settings.cache_clear()


def test_a_table_name_set_after_the_import_is_the_one_used(fresh_settings: pytest.MonkeyPatch) -> None:
    from brandlink.store.accounts import AccountItem
    from brandlink.store.messaging.messages import MessageItem

    fresh_settings.setenv("BRANDLINK_TABLE_ACCOUNTS", "Brandlink-TableAccounts-A")
    settings.cache_clear()
    assert AccountItem.Meta.table_name == "Brandlink-TableAccounts-A"
    assert AccountItem._get_connection().table_name == "Brandlink-TableAccounts-A"

    fresh_settings.setenv("BRANDLINK_TABLE_ACCOUNTS", "Brandlink-TableAccounts-B")
    fresh_settings.setenv("BRANDLINK_TABLE_MESSAGES", "Brandlink-TableMessages-B")
    settings.cache_clear()
    assert AccountItem._get_connection().table_name == "Brandlink-TableAccounts-B"
    assert MessageItem.by_account._model._get_connection().table_name == "Brandlink-TableMessages-B"


def test_the_region_is_the_settings_one_when_the_connection_is_made(fresh_settings: pytest.MonkeyPatch) -> None:
    from brandlink.store.accounts import AccountItem

    fresh_settings.setenv("AWS_REGION", "eu-west-1")
    settings.cache_clear()
    assert AccountItem._get_connection().connection.region == "eu-west-1"
