"""Counts as CloudWatch embedded-metric-format lines, written by hand for the redirect's cold start.

What Powertools Metrics writes, for the one case the redirect needs (a count with an ``ErrorCode``
dimension), without importing Powertools (about 6 ms at init, more than half the redirect's budget
over the boto3 floor; bench/RESULTS.md). The namespace and the ``service`` dimension come from the
two variables Powertools itself reads (``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_SERVICE_NAME``,
set on every function by the stack and by local mode), so the metrics and their alarms are the
same as those of the functions that use Powertools.
"""

from __future__ import annotations

import json
import os
import sys
import time

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Brandlink"
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "service_undefined"


def metric_line(name: str, dimensions: dict[str, str], *, timestamp_ms: int | None = None) -> str:
    """One EMF record: ``name`` = 1 (Count) under ``service`` and ``dimensions``."""
    names = ["service", *dimensions]
    record: dict[str, object] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
            "CloudWatchMetrics": [
                {"Namespace": NAMESPACE, "Dimensions": [names], "Metrics": [{"Name": name, "Unit": "Count"}]}
            ],
        },
        "service": SERVICE,
        **dimensions,
        name: 1,
    }
    return json.dumps(record, separators=(",", ":"))


def count(name: str, **dimensions: str) -> None:
    """Write one count to standard output, where Lambda sends it to CloudWatch Logs (and metrics)."""
    sys.stdout.write(metric_line(name, dimensions) + "\n")
    sys.stdout.flush()
