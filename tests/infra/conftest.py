"""Synthesis helpers for the infra tests.

Each test module synthesizes once (module-scoped fixtures) and asserts on the template. The
Lambda asset is the ``functions/`` folder, i.e. the brandlink code without its dependencies:
what is asserted is the template, not the wheels, and it spares every synth a ~80 MB copy and
hash (and CI a PyPI download). ``make synth`` uses the real ``build/lambda`` folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

CODE_ONLY_ASSET = "functions"


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: Stack
    template: Template

    @property
    def json(self) -> dict[str, Any]:
        return self.template.to_json()

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(resource_type)


@pytest.fixture(scope="module")
def synth_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Returns ``synth(context) -> Synthesized``: app.py's own build (cdk.json defaults overridden by
    ``context``, cdk-nag on)."""

    def synth(context: dict[str, Any] | None = None) -> Synthesized:
        import app as cdk_app

        # The jsii runtime is a separate process started at import time: it never sees environment
        # variables set afterwards, so context goes in through build_app, not CDK_CONTEXT_JSON.
        application = cdk_app.build_app(
            {"lambdaAssetDir": CODE_ONLY_ASSET, **(context or {})}, outdir=str(tmp_path_factory.mktemp("cdk.out"))
        )
        application.synth()
        stack = application.node.find_child(application.node.try_get_context("stackName"))
        assert isinstance(stack, Stack)
        return Synthesized(app=application, stack=stack, template=Template.from_stack(stack))

    yield synth
