"""``GET /openapi.json``: the OpenAPI document of this API, for this deployment's base URL."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import Response

from brandlink.api.context import base_url, json_response
from brandlink.api.spec import DocumentedRouter, Operation

router = DocumentedRouter()


@lru_cache(maxsize=4)
def _document(server_url: str) -> dict[str, Any]:
    from brandlink.api.app import ROUTERS
    from brandlink.api.openapi import build_document

    return build_document((operation for each in ROUTERS for operation in each.operations), server_url)


@router.operation(
    Operation(
        "GET",
        "/openapi.json",
        "FetchOpenApiDocument",
        "This document: every operation, parameter, response and error of the management API.",
        "BrandlinkOpenApi",
        {200: "brandlink.openapi"},
        brandlink_addition=True,
    )
)
def fetch_document() -> Response[str]:
    return json_response(_document(base_url(router)))
