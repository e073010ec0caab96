"""The one list of error codes: every code the source uses is a member, defined once and documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from brandlink.core.common.errors import ErrorCode, TwilioError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "functions" / "brandlink"
DOCS = ROOT / "docs" / "errors.md"
# Calls whose first argument is an error code: a bare number there would bypass the list.
CODE_TAKERS = {
    "TwilioError",
    "DeliveryError",
    "_Unsendable",
    "_fail",
    "_fail_upload",
    "ErrorCode",
    "ShorteningUnavailable",
    "ShorteningRefused",
}


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(), str(path))) for path in sorted(SOURCE.rglob("*.py"))]


def used_codes() -> dict[str, list[str]]:
    """``ErrorCode.NAME`` → where the source uses it."""
    uses: dict[str, list[str]] = {}
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
                continue
            if node.value.id == "ErrorCode" and node.attr.isupper():
                uses.setdefault(node.attr, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return uses


def documented() -> dict[int, str]:
    """``code`` → the row of docs/errors.md that describes it (found by its ``e<code>`` anchor)."""
    rows = {}
    for line in DOCS.read_text().splitlines():
        match = re.match(r'^\| <a id="e(\d{5})"></a>(\d{5}) \| `(\w+)` \|', line)
        if match:
            assert match.group(1) == match.group(2), line
            rows[int(match.group(1))] = line
    return rows


def test_the_source_uses_codes_from_the_list() -> None:
    uses = used_codes()
    assert len(uses) > 40
    unknown = {name: where for name, where in uses.items() if name not in ErrorCode.__members__}
    assert unknown == {}


def test_every_code_the_source_uses_is_documented() -> None:
    rows = documented()
    missing = {name: where[0] for name, where in used_codes().items() if ErrorCode[name].value not in rows}
    assert missing == {}
    for name in used_codes():
        code = ErrorCode[name]
        assert f"`{name}`" in rows[code.value], f"docs/errors.md names {code.value} differently than ErrorCode"
        assert code.anchor == f"docs/errors.md#e{code.value}"


def test_every_code_of_the_list_is_documented_and_used() -> None:
    rows, uses = documented(), used_codes()
    assert {code.value for code in ErrorCode} == set(rows)
    assert [code.name for code in ErrorCode if code.name not in uses] == []


def test_no_call_passes_a_bare_number_as_an_error_code() -> None:
    bare = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            first = node.args[0]
            if name in CODE_TAKERS and isinstance(first, ast.Constant) and isinstance(first.value, int):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (ErrorCode.INVALID_PARAMETER, 400),
        (ErrorCode.AUTHENTICATION_FAILED, 401),
        (ErrorCode.NOT_FOUND, 404),
        (ErrorCode.METHOD_NOT_ALLOWED, 405),
        (ErrorCode.DELETE_IN_PROGRESS, 409),
        (ErrorCode.INTERNAL_ERROR, 500),
        (ErrorCode.INVALID_LINK, 400),
    ],
)
def test_each_code_carries_its_default_status(code: ErrorCode, status: int) -> None:
    assert code.status == status
    assert TwilioError(code, "x").status == status
    assert TwilioError(code, "x", status=418).status == 418


def test_the_body_is_twilio_s() -> None:
    body = TwilioError.not_found("Message SM1").body()
    assert body == {
        "code": 20404,
        "message": "Message SM1 was not found.",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert type(body["code"]) is int
