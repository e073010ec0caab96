"""Amazon SNS ``Publish`` to a phone number.

``BRANDLINK_PROVIDER_CONFIG`` (JSON, optional): ``sms_type`` (``Transactional`` or ``Promotional``).
An E.164 or short-code sender becomes ``AWS.MM.SMS.OriginationNumber``, an alphanumeric one
``AWS.SNS.SMS.SenderID``. Media URLs are appended to the text.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from brandlink.adapters.messaging.providers.aws_errors import NO_SDK_RETRIES, delivery_error
from brandlink.core.common.errors import ErrorCode
from brandlink.core.common.forms import WHATSAPP_PREFIX
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt


def _specific(code: str, reason: str, message: str) -> DeliveryError | None:
    if code in ("InvalidParameter", "InvalidParameterValue", "InvalidParameterException"):
        return DeliveryError(ErrorCode.UNKNOWN_HANDSET, f"SNS refused the destination or sender: {message}")
    return None


def _string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


class SnsSmsProvider:
    name = "sns"

    def __init__(self, region: str, config: dict[str, Any]) -> None:
        self._region = region
        self._sms_type = str(config.get("sms_type", "Transactional")).capitalize()
        if self._sms_type not in ("Transactional", "Promotional"):
            raise RuntimeError("provider_config sms_type must be Transactional or Promotional")

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("sns", self._region, config=NO_SDK_RETRIES)

    def send(self, message: OutgoingMessage) -> Receipt:
        if message.to.startswith(WHATSAPP_PREFIX):
            raise DeliveryError(ErrorCode.NO_SENDER_FOR_CHANNEL, "The sns provider cannot deliver WhatsApp messages.")
        sender_attribute = (
            "AWS.MM.SMS.OriginationNumber" if message.from_[:1] in "+0123456789" else "AWS.SNS.SMS.SenderID"
        )
        attributes = {"AWS.SNS.SMS.SMSType": _string(self._sms_type), sender_attribute: _string(message.from_)}
        try:
            response = self.client.publish(
                PhoneNumber=message.to, Message=message.text_with_media_links(), MessageAttributes=attributes
            )
        except Exception as exc:
            raise delivery_error(exc, "Amazon SNS", _specific) from exc
        return Receipt(provider_message_id=response.get("MessageId"))
