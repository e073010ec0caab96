"""One botocore session per thread for every AWS client of a container: the adapters' and pynamodb's.

A botocore session reads and parses the endpoint rules and service models behind the first client
it creates, about 80 ms on a cold start. boto3's default session is one such session, and pynamodb
starts another for every model, so a first request touching four tables paid it five times; from a
warm session a further client costs about 5 ms. Sessions are per thread: botocore's sessions are not
thread safe (the clients they create are).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

_local = threading.local()


def botocore_session() -> botocore.session.Session:
    session: botocore.session.Session | None = getattr(_local, "botocore_session", None)
    if session is None:
        session = _local.botocore_session = botocore.session.get_session()
    return session


def _boto3_session() -> boto3.Session:
    session: boto3.Session | None = getattr(_local, "boto3_session", None)
    if session is None:
        session = _local.boto3_session = boto3.Session(botocore_session=botocore_session())
    return session


def client(service_name: str, region: str | None = None, config: Config | None = None) -> Any:
    """A new client from this thread's session; callers keep it for the container's life."""
    return _boto3_session().client(service_name, region_name=region, config=config)
