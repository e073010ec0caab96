"""``callbacks.JsonPoster`` over ``adapters.common.http.request``: the SSRF-pinned client of every
outgoing webhook (http(s) only; outside local mode never a private, loopback or link-local address,
checked on the address actually connected to)."""

from __future__ import annotations

from collections.abc import Mapping

from brandlink.adapters.common.http import request


class HttpJsonPoster:
    def __init__(self, *, allow_private: bool, timeout: float) -> None:
        self._allow_private = allow_private
        self._timeout = timeout

    def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        response = request(
            "POST",
            url,
            body=body,
            headers={**headers, "User-Agent": "Brandlink/1.0"},
            timeout=self._timeout,
            allow_private=self._allow_private,
        )
        return response.status
