"""The read actions of ``/v1/LinkShortening/Links``, ``…/Links/{Slug}/Clicks`` and ``…/Insights``:
parse, check the caller owns what it names (another account's message, service or link is a 404),
read one page or the insights, and the renderers of their resources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from brandlink.core.clicks import insights as figures
from brandlink.core.clicks.insights import Insights, InsightsReader, LinkCounts
from brandlink.core.clicks.model import ClickEvent
from brandlink.core.common.dates import iso8601, iso8601_millis
from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Listing, Page, PageRequest, PageSigner, checked_page
from brandlink.core.common.sids import is_sid
from brandlink.core.links.records import LinkRecord
from brandlink.core.links.shortening import short_url
from brandlink.core.links.slug_format import is_slug
from brandlink.core.services.repository import ServiceRepository


class ClickQueries(InsightsReader, Protocol):
    def link_counts(self, slugs: Sequence[str]) -> dict[str, LinkCounts]: ...

    def links_of_message(self, account_sid: str, message_sid: str, request: PageRequest) -> Page[LinkRecord]: ...

    def links_of_service(
        self, account_sid: str, service_sid: str, created_from: int, created_to: int, request: PageRequest
    ) -> Page[LinkRecord]: ...

    def clicks_of_link(self, message_sid: str, slug: str, request: PageRequest) -> Page[ClickEvent]: ...

    def link(self, slug: str) -> LinkRecord | None: ...


@dataclass(frozen=True)
class LinkView:
    record: LinkRecord
    counts: LinkCounts


def _sid_param(params: Form, name: str, prefixes: tuple[str, ...]) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not any(is_sid(value, prefix) for prefix in prefixes):
        raise TwilioError.invalid_parameter(name, f"expected a {'/'.join(prefixes)} SID, got {value[:40]!r}.")
    return value


def _owned_service(services: ServiceRepository, account_sid: str, service_sid: str) -> None:
    if services.get(account_sid, service_sid) is None:
        raise TwilioError.not_found(f"Messaging Service {service_sid}")


def list_links(
    queries: ClickQueries, services: ServiceRepository, account_sid: str, params: Form, signer: PageSigner
) -> Listing[LinkView]:
    """``MessageSid`` (its links in body order) or ``MessagingServiceSid`` (by send time, within
    ``StartDate`` to ``EndDate`` when given); one of the two is required.

    A message with no short link in the caller's account (another account's, or none at all) is a
    404; link items outlive the message itself (90 days against the account's retention), so the
    links are the evidence, not the messages table."""
    message_sid = _sid_param(params, "MessageSid", ("SM", "MM"))
    service_sid = _sid_param(params, "MessagingServiceSid", ("MG",))
    if message_sid is None and service_sid is None:
        raise TwilioError.invalid_parameter(
            "MessageSid", "give MessageSid (one message's links) or MessagingServiceSid (a service's links)."
        )
    query = figures.parse_query(params, service_sid or "")
    request = PageRequest.from_form(params, signer)
    extra: dict[str, str] = {}
    if message_sid is not None:
        page = checked_page(lambda: queries.links_of_message(account_sid, message_sid, request))
        if not page.items and request.cursor is None:
            raise TwilioError.not_found(f"Short links of message {message_sid}")
        extra["MessageSid"] = message_sid
    else:
        assert service_sid is not None
        _owned_service(services, account_sid, service_sid)
        first, last = query.first_second, query.last_second
        page = checked_page(lambda: queries.links_of_service(account_sid, service_sid, first, last, request))
        extra["MessagingServiceSid"] = service_sid
        for name, day in (("StartDate", query.start), ("EndDate", query.end)):
            if day is not None:
                extra[name] = day.isoformat()
    counts = queries.link_counts([record.slug for record in page.items]) if page.items else {}
    views = [LinkView(record, counts.get(record.slug, LinkCounts())) for record in page.items]
    return Listing(Page(views, page.next_cursor, page.previous_cursor), request, extra)


def _owned_link(queries: ClickQueries, account_sid: str, slug: str) -> LinkRecord:
    record = queries.link(slug) if is_slug(slug) else None
    if record is None or record.account_sid != account_sid:
        raise TwilioError.not_found(f"Short link {slug[:40]}")
    return record


def list_clicks(
    queries: ClickQueries, account_sid: str, slug: str, params: Form, signer: PageSigner
) -> Listing[ClickEvent]:
    """A short link's recorded events (clicks and previews), in event-id order."""
    record = _owned_link(queries, account_sid, slug)
    request = PageRequest.from_form(params, signer)
    page = checked_page(lambda: queries.clicks_of_link(record.message_sid, record.slug, request))
    return Listing(page, request)


def service_insights(reader: InsightsReader, services: ServiceRepository, account_sid: str, params: Form) -> Insights:
    service_sid = _sid_param(params, "MessagingServiceSid", ("MG",))
    if service_sid is None:
        raise TwilioError.invalid_parameter("MessagingServiceSid", "give the MG SID of the service to report on.")
    query = figures.parse_query(params, service_sid)
    _owned_service(services, account_sid, service_sid)
    return figures.insights(reader, query)


# ---- resources ----------------------------------------------------------------------------------------


def _epoch(seconds: int) -> str | None:
    return iso8601(datetime.fromtimestamp(seconds, UTC))


def _millis(ms: int | None) -> str | None:
    return None if ms is None else iso8601_millis(datetime.fromtimestamp(ms / 1000, UTC))


def link_resource(view: LinkView, base_url: str, local_port: int | None = None) -> dict[str, Any]:
    """``short_url`` as messages spell it (``https://``; the local links gateway's ``http://…:port``
    in local mode); a domain's ``DisableHttps`` is not known here, so the scheme is always shown."""
    record, counts = view.record, view.counts
    return {
        "slug": record.slug,
        "short_url": short_url(record.domain_name, record.slug, local_port=local_port),
        "link": record.link,
        "account_sid": record.account_sid,
        "messaging_service_sid": record.service_sid,
        "message_sid": record.message_sid,
        "to": record.to,
        "domain_sid": record.domain_sid,
        "tags": dict(record.tags),
        "date_created": _epoch(record.created_at),
        "date_expires": _epoch(record.expires_at),
        "clicks": counts.clicks,
        "previews": counts.previews,
        "first_click_time": _millis(counts.first_click_ms),
        "url": f"{base_url}/v1/LinkShortening/Links/{record.slug}/Clicks",
    }


def click_resource(event: ClickEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "slug": event.slug,
        "short_url": event.short_url,
        "link": event.link,
        "sms_sid": event.message_sid,
        "account_sid": event.account_sid,
        "messaging_service_sid": event.service_sid,
        "to": event.to,
        "from": event.from_,
        "click_time": _millis(event.clicked_at_ms),
        "clicked_at": event.clicked_at_ms,
        "user_agent": event.user_agent,
    }


def insights_page(reader: InsightsReader, services: ServiceRepository, account_sid: str, params: Form) -> str:
    """``GET /insights``: the page for ``MessagingServiceSid``, one table per ``GroupBy=Tag:<key>``
    (repeatable; ``campaign`` and ``variant`` when none is given)."""
    from brandlink.core.clicks import page

    service_sid = _sid_param(params, "MessagingServiceSid", ("MG",))
    if service_sid is None:
        raise TwilioError.invalid_parameter("MessagingServiceSid", "give the MG SID of the service to show.")
    raw_keys = [value for value in params.get_list("GroupBy") if value != ""]
    if len(raw_keys) > page.MAX_GROUP_KEYS:
        raise TwilioError.invalid_parameter("GroupBy", f"give at most {page.MAX_GROUP_KEYS} tag keys.")
    names = params.keys()  # Form has no __iter__
    rest = Form([(name, value) for name in names if name != "GroupBy" for value in params.get_list(name)])
    query = figures.parse_query(rest, service_sid)
    keys: list[str] = []
    for raw in raw_keys:
        key = figures.parse_query(Form([("GroupBy", raw)]), service_sid).group_by
        if key is not None and key not in keys:
            keys.append(key)
    service = services.get(account_sid, service_sid)
    if service is None:
        raise TwilioError.not_found(f"Messaging Service {service_sid}")
    overall, by_key = figures.insights_by_keys(reader, query, keys or page.DEFAULT_GROUP_KEYS)
    return page.render_page(service.friendly_name or service_sid, by_key, overall)
