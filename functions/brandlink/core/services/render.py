"""The Messaging v1 Service resource."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.dates import iso8601
from brandlink.core.services.model import MessagingService


def service_links(base_url: str, sid: str) -> dict[str, str]:
    url = f"{base_url}/v1/Services/{sid}"
    return {
        "phone_numbers": f"{url}/PhoneNumbers",
        "short_codes": f"{url}/ShortCodes",
        "alpha_senders": f"{url}/AlphaSenders",
        "messages": f"{url}/Messages",
        "us_app_to_person": f"{url}/Compliance/Usa2p",
        "us_app_to_person_usecases": f"{url}/Compliance/Usa2p/Usecases",
        "channel_senders": f"{url}/ChannelSenders",
    }


def service_resource(service: MessagingService, base_url: str) -> dict[str, Any]:
    """The Messaging v1 Service shape, field for field."""
    return {
        "account_sid": service.account_sid,
        "sid": service.sid,
        "friendly_name": service.friendly_name,
        "date_created": iso8601(service.date_created),
        "date_updated": iso8601(service.date_updated),
        "inbound_request_url": service.inbound_request_url,
        "inbound_method": service.inbound_method,
        "fallback_url": service.fallback_url,
        "fallback_method": service.fallback_method,
        "status_callback": service.status_callback,
        "sticky_sender": service.sticky_sender,
        "mms_converter": service.mms_converter,
        "smart_encoding": service.smart_encoding,
        "scan_message_content": service.scan_message_content,
        "fallback_to_long_code": service.fallback_to_long_code,
        "area_code_geomatch": service.area_code_geomatch,
        "synchronous_validation": service.synchronous_validation,
        "validity_period": service.validity_period,
        "url": f"{base_url}/v1/Services/{service.sid}",
        "links": service_links(base_url, service.sid),
        "usecase": service.usecase,
        "us_app_to_person_registered": False,
        "use_inbound_webhook_on_number": service.use_inbound_webhook_on_number,
    }
