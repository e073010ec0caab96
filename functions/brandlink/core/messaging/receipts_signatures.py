"""Who may post a receipt: the signature checks of the Twilio and webhook receipt endpoints.

* Twilio signs its status callbacks with ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted
  form fields, keyed by the upstream account's auth token: the provider secret's ``auth_token``).
  The algorithm is the one ``twilio.request_validator.RequestValidator`` checks
  (tests/integration/test_receipts_api.py signs with it); the twilio package is not shipped in the
  Lambda asset, so the check is ``core.common.signing.verify_signature``.
* The webhook provider's endpoint signs its receipts as Brandlink signs the messages it posts:
  ``X-Brandlink-Signature: sha256=<hex HMAC-SHA256 of the body>``, keyed by the per-deployment
  ``signing_key`` of the provider secret (``core.common.signing.webhook_signature_valid``).
A receipt that fails its check changes nothing and is answered 403.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReceiptKeys:
    """The keys the deployment's provider signs receipts with (None: that provider is not in use)."""

    twilio_auth_token: str | None = None
    webhook_signing_key: bytes | None = None
