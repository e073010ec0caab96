"""Shared pynamodb plumbing: table binding from settings."""

from __future__ import annotations

from typing import Any

from brandlink.config import settings


def meta(logical: str, **extra: Any) -> type:
    """A pynamodb ``Meta`` for the table ``logical`` of ``resources.TABLES``.

    ``host`` stays unset: botocore then honours ``AWS_ENDPOINT_URL`` (moto in local mode).
    """
    current = settings()
    attrs: dict[str, Any] = {"table_name": current.table_name(logical), "region": current.region}
    attrs.update(extra)
    return type("Meta", (), attrs)
