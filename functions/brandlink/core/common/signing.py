"""Signatures of outgoing webhooks (``X-Twilio-Signature``), form and JSON variants."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Params = Mapping[str, str | Sequence[str]]


def compute_signature(auth_token: str, url: str, params: Params | None = None) -> str:
    """base64(HMAC-SHA1(auth_token, url + name+value for each param, names and values sorted))."""
    data = url
    for name in sorted(params or {}):
        value = (params or {})[name]
        values = [value] if isinstance(value, str) else list(value)
        for item in sorted(values):
            data += name + item
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_form(auth_token: str, url: str, params: Params) -> dict[str, str]:
    """Headers for a form-encoded POST of ``params`` to ``url``."""
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": compute_signature(auth_token, url, params),
    }


def url_with_body_hash(url: str, body: bytes) -> str:
    """``url`` with ``bodySHA256=<hex>`` appended, as Twilio signs JSON bodies."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.append(("bodySHA256", hashlib.sha256(body).hexdigest()))
    return urlunsplit(parts._replace(query=urlencode(query)))


def sign_json(auth_token: str, url: str, body: bytes) -> tuple[str, dict[str, str]]:
    """The URL to POST to (with ``bodySHA256``) and the headers for a JSON ``body``."""
    signed_url = url_with_body_hash(url, body)
    return signed_url, {
        "Content-Type": "application/json",
        "X-Twilio-Signature": compute_signature(auth_token, signed_url),
    }


def verify_signature(auth_token: str, url: str, params: Params | None, signature: str) -> bool:
    return hmac.compare_digest(compute_signature(auth_token, url, params), signature)
