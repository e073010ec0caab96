"""``/2010-04-01/Accounts/{AC}/Messages``: send now or at ``SendAt``, fetch, list, cancel, redact, delete;
a message's Media (its MediaUrls) and Feedback."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import form, json_response, no_content, owned_account, page_signer, policy, query
from brandlink.api.spec import (
    BOOLEAN,
    PAGE_PARAMS,
    STRING,
    DocumentedRouter,
    Operation,
    Param,
    enum,
    sid_schema,
    string_list,
)
from brandlink.core.common.dates import utcnow
from brandlink.core.common.paging import envelope_2010
from brandlink.core.messaging import actions as message_actions
from brandlink.core.messaging import subresources as message_subresources
from brandlink.core.messaging.model import API_VERSION
from brandlink.core.messaging.params import MAX_BODY_CHARS, MAX_MEDIA, MAX_TAGS_CHARS
from brandlink.core.messaging.render import message_base, message_resource
from brandlink.core.messaging.subresources import feedback_resource, media_resource
from brandlink.core.services.model import MAX_VALIDITY_PERIOD, MIN_VALIDITY_PERIOD

router = DocumentedRouter()

ACCOUNT = f"/{API_VERSION}/Accounts/{{AccountSid}}"
MESSAGES = f"{ACCOUNT}/Messages.json"
MESSAGE = f"{ACCOUNT}/Messages/{{Sid}}.json"
MEDIA_LIST = f"{ACCOUNT}/Messages/{{MessageSid}}/Media.json"
MEDIA = f"{ACCOUNT}/Messages/{{MessageSid}}/Media/{{Sid}}.json"
FEEDBACK = f"{ACCOUNT}/Messages/{{MessageSid}}/Feedback.json"
MESSAGE_SIDS = ("SM", "MM")
TAG = "Api20100401Message"

_CREATE_FORM = (
    Param("To", STRING, "The recipient: E.164 (+14155552671) or whatsapp:+14155552671.", required=True),
    Param("From", STRING, "A sender of this account (phone number, short code, alpha sender, whatsapp:+...)."),
    Param("MessagingServiceSid", sid_schema("MG"), "Send from this service's sender pool (instead of From)."),
    Param("Body", {"type": "string", "maxLength": MAX_BODY_CHARS}, "The text; Body or MediaUrl is required."),
    Param(
        "MediaUrl",
        {**string_list({"type": "string", "format": "uri"}), "maxItems": MAX_MEDIA},
        "Public http(s) URLs of media to send (repeat the parameter, at most 10).",
    ),
    Param("StatusCallback", {"type": "string", "format": "uri"}, "Where status changes are POSTed."),
    Param(
        "ValidityPeriod",
        {"type": "integer", "minimum": MIN_VALIDITY_PERIOD, "maximum": MAX_VALIDITY_PERIOD},
        "Seconds the message may wait.",
    ),
    Param("SmartEncoded", BOOLEAN, "Replace Unicode look-alikes with GSM-7 characters."),
    Param("ShortenUrls", BOOLEAN, "Shorten the Body's links with the service's domain (needs MessagingServiceSid)."),
    Param("ScheduleType", enum("fixed"), "fixed: send at SendAt (needs MessagingServiceSid)."),
    Param("SendAt", {"type": "string", "format": "date-time"}, "When to send a scheduled message (ISO-8601)."),
    Param(
        "Tags",
        {"type": "string", "maxLength": MAX_TAGS_CHARS},
        'Brandlink\'s addition: a flat JSON object of strings, e.g. {"campaign": "spring"}.',
    ),
    Param("Attempt", {"type": "integer", "minimum": 1}, "Recorded and passed to the provider."),
    Param("ProvideFeedback", BOOLEAN, "Recorded; report the outcome with POST .../Feedback.json."),
    Param("ForceDelivery", BOOLEAN, "Recorded and passed to the provider."),
    Param("SendAsMms", BOOLEAN, "Recorded and passed to the provider."),
    Param("PersistentAction", string_list(), "URIs such as geo:37.78,-122.39 (repeat, at most 10)."),
    Param("RiskCheck", enum("enable", "disable"), "Recorded and passed to the provider."),
    Param("ContentRetention", enum("retain", "discard"), "discard empties the body once sent."),
    Param("AddressRetention", enum("retain", "obfuscate"), "obfuscate masks To once sent."),
)

_LIST_QUERY = (
    Param("To", STRING, "Only messages sent to this address."),
    Param("From", STRING, "Only messages sent from this address."),
    Param("DateSent", STRING, "Only messages sent on this UTC day (2024-01-31, or a date-time's day)."),
    Param("DateSent<", STRING, "Only messages sent on or before this day or instant."),
    Param("DateSent>", STRING, "Only messages sent on or after this day or instant."),
    *PAGE_PARAMS,
)


@router.operation(
    Operation(
        "POST",
        MESSAGES,
        "CreateMessage",
        "Send a message now, or at SendAt; it is stored and queued, never delivered inline.",
        TAG,
        {201: "api.v2010.account.message"},
        form=_CREATE_FORM,
    )
)
def create_message(account_sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    message = message_actions.create_message(wiring.message_ports(), account, form(router), policy().messages, utcnow())
    return json_response(message_resource(message), 201)


@router.operation(
    Operation(
        "GET",
        MESSAGES,
        "ListMessage",
        "List the account's messages, newest first.",
        TAG,
        {200: "ListMessageResponse"},
        query=_LIST_QUERY,
    )
)
def list_messages(account_sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    listing = message_actions.list_messages(
        wiring.message_ports(), account.sid, query(router), page_signer(router), utcnow()
    )
    path = f"/{API_VERSION}/Accounts/{account.sid}/Messages.json"
    return json_response(envelope_2010(path, "messages", listing.request, listing.rendered(message_resource)))


@router.operation(
    Operation("GET", MESSAGE, "FetchMessage", "Fetch a message.", TAG, {200: "api.v2010.account.message"}, MESSAGE_SIDS)
)
def fetch_message(account_sid: str, sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    return json_response(message_resource(message_actions.get_message(wiring.message_ports(), account.sid, sid)))


@router.operation(
    Operation(
        "POST",
        MESSAGE,
        "UpdateMessage",
        "Cancel a scheduled message (Status=canceled) or redact a finished one (Body empty).",
        TAG,
        {200: "api.v2010.account.message"},
        MESSAGE_SIDS,
        form=(
            Param("Status", enum("canceled"), "canceled: cancel a scheduled message."),
            Param("Body", {"type": "string", "maxLength": 0}, "Empty: redact the body of a finished message."),
        ),
    )
)
def update_message(account_sid: str, sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    message = message_actions.update_message(wiring.message_ports(), account.sid, sid, form(router), utcnow())
    return json_response(message_resource(message))


@router.operation(
    Operation(
        "DELETE", MESSAGE, "DeleteMessage", "Delete a finished or canceled message.", TAG, {204: None}, MESSAGE_SIDS
    )
)
def delete_message(account_sid: str, sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    message_actions.delete_message(wiring.message_ports(), account.sid, sid)
    return no_content()


# ---- subresources -------------------------------------------------------------------------------


@router.operation(
    Operation(
        "GET",
        MEDIA_LIST,
        "ListMedia",
        "List the message's media: one resource per MediaUrl it was sent with.",
        "Api20100401Media",
        {200: "ListMediaResponse"},
        query=PAGE_PARAMS,
    )
)
def list_media(account_sid: str, message_sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    message, listing = message_subresources.list_media(
        wiring.message_ports(), account.sid, message_sid, query(router), page_signer(router)
    )
    result = listing.rendered(media_resource)
    return json_response(
        envelope_2010(f"{message_base(account.sid, message.sid)}/Media.json", "media_list", listing.request, result)
    )


@router.operation(
    Operation(
        "GET",
        MEDIA,
        "FetchMedia",
        "Fetch one media resource of the message.",
        "Api20100401Media",
        {200: "api.v2010.account.message.media"},
        ("ME",),
    )
)
def fetch_media(account_sid: str, message_sid: str, sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    return json_response(
        media_resource(message_subresources.get_media(wiring.message_ports(), account.sid, message_sid, sid))
    )


@router.operation(
    Operation(
        "POST",
        FEEDBACK,
        "CreateMessageFeedback",
        "Report whether the recipient acted on the message; 201 the first time, 200 when it replaces a report.",
        "Api20100401Feedback",
        {201: "api.v2010.account.message.message_feedback", 200: "api.v2010.account.message.message_feedback"},
        form=(Param("Outcome", enum("confirmed", "unconfirmed"), "The outcome; confirmed when omitted."),),
    )
)
def create_feedback(account_sid: str, message_sid: str) -> Response[str]:
    account = owned_account(router, account_sid)
    message, feedback, first = message_subresources.give_feedback(
        wiring.message_ports(), account.sid, message_sid, form(router), utcnow()
    )
    return json_response(feedback_resource(message, feedback), 201 if first else 200)
