"""moto's server as the AWS endpoint, and the environment that points the SDKs at it."""

from __future__ import annotations

import errno
import functools
import logging
import os
import socket
import threading
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

# Fake credentials: every call goes to moto, and no real AWS credential can leak into it.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# A profile could bring a credential process or SSO login; the fake credentials must win.
UNSAFE_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


class PortInUse(OSError):
    """A port the runner needs is taken; the message names the variable that moves it."""

    def __init__(self, host: str, port: int, variable: str) -> None:
        super().__init__(
            errno.EADDRINUSE,
            f"Port {port} on {host} is already in use: set {variable} to a free port (0 picks one), "
            "or stop the process that holds it.",
        )
        self.port = port
        self.variable = variable

    def __str__(self) -> str:
        return str(self.strerror)


def ensure_port_free(host: str, port: int, variable: str) -> None:
    """Fail early and clearly: moto's server thread would otherwise die on a taken port and hang start()."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(host, port, variable) from None
            raise


def aws_environment(endpoint_url: str, region: str) -> dict[str, str]:
    """What any process needs to talk to this moto server with boto3 or pynamodb."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        **FAKE_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def apply_aws_environment(environment: dict[str, str]) -> None:
    for name in UNSAFE_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(environment)


_DYNAMODB_LOCK = threading.RLock()
_ATOMIC_METHODS = ("get_item", "put_item", "update_item", "delete_item", "transact_write_items")


def serialize_dynamodb_item_writes() -> None:
    """Make moto's single-item DynamoDB operations atomic, as DynamoDB's are (idempotent).

    moto reads, changes and stores an item in Python without a lock, so two concurrent ``UpdateItem
    ADD`` calls (two environments claiming slug counter blocks) or two conditional puts can both
    succeed on the same old value; DynamoDB never lets them. Exactly-once claims, the slug counter
    and the rate limits rely on that atomicity, so the local stack and the concurrency tests run
    moto's item operations under one lock.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    # The request handlers too, not only the backend: DynamoHandler.update_item renders
    # ``ReturnValues`` from the live item after the backend call returns, so two concurrent
    # ``ADD next_value`` calls could both read the later value (two equal counter blocks).
    for owner in (DynamoDBBackend, DynamoHandler):
        for name in _ATOMIC_METHODS:
            method = getattr(owner, name)
            if getattr(method, "_brandlink_atomic", False):
                continue

            def atomic(*args: Any, _method: Any = method, **kwargs: Any) -> Any:
                with _DYNAMODB_LOCK:
                    return _method(*args, **kwargs)

            functools.update_wrapper(atomic, method)
            atomic._brandlink_atomic = True  # type: ignore[attr-defined]
            setattr(owner, name, atomic)


class MotoEndpoint:
    """moto's ``ThreadedMotoServer`` on one port of this machine."""

    def __init__(self, host: str, port: int, port_variable: str) -> None:
        self._host = host
        self._port = port
        self._port_variable = port_variable
        self._server: ThreadedMotoServer | None = None
        self.url = ""

    def start(self) -> str:
        ensure_port_free(self._host, self._port, self._port_variable)
        # werkzeug logs every request at INFO; the gateway already logs the ones that matter.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        serialize_dynamodb_item_writes()
        self._server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
