"""Shared pynamodb plumbing: table binding from settings, one botocore session for every model."""

from __future__ import annotations

from typing import Any

import botocore.session
from pynamodb.connection import Connection, TableConnection
from pynamodb.models import Model

from brandlink.aws_session import botocore_session
from brandlink.config import settings


def meta(logical: str, **extra: Any) -> type:
    """A pynamodb ``Meta`` for the table ``logical`` of ``resources.TABLES``.

    ``host`` stays unset: botocore then honours ``AWS_ENDPOINT_URL`` (moto in local mode).
    """
    current = settings()
    attrs: dict[str, Any] = {"table_name": current.table_name(logical), "region": current.region}
    attrs.update(extra)
    return type("Meta", (), attrs)


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
        if not isinstance(table.connection, SharedSessionConnection):
            shared = SharedSessionConnection(
                region=cls.Meta.region,
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
