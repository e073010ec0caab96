"""Scheduled rules in local mode: rate parsing, a run at start, then one per period."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.rules import ScheduledRule, rate_seconds, rule_arn


@dataclass
class CountingFunction:
    name: str = "cert_expiry"
    error: Exception | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.error:
            raise self.error
        return None


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 day)", 86_400),
        ("rate(2 days)", 172_800),
        ("rate(1 hour)", 3_600),
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("rate(0 minutes)", None),
        ("rate(5 seconds)", None),
        ("cron(0 12 * * ? *)", None),
        ("every day", None),
    ],
)
def test_rate_seconds(expression: str, seconds: int | None) -> None:
    assert rate_seconds(expression) == seconds


def wait_for(condition: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_rule_runs_its_function_at_start_with_a_scheduled_event_then_waits_for_its_period() -> None:
    function = CountingFunction()
    rule = ScheduledRule(function, "rate(1 day)", "eu-west-1")

    rule.start()
    try:
        assert wait_for(lambda: len(function.events) == 1)
    finally:
        rule.stop()
        rule.join(timeout=60)

    assert not rule.is_alive()
    (event,) = function.events
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == [rule_arn("cert_expiry", "eu-west-1")]
    assert rule_arn("cert_expiry", "eu-west-1").startswith("arn:aws:events:eu-west-1:")


def test_after_a_run_a_rate_rule_waits_for_its_period() -> None:
    function = CountingFunction()
    rule = ScheduledRule(function, "rate(1 day)", "eu-west-1")

    assert rule.step() == 86_400
    assert len(function.events) == 1


def test_a_failing_run_is_logged_and_does_not_stop_the_rule(caplog: pytest.LogCaptureFixture) -> None:
    function = CountingFunction(error=RuntimeError("certificate store unreachable"))
    rule = ScheduledRule(function, "rate(1 day)", "us-east-1")

    rule.run_once()
    rule.run_once()

    assert len(function.events) == 2
    assert "The scheduled cert_expiry function failed" in caplog.text
    assert "certificate store unreachable" in caplog.text


def test_a_cron_rule_runs_once_at_start_and_then_only_on_demand(caplog: pytest.LogCaptureFixture) -> None:
    function = CountingFunction()
    rule = ScheduledRule(function, "cron(0 12 * * ? *)", "us-east-1")
    assert "runs at start and on demand only" in caplog.text

    assert rule.step() is None
    assert len(function.events) == 1
