"""List envelopes (2010-04-01 and messaging v1) and opaque page tokens.

A page token is ``PA`` (the page after) or ``PB`` (the page before) followed by the base64url
JSON of the DynamoDB key of the boundary item; the store checks it belongs to the caller's
partition, so a forged token can only fail, never reveal another account's items.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from brandlink.core.errors import TwilioError
from brandlink.core.forms import Form

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class PageRequest:
    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    token: str | None = None

    @property
    def forward(self) -> bool:
        return not (self.token or "").startswith("PB")

    @property
    def cursor(self) -> dict[str, Any] | None:
        return decode_token(self.token) if self.token else None

    @classmethod
    def from_form(cls, form: Form) -> PageRequest:
        size = form.get_int("PageSize", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        page = form.get_int("Page", 0, minimum=0)
        token = form.get("PageToken") or None
        if token is not None:
            decode_token(token)  # fail early with 20001 on garbage
        if page and token is None:
            raise TwilioError(20001, "Page greater than 0 needs the PageToken from the previous page's next_page_uri.")
        return cls(page=page or 0, page_size=size or DEFAULT_PAGE_SIZE, token=token)


@dataclass
class PageResult:
    items: list[dict[str, Any]]
    next_cursor: dict[str, Any] | None = None
    previous_cursor: dict[str, Any] | None = None
    extra_query: dict[str, str] = field(default_factory=dict)


def encode_token(direction: str, key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return direction + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    bad = TwilioError(20001, "Invalid PageToken: use the next_page_uri or previous_page_uri of a list response as is.")
    if len(token) < 3 or token[:2] not in ("PA", "PB"):
        raise bad
    body = token[2:]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(decoded, dict) or not decoded:
        raise bad
    for name, value in decoded.items():
        if not isinstance(name, str) or not isinstance(value, dict) or len(value) != 1:
            raise bad
        ((kind, scalar),) = value.items()
        if kind not in ("S", "N") or not isinstance(scalar, str):
            raise bad
    return decoded


def _query_string(request: PageRequest, page: int, token: str | None, extra: dict[str, str]) -> str:
    params: dict[str, str] = dict(extra)
    params["PageSize"] = str(request.page_size)
    params["Page"] = str(page)
    if token:
        params["PageToken"] = token
    return urlencode(params)


def _links(request: PageRequest, result: PageResult) -> tuple[str, str, str | None, str | None]:
    extra = result.extra_query
    current = _query_string(request, request.page, request.token, extra)
    first = _query_string(request, 0, None, extra)
    next_q = (
        _query_string(request, request.page + 1, encode_token("PA", result.next_cursor), extra)
        if result.next_cursor
        else None
    )
    if result.previous_cursor and request.page > 1:
        prev_q = _query_string(request, request.page - 1, encode_token("PB", result.previous_cursor), extra)
    elif request.page >= 1:
        prev_q = first
    else:
        prev_q = None
    return current, first, next_q, prev_q


def envelope_2010(path: str, key: str, request: PageRequest, result: PageResult) -> dict[str, Any]:
    """``{end, first_page_uri, next_page_uri, page, page_size, previous_page_uri, start, uri, <key>}``."""
    current, first, next_q, prev_q = _links(request, result)
    start = request.page * request.page_size
    return {
        "end": start + max(len(result.items) - 1, 0),
        "first_page_uri": f"{path}?{first}",
        "next_page_uri": f"{path}?{next_q}" if next_q else None,
        "page": request.page,
        "page_size": request.page_size,
        "previous_page_uri": f"{path}?{prev_q}" if prev_q else None,
        "start": start,
        "uri": f"{path}?{current}",
        key: result.items,
    }


def envelope_v1(base_url: str, path: str, key: str, request: PageRequest, result: PageResult) -> dict[str, Any]:
    """``{<key>: [...], "meta": {page, page_size, first_page_url, previous_page_url, url, next_page_url, key}}``."""
    current, first, next_q, prev_q = _links(request, result)
    url = base_url + path
    return {
        key: result.items,
        "meta": {
            "page": request.page,
            "page_size": request.page_size,
            "first_page_url": f"{url}?{first}",
            "previous_page_url": f"{url}?{prev_q}" if prev_q else None,
            "url": f"{url}?{current}",
            "next_page_url": f"{url}?{next_q}" if next_q else None,
            "key": key,
        },
    }
