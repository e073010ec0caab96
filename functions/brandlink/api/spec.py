"""Each management operation declared once: the route that serves it and its OpenAPI description.

A route module registers its functions with ``router.operation(Operation(...))`` instead of
``router.get/post/delete``: the same value gives Powertools the method and path rule and gives
``brandlink.api.openapi`` what it documents (parameters, form fields, responses), so the document
cannot list a route that does not exist or miss one that does (tests/unit/test_openapi.py).
Paths are written as Twilio writes them (``{AccountSid}``, ``{Sid}``); the route rule turns each
name into a snake_case keyword argument of the route function (``account_sid``, ``sid``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler.api_gateway import Router

Schema = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def snake(name: str) -> str:
    """``MessagingServiceSid`` → ``messaging_service_sid``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def sid_pattern(*prefixes: str) -> str:
    """Twilio's SID pattern: a two-letter prefix (one of ``prefixes``) and 32 hex digits."""
    head = prefixes[0] if len(prefixes) == 1 else "(" + "|".join(prefixes) + ")"
    return f"^{head}[0-9a-fA-F]{{32}}$"


def sid_schema(*prefixes: str) -> Schema:
    return {"type": "string", "minLength": 34, "maxLength": 34, "pattern": sid_pattern(*prefixes)}


# The SID kind of each path placeholder Twilio names after its resource; ``Sid`` is per operation.
PATH_SIDS: dict[str, tuple[str, ...]] = {
    "AccountSid": ("AC",),
    "MessageSid": ("SM", "MM"),
    "ServiceSid": ("MG",),
    "MessagingServiceSid": ("MG",),
    "DomainSid": ("DN",),
}


# Path placeholders that are not SIDs: their schema.
PATH_SCHEMAS: dict[str, Schema] = {
    "Slug": {"type": "string", "minLength": 10, "maxLength": 10, "pattern": "^[0-9A-Za-z]{10}$"},
}

HTML = "text/html"
"""A response "schema name" meaning an HTML page (``Operation.responses``)."""


@dataclass(frozen=True)
class Param:
    """A query parameter or form field: its name, JSON schema and one sentence about it."""

    name: str
    schema: Schema
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One method on one path, as served and as documented.

    ``responses`` maps each success status to a component schema name (``None``: no body, 204);
    the document adds ``401``, ``403``, ``404`` and ``4XX`` with the Twilio error body to every operation.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    responses: dict[int, str | None]
    sid: tuple[str, ...] = ()  # the SID prefixes of the path's ``{Sid}``, when it has one
    query: tuple[Param, ...] = ()
    form: tuple[Param, ...] = ()
    twilio_operation_id: str | None = None  # Twilio's own operationId when this one had to differ
    brandlink_addition: bool = False  # not in Twilio's API: Brandlink adds it
    public: bool = False  # no HTTP Basic: the caller proves itself with a signature (receipt endpoints)

    @property
    def rule(self) -> str:
        """The Powertools route rule: ``{AccountSid}`` → ``<account_sid>``."""
        return _PLACEHOLDER.sub(lambda m: f"<{snake(m.group(1))}>", self.path)

    def path_parameters(self) -> list[tuple[str, tuple[str, ...]]]:
        """``[(placeholder, SID prefixes)]`` in path order."""
        names = _PLACEHOLDER.findall(self.path)
        return [(name, self.sid if name == "Sid" else PATH_SIDS.get(name, ())) for name in names]


class DocumentedRouter(Router):
    """A Powertools ``Router`` that keeps the ``Operation`` of every route it registers."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools' Router.__init__ is unannotated
        self.operations: list[Operation] = []

    def operation(self, operation: Operation) -> Callable[[F], F]:
        self.operations.append(operation)
        return self.route(operation.rule, operation.method)


# ---- parameters shared by many operations -------------------------------------------------------

PAGE_PARAMS = (
    Param(
        "PageSize",
        {"type": "integer", "minimum": 1, "maximum": 1000},
        "How many resources to return in each list page; default 50.",
    ),
    Param(
        "Page",
        {"type": "integer", "minimum": 0},
        "The page index; above 0 it needs the PageToken of the previous page's next page link.",
    ),
    Param(
        "PageToken",
        {"type": "string", "maxLength": 2048},
        "The page token from a list response's next or previous page link; opaque and signed.",
    ),
)

STRING: Schema = {"type": "string"}
BOOLEAN: Schema = {"type": "boolean"}
URL: Schema = {"type": "string", "format": "uri"}


def enum(*values: str) -> Schema:
    return {"type": "string", "enum": list(values)}


def string_list(item: Schema | None = None) -> Schema:
    return {"type": "array", "items": item or STRING}
