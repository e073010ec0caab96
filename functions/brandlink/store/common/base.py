"""Shared pynamodb plumbing: table names read from the settings when used, one botocore session for
every model."""

from __future__ import annotations

from typing import Any

import botocore.session
from pynamodb.connection import Connection, TableConnection
from pynamodb.models import Model

from brandlink.aws_session import botocore_session
from brandlink.config import settings


class TableMeta:
    """A pynamodb ``Meta`` for the table ``logical`` of ``resources.TABLES`` whose name is looked up in
    the settings each time pynamodb reads it, never when the model class is created.

    So importing a store binds nothing: the environment may be set (or changed, in a test or a
    local restart) afterwards, and pynamodb opens a connection to the new table when the name it
    reads differs from the one its cached connection has. The region comes from the settings when
    the connection is made (``StoreModel._get_connection``). ``host`` stays unset: botocore then
    honours ``AWS_ENDPOINT_URL`` (moto in local mode).
    """

    def __init__(self, logical: str, **extra: Any) -> None:
        self.logical = logical
        for name, value in extra.items():
            setattr(self, name, value)

    @property
    def table_name(self) -> str:
        return settings().table_name(self.logical)


def meta(logical: str, **extra: Any) -> Any:
    """The ``Meta`` of a store model for the table ``logical`` (see ``TableMeta``)."""
    return TableMeta(logical, **extra)


class SharedSessionConnection(Connection):
    """A pynamodb connection whose DynamoDB client comes from the thread's shared botocore session."""

    @property
    def session(self) -> botocore.session.Session:
        return botocore_session()


class StoreModel(Model):
    """Base of every store model: its connection uses the shared session (``brandlink.aws_session``).

    pynamodb gives each model a connection with a botocore session of its own, so every model used
    for the first time in a container loaded the DynamoDB service model and endpoint rules again
    (pynamodb issues #876 and #1245).
    """

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        region = settings().region
        if not isinstance(table.connection, SharedSessionConnection) or table.connection.region != region:
            shared = SharedSessionConnection(
                region=region,
                host=cls.Meta.host,
                connect_timeout_seconds=cls.Meta.connect_timeout_seconds,
                read_timeout_seconds=cls.Meta.read_timeout_seconds,
                max_retry_attempts=cls.Meta.max_retry_attempts,
                max_pool_connections=cls.Meta.max_pool_connections,
                extra_headers=cls.Meta.extra_headers,
            )
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table
