"""CDK entry point: ``make synth`` (or ``npx cdk synth``) runs this; it needs no AWS credentials.

Run directly, it reads the defaults from cdk.json itself; run by the CDK CLI, the CLI's context
(cdk.json, cdk.context.json, ``-c key=value``) takes precedence over those defaults.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
# The stack reads brandlink.resources, which lives in the Lambda code folder.
sys.path.insert(0, str(ROOT / "functions"))

from aws_cdk import App  # noqa: E402

from infra import nag  # noqa: E402
from infra.settings import ContextError, load_deployment_settings  # noqa: E402
from infra.stack import BrandlinkStack  # noqa: E402


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> App:
    """``context`` overrides cdk.json's defaults; the CLI's context (CDK_CONTEXT_JSON) overrides both."""
    defaults = {**json.loads((ROOT / "cdk.json").read_text()).get("context", {}), **(context or {})}
    # The CLI passes its output folder in CDK_OUTDIR; run by hand, synthesize into cdk.out as it would.
    if outdir is None and not os.environ.get("CDK_OUTDIR"):
        outdir = str(ROOT / "cdk.out")
    app = App(context=defaults, outdir=outdir)
    settings = load_deployment_settings(app.node.try_get_context)
    BrandlinkStack(app, settings.stack_name, settings=settings)
    nag.enable_checks(app)
    return app


def main() -> int:
    try:
        app = build_app()
    except ContextError as exc:
        print(f"Cannot synthesize Brandlink: {exc}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
