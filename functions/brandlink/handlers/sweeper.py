"""Sweeper function (EventBridge rule, every 5 minutes): settles messages stuck in ``sending``.

See core/messaging/sweeper.py for the rule. Each run settles at most one batch; what is left waits
for the next run. A store or queue outage raises: the run fails (alarmed) and the next one retries.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = wiring.sweeper().sweep()
    logger.info("sweep done", extra={"found": result.found, "settled": result.settled})
    metrics.add_metric(name="MessagesSwept", unit=MetricUnit.Count, value=result.settled)
    return {"found": result.found, "settled": result.settled}
