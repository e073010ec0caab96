"""The redirect's send of a tap to the clicks queue: one raw ``SendMessage`` on a low-level boto3 client.

Built at the redirect's init with its DynamoDB client (``wiring.redirect_ports``): creating a client
opens no connection, so a SnapStart snapshot holds no socket; the first send after a restore connects.
The queue URL may be missing (a function deployed without the clicks queue, a unit test): then each
send raises, and the redirect counts the tap as not captured instead of failing it.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=1,
    retries={"mode": "standard", "max_attempts": 2},
    tcp_keepalive=True,
)
"""A tap waits for this call (core.clicks.capture.WAIT_SECONDS): two attempts of at most ~1 s each."""


class SqsTapQueue:
    """``core.clicks.capture.TapQueue`` on the clicks queue."""

    def __init__(self, client: Any, queue_url: str | None) -> None:
        self._send_message = client.send_message
        self._queue_url = queue_url

    def send(self, body: str) -> None:
        if not self._queue_url:
            raise RuntimeError("the clicks queue is not configured (BRANDLINK_QUEUE_CLICKS_URL is not set)")
        self._send_message(QueueUrl=self._queue_url, MessageBody=body)
