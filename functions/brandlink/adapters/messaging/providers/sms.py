"""AWS End User Messaging SMS (``pinpoint-sms-voice-v2`` ``SendTextMessage``).

``BRANDLINK_PROVIDER_CONFIG`` (JSON, all optional): ``message_type`` (``TRANSACTIONAL`` or
``PROMOTIONAL``), ``configuration_set`` (name or ARN, for delivery events), ``max_price``. The
sender (``From``) is passed as the origination identity: a phone number, short code or sender ID
registered in End User Messaging. Media URLs are appended to the text (SMS has no media).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from brandlink.adapters.messaging.providers.aws_errors import NO_SDK_RETRIES, delivery_error
from brandlink.core.common.errors import ErrorCode
from brandlink.core.common.forms import WHATSAPP_PREFIX
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt

_FILTERED_REASONS = frozenset(
    {
        "DESTINATION_COUNTRY_BLOCKED",
        "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
        "DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE",
    }
)
_UNKNOWN_HANDSET_REASONS = frozenset({"CANNOT_PARSE", "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"})


def _specific(code: str, reason: str, message: str) -> DeliveryError | None:
    if reason == "DESTINATION_PHONE_NUMBER_OPTED_OUT":
        return DeliveryError(ErrorCode.OPTED_OUT, "The recipient has opted out of messages from this sender.")
    if reason in _FILTERED_REASONS:
        return DeliveryError(ErrorCode.CARRIER_FILTERED, f"End User Messaging blocked the destination: {message}")
    if reason in _UNKNOWN_HANDSET_REASONS:
        return DeliveryError(ErrorCode.UNKNOWN_HANDSET, f"End User Messaging cannot deliver to this number: {message}")
    return None


class EndUserMessagingSmsProvider:
    name = "sms"

    def __init__(self, region: str, config: dict[str, Any]) -> None:
        self._region = region
        self._message_type = str(config.get("message_type", "TRANSACTIONAL")).upper()
        if self._message_type not in ("TRANSACTIONAL", "PROMOTIONAL"):
            raise RuntimeError("provider_config message_type must be TRANSACTIONAL or PROMOTIONAL")
        self._configuration_set = config.get("configuration_set")
        self._max_price = config.get("max_price")

    @cached_property
    def client(self) -> Any:
        from brandlink import aws_session

        return aws_session.client("pinpoint-sms-voice-v2", self._region, config=NO_SDK_RETRIES)

    def send(self, message: OutgoingMessage) -> Receipt:
        if message.to.startswith(WHATSAPP_PREFIX):
            raise DeliveryError(ErrorCode.NO_SENDER_FOR_CHANNEL, "The sms provider cannot deliver WhatsApp messages.")
        request: dict[str, Any] = {
            "DestinationPhoneNumber": message.to,
            "OriginationIdentity": message.from_,
            "MessageBody": message.text_with_media_links(),
            "MessageType": self._message_type,
            "Context": {"MessageSid": message.message_sid, "AccountSid": message.account_sid},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if self._max_price:
            request["MaxPrice"] = str(self._max_price)
        try:
            response = self.client.send_text_message(**request)
        except Exception as exc:
            raise delivery_error(exc, "End User Messaging SMS", _specific) from exc
        return Receipt(provider_message_id=response.get("MessageId"))
