"""Signatures of webhooks: those Brandlink sends (``X-Twilio-Signature``, form and JSON variants) and
those it receives from an upstream provider (Twilio's ``X-Twilio-Signature``, the webhook provider's
``X-Brandlink-Signature: sha256=<hex HMAC-SHA256 of the body>``).

Checks compare bytes in constant time: ``hmac.compare_digest`` raises on a ``str`` with non-ASCII
characters, and a header is whatever the caller sent."""

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


def verify_signature(auth_token: str, url: str, params: Params | None, signature: str | None) -> bool:
    """Whether ``signature`` is Twilio's for ``url`` and ``params`` under ``auth_token``."""
    if not signature:
        return False
    expected = compute_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8"))


WEBHOOK_SIGNATURE_PREFIX = "sha256="


def webhook_signature(key: bytes, body: bytes) -> str:
    """``X-Brandlink-Signature`` of ``body``: ``sha256=`` + hex HMAC-SHA256 under the deployment's key."""
    return WEBHOOK_SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_signature_valid(key: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.strip().startswith(WEBHOOK_SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(webhook_signature(key, body).encode("utf-8"), header.strip().encode("utf-8"))
