"""``InboundPoster``: the inbound webhook over the SSRF-pinned client (``adapters/common/http.py``).

Unlike a status callback, the answer's body matters: it may be TwiML with replies to send.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from brandlink.adapters.common.http import DEFAULT_TIMEOUT_SECONDS, request
from brandlink.core.inbound.receive import WebhookAnswer


class HttpInboundPoster:
    def __init__(self, *, allow_private: bool, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self._allow_private = allow_private
        self._timeout = timeout

    def send(self, method: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> WebhookAnswer:
        body = urlencode(sorted(params.items())).encode("utf-8") if method == "POST" else None
        response = request(
            method,
            url,
            body=body,
            headers={**headers, "User-Agent": "Brandlink/1.0", "Accept": "text/xml, application/xml, */*"},
            timeout=self._timeout,
            allow_private=self._allow_private,
        )
        content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
        return WebhookAnswer(status=response.status, body=response.body, content_type=content_type)
