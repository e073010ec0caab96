"""Click analytics (Brandlink additions, v1 style): ``/v1/LinkShortening/Links``, a link's
``/Clicks``, ``/v1/LinkShortening/Insights`` and the marketer's page ``/insights`` (docs/insights.md)."""

from __future__ import annotations

from functools import partial

from aws_lambda_powertools.event_handler import Response

from brandlink import wiring
from brandlink.api.context import base_url, current_account, json_response, page_signer, policy, query
from brandlink.api.spec import PAGE_PARAMS, DocumentedRouter, Operation, Param, enum, sid_schema
from brandlink.core.clicks import queries
from brandlink.core.clicks.insights import MAX_GROUP_BY_KEY
from brandlink.core.clicks.page import CSP
from brandlink.core.common.paging import envelope_v1

router = DocumentedRouter()

TAG = "BrandlinkLinkInsights"
LINKS = "/v1/LinkShortening/Links"
CLICKS = "/v1/LinkShortening/Links/{Slug}/Clicks"
INSIGHTS = "/v1/LinkShortening/Insights"
_DATE = {"type": "string", "format": "date"}
_GROUP_BY = {"type": "string", "pattern": "^Tag:.+$", "maxLength": 4 + MAX_GROUP_BY_KEY}
_RANGE = (
    Param("StartDate", _DATE, "First day (UTC, YYYY-MM-DD) of the range; sends and taps from 00:00 that day."),
    Param("EndDate", _DATE, "Last day (UTC, YYYY-MM-DD) of the range, inclusive."),
)


@router.operation(
    Operation(
        "GET",
        LINKS,
        "ListShortLink",
        "List short links of a message (MessageSid) or of a messaging service (MessagingServiceSid, by send "
        "time), with their click and preview counts.",
        TAG,
        {200: "ListShortLinkResponse"},
        query=(
            Param("MessageSid", sid_schema("SM", "MM"), "The message whose links to list (body order)."),
            Param("MessagingServiceSid", sid_schema("MG"), "The service whose links to list, oldest send first."),
            *_RANGE,
            *PAGE_PARAMS,
        ),
        brandlink_addition=True,
    )
)
def list_links() -> Response[str]:
    listing = queries.list_links(
        wiring.click_stats(),
        wiring.services(),
        current_account(router).sid,
        query(router),
        page_signer(router),
    )
    base = base_url(router)
    port = policy().short_link_port
    result = listing.rendered(partial(queries.link_resource, base_url=base, local_port=port))
    return json_response(envelope_v1(base, LINKS, "links", listing.request, result))


@router.operation(
    Operation(
        "GET",
        CLICKS,
        "ListShortLinkClick",
        "List the click and preview events recorded for one short link.",
        TAG,
        {200: "ListShortLinkClickResponse"},
        query=PAGE_PARAMS,
        brandlink_addition=True,
    )
)
def list_clicks(slug: str) -> Response[str]:
    listing = queries.list_clicks(
        wiring.click_stats(), current_account(router).sid, slug, query(router), page_signer(router)
    )
    base = base_url(router)
    result = listing.rendered(queries.click_resource)
    path = CLICKS.replace("{Slug}", slug)
    return json_response(envelope_v1(base, path, "clicks", listing.request, result))


@router.operation(
    Operation(
        "GET",
        INSIGHTS,
        "FetchLinkInsights",
        "Click-through figures of a messaging service: overall, per tag value (GroupBy=Tag:<key>) and over time.",
        TAG,
        {200: "brandlink.link_insights"},
        query=(
            Param("MessagingServiceSid", sid_schema("MG"), "The service to report on.", required=True),
            *_RANGE,
            Param("GroupBy", _GROUP_BY, "Tag:<key>: one group per value of that key of the messages' Tags."),
            Param("Interval", enum("hour", "day"), "The buckets of clicks_over_time; default day."),
        ),
        brandlink_addition=True,
    )
)
def fetch_insights() -> Response[str]:
    result = queries.service_insights(
        wiring.click_stats(), wiring.services(), current_account(router).sid, query(router)
    )
    return json_response(result.to_dict())


@router.operation(
    Operation(
        "GET",
        "/insights",
        "FetchLinkInsightsPage",
        "The insights of a messaging service as a self-contained HTML page (CTR per campaign and variant, "
        "clicks over time).",
        TAG,
        {200: "text/html"},
        query=(
            Param("MessagingServiceSid", sid_schema("MG"), "The service to show.", required=True),
            *_RANGE,
            Param(
                "GroupBy",
                {"type": "array", "items": _GROUP_BY, "maxItems": 5},
                "Tag:<key>, repeatable: one table per key; default Tag:campaign and Tag:variant.",
            ),
            Param("Interval", enum("hour", "day"), "The bars of the chart; default day."),
        ),
        brandlink_addition=True,
    )
)
def insights_page() -> Response[str]:
    html = queries.insights_page(wiring.click_stats(), wiring.services(), current_account(router).sid, query(router))
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=html,
        headers={
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )
