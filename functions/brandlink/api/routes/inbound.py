"""``/v1/Services/{ServiceSid}/OptOut`` (Brandlink's addition): a service's Advanced Opt-Out settings."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, current_account, form, json_response
from brandlink.api.spec import STRING, DocumentedRouter, Operation, Param
from brandlink.core.inbound import opt_out_api
from brandlink.core.services import actions as services

router = DocumentedRouter()

TAG = "BrandlinkOptOut"
OPT_OUT = "/v1/Services/{ServiceSid}/OptOut"
_SUMMARY = (
    "Advanced Opt-Out: the keywords that opt a recipient out (STOP), back in (START) or ask for help (HELP), "
    "and their confirmation replies, per language and country."
)


@router.operation(
    Operation("GET", OPT_OUT, "FetchOptOut", _SUMMARY, TAG, {200: "brandlink.opt_out"}, brandlink_addition=True)
)
def fetch_opt_out(service_sid: str) -> Response[str]:
    service = services.owned_service(wiring.services(), current_account(router).sid, service_sid)
    settings = wiring.opt_out_settings().get(service.sid)
    return json_response(opt_out_api.opt_out_resource(service, settings, base_url(router)))


@router.operation(
    Operation(
        "POST",
        OPT_OUT,
        "UpdateOptOut",
        "Change one rule set: the default one, or a language's or a country's.",
        TAG,
        {200: "brandlink.opt_out"},
        form=(
            Param("Language", STRING, "The language rule set to change, e.g. es (its keywords add to the default)."),
            Param("Country", STRING, "The country rule set to change, e.g. MX (answers that country's numbers)."),
            Param("StopKeywords", STRING, "Comma-separated opt-out keywords (replace the list)."),
            Param("StartKeywords", STRING, "Comma-separated opt-in keywords (replace the list)."),
            Param("HelpKeywords", STRING, "Comma-separated help keywords (replace the list)."),
            Param("StopReply", STRING, "The opt-out confirmation (empty: none)."),
            Param("StartReply", STRING, "The opt-in confirmation (empty: none)."),
            Param("HelpReply", STRING, "The help reply (empty: none)."),
            Param("Remove", STRING, "true: delete the language or country set, or restore Twilio's defaults."),
        ),
        brandlink_addition=True,
    )
)
def update_opt_out(service_sid: str) -> Response[str]:
    service = services.owned_service(wiring.services(), current_account(router).sid, service_sid)
    settings = opt_out_api.update_opt_out(wiring.opt_out_settings(), service, form(router))
    return json_response(opt_out_api.opt_out_resource(service, settings, base_url(router)))
