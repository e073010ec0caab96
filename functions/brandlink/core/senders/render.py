"""The senders' resources: 2010-04-01 IncomingPhoneNumber and ShortCode, and v1 pool entries."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.dates import iso8601, rfc2822
from brandlink.core.senders.model import Sender


def _capability_flags(sender: Sender) -> dict[str, bool]:
    return {
        "voice": False,
        "sms": "sms" in sender.capabilities,
        "mms": "mms" in sender.capabilities,
        "fax": False,
    }


def incoming_phone_number_resource(sender: Sender) -> dict[str, Any]:
    """The 2010-04-01 IncomingPhoneNumber shape; Brandlink is messaging-only, so voice fields are inert."""
    uri = f"/2010-04-01/Accounts/{sender.account_sid}/IncomingPhoneNumbers/{sender.sid}.json"
    return {
        "account_sid": sender.account_sid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "bundle_sid": None,
        "capabilities": _capability_flags(sender),
        "date_created": rfc2822(sender.date_created),
        "date_updated": rfc2822(sender.date_updated),
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": sender.friendly_name,
        "identity_sid": None,
        "origin": "hosted",
        "phone_number": sender.address,
        "sid": sender.sid,
        "sms_application_sid": None,
        "sms_fallback_method": sender.sms_fallback_method,
        "sms_fallback_url": sender.sms_fallback_url,
        "sms_method": sender.sms_method,
        "sms_url": sender.sms_url,
        "status": sender.status,
        "status_callback": sender.status_callback,
        "status_callback_method": sender.status_callback_method,
        "subresource_uris": {
            "assigned_add_ons": uri.removesuffix(".json") + "/AssignedAddOns.json",
        },
        "trunk_sid": None,
        "type": sender.number_type,
        "uri": uri,
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": None,
    }


def short_code_resource(sender: Sender) -> dict[str, Any]:
    """The 2010-04-01 ShortCode shape."""
    return {
        "account_sid": sender.account_sid,
        "api_version": "2010-04-01",
        "date_created": rfc2822(sender.date_created),
        "date_updated": rfc2822(sender.date_updated),
        "friendly_name": sender.friendly_name,
        "short_code": sender.address,
        "sid": sender.sid,
        "sms_fallback_method": sender.sms_fallback_method,
        "sms_fallback_url": sender.sms_fallback_url,
        "sms_method": sender.sms_method,
        "sms_url": sender.sms_url,
        "uri": f"/2010-04-01/Accounts/{sender.account_sid}/SMS/ShortCodes/{sender.sid}.json",
    }


POOL_PATHS = {"phone_number": "PhoneNumbers", "whatsapp": "PhoneNumbers", "short_code": "ShortCodes"}


def pool_resource(entry: Sender, base_url: str) -> dict[str, Any]:
    """A v1 pool entry: ``PhoneNumbers``, ``ShortCodes`` or ``AlphaSenders`` shape by kind."""
    collection = POOL_PATHS.get(entry.kind, "AlphaSenders")
    resource: dict[str, Any] = {
        "sid": entry.sid,
        "account_sid": entry.account_sid,
        "service_sid": entry.service_sid,
        "date_created": iso8601(entry.date_created),
        "date_updated": iso8601(entry.date_updated),
    }
    if entry.kind == "alpha_sender":
        resource["alpha_sender"] = entry.address
    else:
        resource["short_code" if entry.kind == "short_code" else "phone_number"] = entry.address
        resource["country_code"] = entry.country_code
    resource["capabilities"] = [capability.upper() for capability in entry.capabilities]
    resource["url"] = f"{base_url}/v1/Services/{entry.service_sid}/{collection}/{entry.sid}"
    return resource
