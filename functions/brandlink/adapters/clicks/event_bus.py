"""The optional EventBridge copy of each click event (CDK context ``clickEventBus``): ``PutEvents`` with
``Source=brandlink``, ``DetailType=Link Clicked`` and the callback's JSON as ``Detail``, so AWS users can
route clicks anywhere (a rule to a Firehose, a Step Functions workflow, another account) without a
receiver of their own. A failed put raises: the record is retried like a failed callback post, and
EventBridge consumers, like callback receivers, drop repeats by the event's id (``id`` is EventBridge's;
the idempotency key is ``Resources[0]``, ``brandlink:click:<event id>``)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from brandlink.core.clicks import callbacks
from brandlink.core.clicks.model import ClickEvent

SOURCE = "brandlink"
DETAIL_TYPE = "Link Clicked"


class EventBridgeClicks:
    def __init__(self, bus: str, region: str) -> None:
        self._bus = bus
        self._region = region

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("events", self._region)

    def entry(self, event: ClickEvent) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": callbacks.body(event).decode("utf-8"),
            "Resources": [f"brandlink:click:{event.event_id}"],
            "EventBusName": self._bus,
        }

    def publish(self, event: ClickEvent) -> None:
        response = self.client.put_events(Entries=[self.entry(event)])
        if response.get("FailedEntryCount"):
            failure = (response.get("Entries") or [{}])[0]
            raise OSError(
                f"EventBridge refused the click event: {failure.get('ErrorCode')} {failure.get('ErrorMessage')}"
            )
