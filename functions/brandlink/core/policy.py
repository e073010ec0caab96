"""What a deployment's settings decide for the API's requests, as one value the routes receive.

``brandlink.wiring.api_policy()`` builds it from the settings once; a route passes the parts a core
action needs (``allow_private_urls`` to a callback check, ``messages`` to message creation), so no
route reads ``brandlink.config``.
"""

from __future__ import annotations

from dataclasses import dataclass

from brandlink.core.messaging.actions import MessageLimits


@dataclass(frozen=True)
class ApiPolicy:
    local_mode: bool
    """``*.localhost`` domains are verified at once and pass the DNS check (the local redirect serves them)."""
    allow_private_urls: bool
    """Callback, media and fallback URLs may name private or loopback hosts (local mode only)."""
    allow_self_signed_certificates: bool
    """Uploaded certificates may be self-signed (local mode only: ``brandlink test-cert``)."""
    redirect_target: str | None
    """Where short domains' CNAMEs point until a domain has its own API Gateway target."""
    public_api_url: str | None
    """The published base URL of the API for v1 ``url`` fields; None: the request's host."""
    messages: MessageLimits
    """The scheduling window, the scheduled-message cap and the default retention."""
    domain_verification_days: int = 7
    """How long an unverified domain registration lives (``domainVerificationDays``)."""
    short_link_port: int | None = None
    """Local mode only: the local links gateway's port, part of every short link (``http://{domain}:{port}/``)."""
