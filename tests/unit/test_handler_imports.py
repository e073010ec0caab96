"""What a handler loads at a cold start (the cost itself is measured by ``python -m bench.cold_start``).

Each handler is imported in a fresh interpreter that sees what a deployed function sees at init
(``LAMBDA_TASK_ROOT``, active tracing), so Tracer patches as it does in AWS.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brandlink.resources import DECLARED_FUNCTIONS, FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
HANDLER_MODULES = [spec.handler.rsplit(".", 1)[0] for spec in FUNCTIONS]
BUILT_HANDLER_MODULES = [module for module in HANDLER_MODULES if importlib.util.find_spec(module) is not None]
REDIRECT = "brandlink.handlers.redirect"
# The redirect keeps the X-Ray SDK off its cold start (its module docstring, bench/RESULTS.md).
TRACED_HANDLER_MODULES = [module for module in BUILT_HANDLER_MODULES if module != REDIRECT]

_PROBE = """
import json, sys
import {module}
import botocore.client, botocore.httpsession
print(json.dumps({{
    "modules": sorted(sys.modules),
    "botocore_client_traced": hasattr(botocore.client, "_xray_enabled"),
    "http_session_traced": hasattr(botocore.httpsession, "_xray_enabled"),
}}))
"""


def cold_import(module: str) -> dict[str, Any]:
    env = {name: value for name, value in os.environ.items() if name != "POWERTOOLS_TRACE_DISABLED"}
    env.update({"PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]), "LAMBDA_TASK_ROOT": str(ROOT)})
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)], env=env, capture_output=True, text=True, check=True
    )
    probe: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return probe


def loaded(probe: dict[str, Any], *packages: str) -> list[str]:
    return [name for name in probe["modules"] if any(name == p or name.startswith(p + ".") for p in packages)]


@pytest.mark.parametrize("module", TRACED_HANDLER_MODULES)
def test_tracer_patches_botocore_alone(module: str) -> None:
    probe = cold_import(module)

    assert probe["botocore_client_traced"] is True
    # patch_all would also trace pynamodb's HTTP session (a second subsegment per DynamoDB call)
    # and import sqlite3 and requests to patch them.
    assert probe["http_session_traced"] is False
    assert loaded(probe, "sqlite3", "requests") == []


def test_the_api_loads_certificate_parsing_dns_and_the_dispatcher_only_when_a_route_needs_them() -> None:
    probe = cold_import("brandlink.handlers.api")

    assert (
        loaded(probe, "cryptography", "dns", "brandlink.core.domains.certificates", "brandlink.core.messaging.dispatch")
        == []
    )


def test_the_redirect_loads_no_framework_no_pynamodb_no_xray_and_no_slug_cipher() -> None:
    probe = cold_import(REDIRECT)

    assert probe["botocore_client_traced"] is False
    heavy = (
        "aws_xray_sdk",
        "aws_lambda_powertools",  # its Logger is imported on the first line to log, never on a plain tap
        "pynamodb",
        "brandlink.store",
        "brandlink.api",
        "brandlink.observability",
        "brandlink.core.links.slugs",
        "brandlink.core.links.detection",
        "brandlink.core.messaging",
        "brandlink.core.domains",
        "idna",
        "requests",
    )
    assert loaded(probe, *heavy) == []
    assert "brandlink.adapters.links.redirect_reads" in probe["modules"]


def test_the_status_callback_function_does_not_load_the_message_model() -> None:
    probe = cold_import("brandlink.handlers.status_callbacks")

    assert loaded(probe, "brandlink.core.messaging.model", "brandlink.core.services", "phonenumbers") == []


def test_every_built_function_has_its_handler_and_no_other_function_has_one() -> None:
    for spec in DECLARED_FUNCTIONS:
        module, _, attribute = spec.handler.rpartition(".")
        exists = importlib.util.find_spec(module) is not None
        assert exists == spec.built, f"{spec.logical}: built={spec.built} but module {module} exists={exists}"
        if spec.built:
            assert callable(getattr(importlib.import_module(module), attribute)), spec.handler
    assert [spec.logical for spec in FUNCTIONS] == [spec.logical for spec in DECLARED_FUNCTIONS if spec.built]
