"""Test environment: fake AWS credentials, local mode, and moto for integration tests.

Environment variables are set before any ``brandlink`` module is imported, as they are before a
Lambda's cold start (the settings are read once and cached; tests that change them call
``settings.cache_clear()``).
"""

from __future__ import annotations

import os

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "BRANDLINK_MODE": "local",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Brandlink",
        "POWERTOOLS_SERVICE_NAME": "brandlink",
        "POWERTOOLS_DEV": "false",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# moto adds its request stubber to botocore's built-in handlers when it is imported, and a botocore
# session copies those handlers when it is created. Brandlink keeps one session per thread
# (brandlink.aws_session), so a unit test that made the first client before anything imported moto
# left a session that later mock_aws() tests could not intercept: their KMS calls went to AWS.
import moto  # noqa: F401

# The browser fixture, defined once for every test directory: two sync playwright sessions cannot
# live in one process (the second finds the first one's event loop running), so e2e and
# integration browser tests on the same xdist worker must share this session-scoped one.
from tests.browser import chromium  # noqa: F401
