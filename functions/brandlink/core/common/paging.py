"""Lists: one page of domain objects, signed page tokens, and the two list envelopes.

``Page`` is what a repository's ``page`` returns; ``PageRequest`` what a list call asked for;
``envelope_2010`` and ``envelope_v1`` the two JSON shapes of the contract.

A page token is ``PA`` (the page after) or ``PB`` (the page before), the base64url JSON of the
DynamoDB key of the boundary item, ``.`` and a truncated HMAC-SHA256 of what precedes it. The key
is derived per account from a secret only the deployment holds (see ``PageSigner``), so a token
that was not issued to this account fails with 20001 before anything is parsed or read; the store
still checks the key's types and that it belongs to the caller's partition (brandlink.store.common.paging)
and raises ``ForeignCursor`` when it does not, which ``checked_page`` turns into the same 20001.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from brandlink.core.common.errors import ErrorCode, TwilioError
from brandlink.core.common.forms import Form

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_TOKEN_CHARS = 2048  # a key of two 1 KiB attributes, base64url, is well under this
_MAC_BYTES = 16
_DIRECTIONS = ("PA", "PB")

Cursor = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of domain objects with the DynamoDB keys that bound it (for PA/PB tokens)."""

    items: list[T]
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None


class ForeignCursor(Exception):
    """Raised by a store's page read when the request's cursor is not a key of the list it reads."""


def checked_page(read: Callable[[], R]) -> R:
    """Run a store's page read; a cursor of another list (``ForeignCursor``) is a 20001."""
    try:
        return read()
    except ForeignCursor:
        raise TwilioError(
            ErrorCode.INVALID_PARAMETER, "Invalid PageToken: it belongs to another list; use the list's own page URLs."
        ) from None


def invalid_token() -> TwilioError:
    return TwilioError(
        ErrorCode.INVALID_PARAMETER,
        "Invalid PageToken: use the next_page_uri or previous_page_uri of a list response as is.",
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True, repr=False)
class PageSigner:
    """Signs and opens one account's page tokens.

    ``derive(secret, scope)`` makes the key from a secret the deployment already holds for the
    account (the API derives it from the account's stored auth-token hash and SID): every Lambda
    container of the deployment computes the same key without a network call, the key differs per
    account, and rotating the auth token retires the old tokens with it.
    """

    key: bytes

    @classmethod
    def derive(cls, secret: str, scope: str) -> PageSigner:
        material = f"brandlink page token v1|{scope}".encode()
        return cls(hmac.new(secret.encode("utf-8"), material, hashlib.sha256).digest())

    def _mac(self, signed: str) -> str:
        return _b64(hmac.new(self.key, signed.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES])

    def encode(self, direction: str, cursor: Cursor) -> str:
        if direction not in _DIRECTIONS:
            raise ValueError(f"direction must be PA or PB, got {direction!r}")
        signed = direction + _b64(json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{signed}.{self._mac(signed)}"

    def decode(self, token: str) -> tuple[str, Cursor]:
        """``(direction, cursor)`` of a token this signer issued; anything else raises 20001."""
        if len(token) > MAX_TOKEN_CHARS or token[:2] not in _DIRECTIONS or not token.isascii():
            raise invalid_token()
        signed, dot, mac = token.rpartition(".")
        if not dot or not hmac.compare_digest(mac, self._mac(signed)):
            raise invalid_token()
        body = signed[2:]
        try:
            cursor = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise invalid_token() from None
        if not _is_key(cursor):
            raise invalid_token()
        return token[:2], cursor


def _is_key(cursor: object) -> bool:
    """A DynamoDB key in wire form: ``{name: {"S"|"N": "value"}, ...}``, at least one attribute."""
    if not isinstance(cursor, dict) or not cursor:
        return False
    for name, value in cursor.items():
        if not isinstance(name, str) or not isinstance(value, dict) or len(value) != 1:
            return False
        ((kind, scalar),) = value.items()
        if kind not in ("S", "N") or not isinstance(scalar, str):
            return False
    return True


@dataclass(frozen=True)
class PageRequest:
    """One list call's paging: ``cursor`` is the verified key from ``token``, None on the first page."""

    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    token: str | None = None  # as the caller sent it, echoed in the envelope's ``uri``
    cursor: Cursor | None = None
    forward: bool = True  # False for a PB token: read backwards from the cursor
    signer: PageSigner | None = field(default=None, compare=False)

    @classmethod
    def from_form(cls, form: Form, signer: PageSigner) -> PageRequest:
        size = form.get_int("PageSize", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        page = form.get_int("Page", 0, minimum=0)
        token = form.get("PageToken") or None
        if page and token is None:
            raise TwilioError(
                ErrorCode.INVALID_PARAMETER,
                "Page greater than 0 needs the PageToken from the previous page's next_page_uri.",
            )
        direction, cursor = signer.decode(token) if token is not None else ("PA", None)
        return cls(
            page=page or 0,
            page_size=size or DEFAULT_PAGE_SIZE,
            token=token,
            cursor=cursor,
            forward=direction == "PA",
            signer=signer,
        )

    def token_for(self, direction: str, cursor: Cursor) -> str:
        if self.signer is None:
            raise RuntimeError("a PageRequest that hands out page tokens needs a signer (PageRequest.from_form)")
        return self.signer.encode(direction, cursor)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """A list action's answer before rendering: the page, the request it answers, the filters to repeat."""

    page: Page[T]
    request: PageRequest
    extra_query: dict[str, str] = field(default_factory=dict)

    def rendered(self, render: Callable[[T], dict[str, Any]]) -> PageResult:
        """The page's items rendered, with the cursors and filters the envelope's links need."""
        return PageResult(
            [render(item) for item in self.page.items],
            self.page.next_cursor,
            self.page.previous_cursor,
            dict(self.extra_query),
        )


def list_page(read: Callable[[PageRequest], Page[T]], params: Form, signer: PageSigner) -> Listing[T]:
    """Parse the paging parameters of ``params`` and read that page (``checked_page``)."""
    request = PageRequest.from_form(params, signer)
    return Listing(checked_page(lambda: read(request)), request)


@dataclass
class PageResult:
    items: list[dict[str, Any]]
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None
    extra_query: dict[str, str] = field(default_factory=dict)


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
        _query_string(request, request.page + 1, request.token_for("PA", result.next_cursor), extra)
        if result.next_cursor
        else None
    )
    if result.previous_cursor and request.page > 1:
        prev_q = _query_string(request, request.page - 1, request.token_for("PB", result.previous_cursor), extra)
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
