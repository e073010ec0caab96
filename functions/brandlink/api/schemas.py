"""The response schemas of the OpenAPI document, named as Twilio's ``twilio-oai`` specs name them.

Every resource schema lists every field the matching ``*_resource`` function renders, all of them
required and nothing else allowed (``additionalProperties: false``): Brandlink always renders every
field (null when unknown), so a field added to a resource without its schema, or dropped from it,
fails the schemathesis run in ``make test`` (tests/e2e/test_schemathesis.py). Brandlink's additions
are named ``brandlink.*``. Imported only when ``GET /openapi.json`` is served.
"""

from __future__ import annotations

from typing import Any

from brandlink.api.spec import Schema, sid_schema

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
RFC2822: Schema = {"type": "string", "format": "date-time-rfc-2822"}
ISO8601: Schema = {"type": "string", "format": "date-time"}


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def strict(properties: dict[str, Schema], description: str = "", *, optional: tuple[str, ...] = ()) -> Schema:
    """An object with exactly these properties, each required unless named in ``optional``."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def string_map(description: str) -> Schema:
    return {"type": "object", "additionalProperties": STR, "description": description}


MESSAGE_STATUSES = (
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "read",
    "partially_delivered",
    "canceled",
)

_MESSAGE = strict(
    {
        "account_sid": sid_schema("AC"),
        "api_version": STR,
        "body": STR,
        "date_created": RFC2822,
        "date_sent": nullable(RFC2822),
        "date_updated": RFC2822,
        "direction": {"type": "string", "enum": ["inbound", "outbound-api", "outbound-call", "outbound-reply"]},
        "error_code": nullable(INT),
        "error_message": nullable(STR),
        "from": nullable(STR),
        "messaging_service_sid": nullable(sid_schema("MG")),
        "num_media": STR,
        "num_segments": STR,
        "price": nullable(STR),
        "price_unit": nullable(STR),
        "sid": sid_schema("SM", "MM"),
        "status": {"type": "string", "enum": list(MESSAGE_STATUSES)},
        "subresource_uris": strict({"media": STR, "feedback": STR}),
        "tags": string_map("Brandlink's addition: the Tags the message was sent with."),
        "to": STR,
        "uri": STR,
    },
    "A message (2010-04-01).",
)

_MEDIA = strict(
    {
        "account_sid": sid_schema("AC"),
        "content_type": STR,
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "parent_sid": sid_schema("SM", "MM"),
        "sid": sid_schema("ME"),
        "uri": STR,
    },
    "One MediaUrl of a message; content_type is guessed from the URL's file extension.",
)

_FEEDBACK = strict(
    {
        "account_sid": sid_schema("AC"),
        "message_sid": sid_schema("SM", "MM"),
        "outcome": {"type": "string", "enum": ["confirmed", "unconfirmed"]},
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "uri": STR,
    },
    "The reported outcome of a message.",
)

_ACCOUNT = strict(
    {
        "auth_token": STR,
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "friendly_name": STR,
        "owner_account_sid": sid_schema("AC"),
        "sid": sid_schema("AC"),
        "status": {"type": "string", "enum": ["active", "suspended", "closed"]},
        "subresource_uris": strict({"messages": STR, "incoming_phone_numbers": STR}),
        "type": STR,
        "uri": STR,
    },
    "The caller's account; auth_token is always masked (only its salted hash is stored).",
)

_INCOMING_PHONE_NUMBER = strict(
    {
        "account_sid": sid_schema("AC"),
        "address_requirements": STR,
        "address_sid": nullable(STR),
        "api_version": STR,
        "beta": BOOL,
        "bundle_sid": nullable(STR),
        "capabilities": strict({"voice": BOOL, "sms": BOOL, "mms": BOOL, "fax": BOOL}),
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "emergency_address_sid": nullable(STR),
        "emergency_address_status": STR,
        "emergency_status": STR,
        "friendly_name": STR,
        "identity_sid": nullable(STR),
        "origin": STR,
        "phone_number": STR,
        "sid": sid_schema("PN"),
        "sms_application_sid": nullable(STR),
        "sms_fallback_method": STR,
        "sms_fallback_url": nullable(STR),
        "sms_method": STR,
        "sms_url": nullable(STR),
        "status": STR,
        "status_callback": nullable(STR),
        "status_callback_method": STR,
        "subresource_uris": strict({"assigned_add_ons": STR}),
        "trunk_sid": nullable(STR),
        "type": STR,
        "uri": STR,
        "voice_application_sid": nullable(STR),
        "voice_caller_id_lookup": BOOL,
        "voice_fallback_method": STR,
        "voice_fallback_url": nullable(STR),
        "voice_method": STR,
        "voice_receive_mode": STR,
        "voice_url": nullable(STR),
    },
    "A phone number the account owns (messaging only: the voice fields are inert).",
)

_SHORT_CODE_2010 = strict(
    {
        "account_sid": sid_schema("AC"),
        "api_version": STR,
        "date_created": RFC2822,
        "date_updated": RFC2822,
        "friendly_name": STR,
        "short_code": STR,
        "sid": sid_schema("SC"),
        "sms_fallback_method": STR,
        "sms_fallback_url": nullable(STR),
        "sms_method": STR,
        "sms_url": nullable(STR),
        "uri": STR,
    },
    "A short code the account owns.",
)


def _pool_entry(address_field: str, prefix: str, *, with_country: bool) -> Schema:
    properties: dict[str, Schema] = {
        "sid": sid_schema(prefix),
        "account_sid": sid_schema("AC"),
        "service_sid": sid_schema("MG"),
        "date_created": ISO8601,
        "date_updated": ISO8601,
        address_field: STR,
    }
    if with_country:
        properties["country_code"] = STR
    properties["capabilities"] = {"type": "array", "items": STR}
    properties["url"] = STR
    return strict(properties, f"A sender in a messaging service's pool ({address_field}).")


_SERVICE_LINKS = (
    "phone_numbers",
    "short_codes",
    "alpha_senders",
    "messages",
    "us_app_to_person",
    "us_app_to_person_usecases",
    "channel_senders",
)

_SERVICE = strict(
    {
        "account_sid": sid_schema("AC"),
        "sid": sid_schema("MG"),
        "friendly_name": STR,
        "date_created": ISO8601,
        "date_updated": ISO8601,
        "inbound_request_url": nullable(STR),
        "inbound_method": {"type": "string", "enum": ["GET", "POST"]},
        "fallback_url": nullable(STR),
        "fallback_method": {"type": "string", "enum": ["GET", "POST"]},
        "status_callback": nullable(STR),
        "sticky_sender": BOOL,
        "mms_converter": BOOL,
        "smart_encoding": BOOL,
        "scan_message_content": {"type": "string", "enum": ["inherit", "enable", "disable"]},
        "fallback_to_long_code": BOOL,
        "area_code_geomatch": BOOL,
        "synchronous_validation": BOOL,
        "validity_period": INT,
        "url": STR,
        "links": strict(dict.fromkeys(_SERVICE_LINKS, STR)),
        "usecase": STR,
        "us_app_to_person_registered": BOOL,
        "use_inbound_webhook_on_number": BOOL,
    },
    "A messaging service.",
)

_DNS_RECORD = strict({"record_type": STR, "record_name": STR, "record_value": nullable(STR)})

_DOMAIN = strict(
    {
        "sid": sid_schema("DN"),
        "account_sid": sid_schema("AC"),
        "domain_name": STR,
        "verified": BOOL,
        "date_verified": nullable(ISO8601),
        "date_expires": nullable(ISO8601),
        "verification": _DNS_RECORD,
        "dns_target": _DNS_RECORD,
        "certificate_sid": nullable(sid_schema("CW")),
        "config_sid": nullable(sid_schema("ZK")),
        "date_created": ISO8601,
        "date_updated": ISO8601,
        "url": STR,
        "links": strict({"verify": STR, "validate_dns": STR, "certificate": STR, "config": STR}),
    },
    "Brandlink's addition: a link-shortening domain, its ownership check (TXT) and routing (CNAME).",
)

_CERTIFICATE = strict(
    {
        "certificate_sid": sid_schema("CW"),
        "domain_sid": sid_schema("DN"),
        "domain_name": STR,
        "date_created": ISO8601,
        "date_updated": ISO8601,
        "date_expires": nullable(ISO8601),
        "url": STR,
        "cert_in_validation": nullable(
            strict(
                {
                    "status": {"type": "string", "enum": ["pending", "failed"]},
                    "date_expires": nullable(ISO8601),
                    "error_code": nullable(INT),
                    "error_message": nullable(STR),
                },
                optional=("error_code", "error_message"),
            )
        ),
    },
    "A domain's TLS certificate; cert_in_validation describes an upload still being installed.",
)

_CONFIG_FIELDS: dict[str, Schema] = {
    "domain_sid": sid_schema("DN"),
    "config_sid": sid_schema("ZK"),
    "fallback_url": nullable(STR),
    "callback_url": nullable(STR),
    "continue_on_failure": BOOL,
    "disable_https": BOOL,
    "messaging_service_sids": {"type": "array", "items": sid_schema("MG")},
    "date_created": ISO8601,
    "date_updated": ISO8601,
    "url": STR,
}

_SERVICE_CONFIG_FIELDS = {name: schema for name, schema in _CONFIG_FIELDS.items() if name != "disable_https"}

_ASSOCIATION = strict({"domain_sid": sid_schema("DN"), "messaging_service_sid": sid_schema("MG"), "url": STR})

_OUTBOX_MESSAGE = strict(
    {
        "account_sid": sid_schema("AC"),
        "message_sid": sid_schema("SM", "MM"),
        "messaging_service_sid": nullable(sid_schema("MG")),
        "to": STR,
        "from": nullable(STR),
        "body": STR,
        "media_urls": {"type": "array", "items": STR},
        "encoding": STR,
        "num_segments": INT,
        "tags": string_map("The Tags the message was sent with."),
        "date_sent": ISO8601,
        "url": STR,
    },
    "Brandlink's addition: what the outbox provider delivered.",
)

_KEYWORDS = strict(
    {kind: {"type": "array", "items": STR} for kind in ("STOP", "START", "HELP")},
    "The keywords of each kind (whole body, trimmed, any case).",
)
_REPLIES = strict({kind: STR for kind in ("STOP", "START", "HELP")}, "Confirmation replies (empty: none).")
_RULE_SET = strict({"keywords": _KEYWORDS, "replies": _REPLIES})
_OPT_OUT = strict(
    {
        "account_sid": sid_schema("AC"),
        "messaging_service_sid": sid_schema("MG"),
        "default": _RULE_SET,
        "languages": {"type": "object", "additionalProperties": _RULE_SET},
        "countries": {"type": "object", "additionalProperties": _RULE_SET},
        "url": STR,
    },
    "Brandlink's addition: a messaging service's Advanced Opt-Out keywords and replies.",
)

ERROR = strict(
    {"code": INT, "message": STR, "more_info": STR, "status": INT},
    "A Twilio error: code (https://www.twilio.com/docs/errors), a sentence saying what to fix, the HTTP status.",
)

_FIGURES: dict[str, Schema] = {
    "messages_with_links": INT,
    "clicked_messages": INT,
    "unique_clickers": INT,
    "click_through_rate": nullable({"type": "number"}),
    "clicks": INT,
    "previews": INT,
    "median_time_to_first_click_seconds": nullable({"type": "number"}),
}
_SHORT_LINK = strict(
    {
        "slug": STR,
        "short_url": STR,
        "link": STR,
        "account_sid": sid_schema("AC"),
        "messaging_service_sid": sid_schema("MG"),
        "message_sid": sid_schema("SM", "MM"),
        "to": STR,
        "domain_sid": sid_schema("DN"),
        "tags": string_map("The message's Tags."),
        "date_created": ISO8601,
        "date_expires": ISO8601,
        "clicks": INT,
        "previews": INT,
        "first_click_time": nullable(STR),
        "url": STR,
    },
    "A short link sent in a message, with its click and preview counts.",
)
_CLICK_EVENT = strict(
    {
        "event_id": STR,
        "event_type": {"type": "string", "enum": ["click", "preview"]},
        "slug": STR,
        "short_url": STR,
        "link": STR,
        "sms_sid": STR,
        "account_sid": STR,
        "messaging_service_sid": STR,
        "to": STR,
        "from": STR,
        "click_time": STR,
        "clicked_at": INT,
        "user_agent": STR,
    },
    "One recorded tap on a short link: a click, or a link preview.",
)
_LINK_INSIGHTS = strict(
    {
        "messaging_service_sid": sid_schema("MG"),
        "start_date": nullable(STR),
        "end_date": nullable(STR),
        "group_by": nullable(STR),
        "interval": {"type": "string", "enum": ["hour", "day"]},
        **_FIGURES,
        "groups": {"type": "array", "items": strict({"key": STR, **_FIGURES})},
        "clicks_over_time": {
            "type": "array",
            "items": strict({"start": ISO8601, "clicks": INT, "previews": INT}),
        },
    },
    "Click-through figures of a messaging service (docs/insights.md).",
)

OPENAPI_DOCUMENT: Schema = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "description": "This document.",
}

RESOURCES: dict[str, Schema] = {
    "api.v2010.account": _ACCOUNT,
    "api.v2010.account.message": _MESSAGE,
    "api.v2010.account.message.media": _MEDIA,
    "api.v2010.account.message.message_feedback": _FEEDBACK,
    "api.v2010.account.incoming_phone_number": _INCOMING_PHONE_NUMBER,
    "api.v2010.account.short_code": _SHORT_CODE_2010,
    "messaging.v1.service": _SERVICE,
    "messaging.v1.service.phone_number": _pool_entry("phone_number", "PN", with_country=True),
    "messaging.v1.service.short_code": _pool_entry("short_code", "SC", with_country=True),
    "messaging.v1.service.alpha_sender": _pool_entry("alpha_sender", "AI", with_country=False),
    "messaging.v1.domain_cert_v4": _CERTIFICATE,
    "messaging.v1.domain_config": strict(_CONFIG_FIELDS, "A domain's link-shortening settings."),
    "messaging.v1.domain_config_messaging_service": strict(
        {**_SERVICE_CONFIG_FIELDS, "messaging_service_sid": sid_schema("MG")},
        "The config of the domain a messaging service shortens links with.",
    ),
    "messaging.v1.domain_dns_validation": strict(
        {"domain_sid": sid_schema("DN"), "is_valid": BOOL, "reason": nullable(STR), "url": STR},
        "Whether the domain's DNS points at Brandlink's redirect endpoint.",
    ),
    "messaging.v1.linkshortening_messaging_service": _ASSOCIATION,
    "messaging.v1.linkshortening_messaging_service_domain_association": _ASSOCIATION,
    "brandlink.domain": _DOMAIN,
    "brandlink.outbox_message": _OUTBOX_MESSAGE,
    "brandlink.opt_out": _OPT_OUT,
    "brandlink.short_link": _SHORT_LINK,
    "brandlink.click_event": _CLICK_EVENT,
    "brandlink.link_insights": _LINK_INSIGHTS,
    "brandlink.openapi": OPENAPI_DOCUMENT,
}

# 2010-04-01 lists: (schema name, the envelope key of the records, the records' schema)
LISTS_2010 = {
    "ListAccountResponse": ("accounts", "api.v2010.account"),
    "ListMessageResponse": ("messages", "api.v2010.account.message"),
    "ListMediaResponse": ("media_list", "api.v2010.account.message.media"),
    "ListIncomingPhoneNumberResponse": ("incoming_phone_numbers", "api.v2010.account.incoming_phone_number"),
    "ListShortCodeResponse": ("short_codes", "api.v2010.account.short_code"),
}

# Messaging v1 lists (and Brandlink's, in the same style)
LISTS_V1 = {
    "ListServiceResponse": ("services", "messaging.v1.service"),
    "ListPhoneNumberResponse": ("phone_numbers", "messaging.v1.service.phone_number"),
    "ListServiceShortCodeResponse": ("short_codes", "messaging.v1.service.short_code"),
    "ListAlphaSenderResponse": ("alpha_senders", "messaging.v1.service.alpha_sender"),
    "ListDomainResponse": ("domains", "brandlink.domain"),
    "ListOutboxMessageResponse": ("messages", "brandlink.outbox_message"),
    "ListShortLinkResponse": ("links", "brandlink.short_link"),
    "ListShortLinkClickResponse": ("clicks", "brandlink.click_event"),
}


def list_2010(key: str, item: str) -> Schema:
    return strict(
        {
            "end": INT,
            "first_page_uri": STR,
            "next_page_uri": nullable(STR),
            "page": INT,
            "page_size": INT,
            "previous_page_uri": nullable(STR),
            "start": INT,
            "uri": STR,
            key: {"type": "array", "items": ref(item)},
        }
    )


def list_v1(key: str, item: str) -> Schema:
    meta = strict(
        {
            "page": INT,
            "page_size": INT,
            "first_page_url": STR,
            "previous_page_url": nullable(STR),
            "url": STR,
            "next_page_url": nullable(STR),
            "key": {"type": "string", "enum": [key]},
        }
    )
    return strict({key: {"type": "array", "items": ref(item)}, "meta": meta})


def components() -> dict[str, Any]:
    """Every named schema: resources, list envelopes and the error body."""
    schemas: dict[str, Schema] = dict(RESOURCES)
    schemas.update({name: list_2010(key, item) for name, (key, item) in LISTS_2010.items()})
    schemas.update({name: list_v1(key, item) for name, (key, item) in LISTS_V1.items()})
    schemas["twilio.error"] = ERROR
    return schemas
