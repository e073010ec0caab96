"""The 2010-04-01 Message resource and the URIs of a message and its subresources."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.dates import rfc2822
from brandlink.core.messaging.model import API_VERSION, Message


def message_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"


def message_base(account_sid: str, sid: str) -> str:
    """``/2010-04-01/Accounts/{AC}/Messages/{SM}``: the prefix of the message's subresource URIs."""
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"


def message_resource(message: Message) -> dict[str, Any]:
    """The 2010-04-01 Message shape, every field present (``tags`` is Brandlink's addition)."""
    base = message_base(message.account_sid, message.sid)
    return {
        "account_sid": message.account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.date_created),
        "date_sent": rfc2822(message.date_sent),
        "date_updated": rfc2822(message.date_updated),
        "direction": message.direction,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "from": message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(len(message.media_urls)),
        "num_segments": str(message.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "tags": dict(message.tags),
        "to": message.to,
        "uri": message_uri(message.account_sid, message.sid),
    }
