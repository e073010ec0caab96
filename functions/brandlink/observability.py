"""Powertools Logger, Tracer and Metrics, created once per container and shared by every handler.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` and the metrics namespace from
``POWERTOOLS_METRICS_NAMESPACE``, both read once at import. In AWS the CDK sets them per function
(``infra/functions.py``); in local mode each function runs in containers of its own
(``local.container``, one process each) that the local runtime starts with the same
``brandlink-<function>`` service name, so these shared objects never serve two functions at once.
Tracer turns itself off outside Lambda and when ``POWERTOOLS_TRACE_DISABLED`` is true (tests,
local mode).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

# Every AWS call goes through botocore's client, pynamodb's included, so patching botocore alone
# traces them all, once. Tracer's default (patch_all) also imports and patches sqlite3 and whichever
# of requests, httpx and database drivers are installed (none are used here), and pynamodb's HTTP
# session, which records every DynamoDB call a second time.
TRACED_MODULES = ("botocore",)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics()
