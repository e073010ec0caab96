"""A messaging service (MG): a sender pool plus the settings Twilio's Messaging v1 Service has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

HTTP_METHODS = ("GET", "POST")
SCAN_MESSAGE_CONTENT = ("inherit", "enable", "disable")
USECASES = ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
MIN_VALIDITY_PERIOD = 1
MAX_VALIDITY_PERIOD = 36_000


@dataclass(frozen=True)
class MessagingService:
    """A Messaging v1 Service with every setting Twilio exposes (defaults are Twilio's)."""

    account_sid: str
    sid: str
    friendly_name: str
    date_created: datetime
    date_updated: datetime
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    sticky_sender: bool = True
    mms_converter: bool = True
    smart_encoding: bool = True
    scan_message_content: str = "inherit"
    fallback_to_long_code: bool = True
    area_code_geomatch: bool = True
    synchronous_validation: bool = False
    validity_period: int = MAX_VALIDITY_PERIOD
    usecase: str = "undeclared"
    use_inbound_webhook_on_number: bool = False
