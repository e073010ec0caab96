"""The parameters of ``POST /v1/Services`` and ``POST /v1/Services/{MG}``, validated in one pass."""

from __future__ import annotations

from typing import Any

from brandlink.core.common.errors import ErrorCode
from brandlink.core.common.forms import Form
from brandlink.core.common.urls import validate_callback_url
from brandlink.core.services.model import (
    HTTP_METHODS,
    MAX_VALIDITY_PERIOD,
    MIN_VALIDITY_PERIOD,
    SCAN_MESSAGE_CONTENT,
    USECASES,
)

_BOOLEAN_SETTINGS = {
    "StickySender": "sticky_sender",
    "MmsConverter": "mms_converter",
    "SmartEncoding": "smart_encoding",
    "FallbackToLongCode": "fallback_to_long_code",
    "AreaCodeGeomatch": "area_code_geomatch",
    "SynchronousValidation": "synchronous_validation",
    "UseInboundWebhookOnNumber": "use_inbound_webhook_on_number",
}
_URL_SETTINGS = {"InboundRequestUrl": "inbound_request_url", "FallbackUrl": "fallback_url"}
_METHOD_SETTINGS = {"InboundMethod": "inbound_method", "FallbackMethod": "fallback_method"}


def _url(form: Form, name: str, *, allow_private: bool, code: ErrorCode = ErrorCode.INVALID_PARAMETER) -> str | None:
    """``None`` when absent; an empty value clears the URL (stored as ``None``)."""
    value = form.get(name)
    if value is None or value.strip() == "":
        return None
    return validate_callback_url(value, allow_private=allow_private, code=code, parameter=name)


def settings_from_form(form: Form, *, allow_private: bool) -> dict[str, Any]:
    """The settings present in ``form``, validated, as ``MessagingService`` field values.

    Every parameter is checked before anything is returned, so a bad one never half-applies.
    """
    changes: dict[str, Any] = {}
    for param, field_name in _BOOLEAN_SETTINGS.items():
        value = form.get_bool(param)
        if value is not None:
            changes[field_name] = value
    for param, field_name in _URL_SETTINGS.items():
        if param in form:
            changes[field_name] = _url(form, param, allow_private=allow_private)
    if "StatusCallback" in form:
        changes["status_callback"] = _url(
            form, "StatusCallback", allow_private=allow_private, code=ErrorCode.INVALID_STATUS_CALLBACK
        )
    for param, field_name in _METHOD_SETTINGS.items():
        method = form.get_choice(param, HTTP_METHODS, upper=True)
        if method is not None:
            changes[field_name] = method
    scan = form.get_choice("ScanMessageContent", SCAN_MESSAGE_CONTENT)
    if scan is not None:
        changes["scan_message_content"] = scan
    usecase = form.get_choice("Usecase", USECASES)
    if usecase is not None:
        changes["usecase"] = usecase
    validity = form.get_int("ValidityPeriod", minimum=MIN_VALIDITY_PERIOD, maximum=MAX_VALIDITY_PERIOD)
    if validity is not None:
        changes["validity_period"] = validity
    name = form.get_friendly_name(blank_ok=False)
    if name is not None:
        changes["friendly_name"] = name
    return changes
