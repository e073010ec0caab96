"""``brandlink carrier``: play the carrier for messages the ``outbox`` provider "sent".

The outbox never reaches a phone, so nothing would ever report ``delivered`` or ``undelivered``.
This command queues the receipt a carrier would send, on the same receipts queue the real
providers' receipts take, so the receipts function applies it (forward only, with the signed status
callback) exactly as it would in AWS. Each function returns what the command prints as JSON.
"""

from __future__ import annotations

from typing import Any

CARRIER_STATUSES = {"sent": "sent", "deliver": "delivered", "undeliver": "undelivered", "fail": "failed"}
"""Command word → the status the receipt reports."""


class CarrierCommandError(Exception):
    """The receipt was refused; the message says why and what to do."""


def play(account_sid: str, message_sid: str, action: str, code: int | None) -> dict[str, Any]:
    """Queue the receipt ``action`` (``deliver``, ``undeliver`` ...) for the outbox message."""
    from brandlink import wiring
    from brandlink.core.common.errors import ErrorCode
    from brandlink.core.messaging.receipts import DeliveryReport
    from brandlink.core.messaging.receipts_mapping import DELIVERY_CODES

    status = CARRIER_STATUSES[action]
    message = wiring.messages().get(account_sid, message_sid)
    if message is None:
        raise CarrierCommandError(
            f"{message_sid} is no message of {account_sid}: pass the account that sent it with --account AC..."
        )
    if not (message.provider_message_id or "").startswith("outbox-"):
        raise CarrierCommandError(
            f"{message_sid} was not handed to the outbox provider (status {message.status}): the carrier plays "
            "only for messages the outbox sent."
        )
    if status in ("undelivered", "failed"):
        code = int(ErrorCode.UNREACHABLE_HANDSET) if code is None else code
        if code not in DELIVERY_CODES:
            allowed = ", ".join(str(int(c)) for c in sorted(DELIVERY_CODES))
            raise CarrierCommandError(f"--code {code} is not a delivery error code: use one of {allowed}.")
    elif code is not None:
        raise CarrierCommandError(f"--code goes with undeliver or fail, not {action}.")
    report = DeliveryReport(
        account_sid=account_sid,
        message_sid=message_sid,
        status=status,
        source="outbox",
        error_code=code,
        error_message=f"The simulated carrier reported the message {status}." if code is not None else None,
        from_=message.from_,  # the attempt played is the current one (after a fallback: the long code's)
    )
    wiring.receipt_queue().enqueue([report])
    return {
        "message_sid": message_sid,
        "account_sid": account_sid,
        "from": message.from_,
        "status": status,
        "error_code": code,
        "queued": True,
    }
