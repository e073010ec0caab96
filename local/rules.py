"""EventBridge scheduled rules: a function with a ``schedule_expression`` runs at start, then on its rate."""

from __future__ import annotations

import logging
import re

from local.events import scheduled_event
from local.lambda_runtime import FunctionError, Invocable
from local.provision import ACCOUNT_ID
from local.pump import Pump

logger = logging.getLogger("local.rules")

RATE_EXPRESSION = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """The period of a ``rate(N unit)`` expression; ``None`` for anything else (``cron(...)``)."""
    match = RATE_EXPRESSION.match(expression.strip())
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * UNIT_SECONDS[match.group(2).rstrip("s")]


def rule_arn(function_name: str, region: str) -> str:
    return f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/brandlink-{function_name.replace('_', '-')}"


class ScheduledRule(Pump):
    """Runs the function now and then every period of its rate. Cron expressions are not
    evaluated locally: such a function runs at start and on demand (``python -m local.invoke``)."""

    def __init__(self, function: Invocable, expression: str, region: str) -> None:
        super().__init__(name=f"rule-{function.name}")
        self._function = function
        self._period = rate_seconds(expression)
        self._arn = rule_arn(function.name, region)
        if self._period is None:
            logger.warning(
                "%s: %s is not a rate(...) expression; it runs at start and on demand only", function.name, expression
            )

    def step(self) -> float | None:
        self.run_once()
        return self._period

    def run_once(self) -> None:
        # EventBridge retries a failed asynchronous invocation; here the next period is the retry.
        try:
            self._function.invoke(scheduled_event(self._arn))
        except FunctionError as exc:
            logger.error("The scheduled %s function failed:\n%s", self._function.name, exc.log_text())
        except Exception:
            logger.exception("The scheduled %s function failed", self._function.name)
