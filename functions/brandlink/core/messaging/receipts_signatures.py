"""Who may post a receipt: the signature checks of the Twilio and webhook receipt endpoints.

* Twilio signs its status callbacks with ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted
  form fields, keyed by the upstream account's auth token: the provider secret's ``auth_token``).
  The algorithm is the one ``twilio.request_validator.RequestValidator`` checks
  (tests/integration/test_receipts_api.py signs with it); the twilio package is not shipped in the
  Lambda asset, so the check is ``core.common.signing``'s, compared in constant time.
* The webhook provider's endpoint signs its receipts as Brandlink signs the messages it posts:
  ``X-Brandlink-Signature: sha256=<hex HMAC-SHA256 of the body>``, keyed by the per-deployment
  ``signing_key`` of the provider secret.
A receipt that fails its check changes nothing and is answered 403.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from brandlink.core.common.signing import compute_signature

SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class ReceiptKeys:
    """The keys the deployment's provider signs receipts with (None: that provider is not in use)."""

    twilio_auth_token: str | None = None
    webhook_signing_key: bytes | None = None


def twilio_signature_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    expected = compute_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8"))


def webhook_signature(key: bytes, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_signature_valid(key: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(webhook_signature(key, body).encode("utf-8"), header.strip().encode("utf-8"))
