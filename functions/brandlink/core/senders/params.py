"""The parameters of the senders' create and update requests: SMS webhooks and the owning account."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.urls import validate_callback_url
from brandlink.core.services.model import HTTP_METHODS


def webhook_changes(form: Form, *, allow_private: bool, with_status_callback: bool) -> dict[str, Any]:
    """The SMS webhook settings present in ``form``; an empty URL clears it."""
    changes: dict[str, Any] = {}
    urls = {"SmsUrl": "sms_url", "SmsFallbackUrl": "sms_fallback_url"}
    methods = {"SmsMethod": "sms_method", "SmsFallbackMethod": "sms_fallback_method"}
    if with_status_callback:
        urls["StatusCallback"] = "status_callback"
        methods["StatusCallbackMethod"] = "status_callback_method"
    for param, field_name in urls.items():
        if param not in form:
            continue
        value = (form.get(param) or "").strip()
        code = ErrorCode.INVALID_STATUS_CALLBACK if param == "StatusCallback" else ErrorCode.INVALID_PARAMETER
        changes[field_name] = (
            validate_callback_url(value, allow_private=allow_private, code=code, parameter=param) if value else None
        )
    for param, field_name in methods.items():
        value = (form.get(param) or "").strip().upper()
        if not value:
            continue
        if value not in HTTP_METHODS:
            raise TwilioError.invalid_parameter(param, f"must be GET or POST, got {form.get(param)!r}.")
        changes[field_name] = value
    return changes


def refuse_transfer(form: Form, account_sid: str) -> None:
    target = form.get("AccountSid")
    if target and target != account_sid:
        raise TwilioError.invalid_parameter(
            "AccountSid", "senders cannot move to another account; delete and re-register."
        )


def owned_filters(params: Form, address_param: str) -> tuple[dict[str, str], str | None, str | None]:
    """``(echoed query, address fragment, exact friendly name)``; spaces and dashes in numbers are ignored."""
    echoed: dict[str, str] = {}
    address = params.get(address_param)
    if address:
        echoed[address_param] = address
        address = "".join(ch for ch in address if ch not in " -()")
    name = params.get("FriendlyName")
    if name is not None:
        echoed["FriendlyName"] = name
    return echoed, address or None, name
