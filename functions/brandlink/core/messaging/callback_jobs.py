"""The status-callback job of a message: what it says and where it goes (queued by dispatch and cancels).

Apart from ``status_callbacks`` so the status-callback function, which only posts jobs, does not
load the message model.
"""

from __future__ import annotations

from brandlink.core.messaging.model import API_VERSION, FAILED, UNDELIVERED, Message
from brandlink.core.messaging.status_callbacks import StatusCallbackJob


def callback_params(message: Message) -> dict[str, str]:
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
        "To": message.to,
    }
    if message.from_:
        params["From"] = message.from_
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.status in (FAILED, UNDELIVERED) and message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    return params


def callback_job(message: Message, service_callback: str | None) -> StatusCallbackJob | None:
    """The job announcing ``message``'s current status, or None when nobody asked for callbacks."""
    url = message.status_callback or service_callback
    if not url:
        return None
    return StatusCallbackJob(account_sid=message.account_sid, url=url, params=callback_params(message))
