"""The OpenAPI 3.0 document of the management API, built from the routers' ``Operation`` values.

``GET /openapi.json`` serves it (authenticated, like every route: see docs/openapi.md);
``python -m brandlink.api.openapi`` prints it. Every operation documents its success responses,
``4XX`` with the Twilio error body, and ``401``/``403``/``404`` explicitly; form fields are
``application/x-www-form-urlencoded`` request bodies whose lists are repeated keys.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from brandlink.api.schemas import components, ref
from brandlink.api.spec import HTML, PATH_SCHEMAS, Operation, Param, Schema, sid_schema

OPENAPI_VERSION = "3.0.3"
DOCUMENT_VERSION = "1.0.0"
SECURITY_SCHEME = "accountSid_authToken"  # Twilio's name for HTTP Basic AccountSid:AuthToken

_DESCRIPTION = (
    "Brandlink's management API: Twilio's Messaging API (2010-04-01 Messages, IncomingPhoneNumbers, "
    "SMS/ShortCodes; Messaging v1 Services and Link Shortening) on your own AWS account, plus Brandlink's "
    "additions (link-shortening domains, the outbox). operationIds and schema names are those of "
    "twilio/twilio-oai where Twilio has the operation; `x-twilio-operation-id` gives Twilio's id where "
    "this document had to rename one, and `x-brandlink-addition: true` marks what Twilio does not have. "
    "Every GET route also answers HEAD with the same status and headers and no body. Errors are "
    '`{"code", "message", "more_info", "status"}` with a Twilio error code.'
)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref("twilio.error")}}}


_ERRORS = {
    "401": _error("Missing or wrong credentials (20003)."),
    "403": _error("The credentials are right but the account is suspended or closed (10001)."),
    "404": _error("No such resource in the caller's account (20404); another account's resources are 404 too."),
    "4XX": _error("The request cannot be applied: the Twilio error code and a sentence saying what to fix."),
}

_SUCCESS = {200: "OK", 201: "Created", 204: "Deleted"}


def _parameter(param: Param, where: str) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": where,
        "required": param.required,
        "description": param.description,
        "schema": param.schema,
    }


def _path_parameters(operation: Operation) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": f"A {'/'.join(prefixes)} SID." if prefixes else f"The {name.lower()}.",
            "schema": sid_schema(*prefixes) if prefixes else PATH_SCHEMAS[name],
        }
        for name, prefixes in operation.path_parameters()
    ]


def _request_body(form: tuple[Param, ...]) -> dict[str, Any]:
    properties: dict[str, Schema] = {}
    for param in form:
        properties[param.name] = {**param.schema, "description": param.description}
    schema: Schema = {"type": "object", "properties": properties}
    required = [param.name for param in form if param.required]
    if required:
        schema["required"] = required
    media: dict[str, Any] = {"schema": schema}
    lists = [param.name for param in form if param.schema.get("type") == "array"]
    if lists:
        media["encoding"] = {name: {"style": "form", "explode": True} for name in lists}
    return {"required": bool(required), "content": {"application/x-www-form-urlencoded": media}}


def _responses(operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, schema_name in operation.responses.items():
        response: dict[str, Any] = {"description": _SUCCESS.get(status, "OK")}
        if schema_name == HTML:
            response["content"] = {HTML: {"schema": {"type": "string"}}}
        elif schema_name is not None:
            response["content"] = {"application/json": {"schema": ref(schema_name)}}
        responses[str(status)] = response
    responses.update(_ERRORS)
    return responses


def _operation(operation: Operation) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": _path_parameters(operation) + [_parameter(p, "query") for p in operation.query],
        "responses": _responses(operation),
    }
    if operation.form:
        spec["requestBody"] = _request_body(operation.form)
    if operation.twilio_operation_id:
        spec["x-twilio-operation-id"] = operation.twilio_operation_id
    if operation.brandlink_addition:
        spec["x-brandlink-addition"] = True
    if operation.public:
        spec["security"] = []  # signed by the caller instead (docs/receipts.md)
    return spec


def build_document(operations: Iterable[Operation], server_url: str | None = None) -> dict[str, Any]:
    """The whole document; ``server_url`` (this deployment's API base URL) becomes its only server."""
    paths: dict[str, dict[str, Any]] = {}
    tags: list[str] = []
    for operation in operations:
        methods = paths.setdefault(operation.path, {})
        method = operation.method.lower()
        if method in methods:
            raise ValueError(f"{operation.method} {operation.path} is declared twice")
        methods[method] = _operation(operation)
        if operation.tag not in tags:
            tags.append(operation.tag)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Brandlink management API",
            "version": DOCUMENT_VERSION,
            "description": _DESCRIPTION,
            "license": {"name": "See the repository"},
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": components(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "basic",
                    "description": "HTTP Basic with AccountSid as the user name and AuthToken as the password.",
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document


def main() -> None:
    """Print the document (``python -m brandlink.api.openapi [SERVER_URL]``)."""
    from brandlink.api.app import ROUTERS

    server = sys.argv[1] if len(sys.argv) > 1 else None
    document = build_document((op for router in ROUTERS for op in router.operations), server)
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
