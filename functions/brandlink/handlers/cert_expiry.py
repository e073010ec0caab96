"""Daily certificate expiry check (EventBridge rule; on demand locally with ``python -m local.invoke``).

For each certificate within the warning window: metric ``CertificateExpiringSoon`` (dimension
``ErrorCode=30131``), a structured warning log line and an SNS alert. Expired certificates are
flagged, so the send path fails their messages with 30102, and reported the same way with
``CertificateExpired`` / ``ErrorCode=30102``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from brandlink import wiring
from brandlink.config import settings
from brandlink.core.common.dates import utcnow
from brandlink.core.common.errors import ErrorCode
from brandlink.core.domains import expiry
from brandlink.observability import logger, metrics, tracer

METRIC_NAMES = {
    ErrorCode.CERTIFICATE_EXPIRES_SOON: "CertificateExpiringSoon",
    ErrorCode.CERTIFICATE_EXPIRED: "CertificateExpired",
}
SUBJECTS = {
    ErrorCode.CERTIFICATE_EXPIRES_SOON: "Brandlink warning 30131: certificate of {domain} expires soon",
    ErrorCode.CERTIFICATE_EXPIRED: "Brandlink error 30102: certificate of {domain} expired",
}


def check_certificates() -> list[expiry.ExpiryFinding]:
    domains = wiring.domains()
    findings = expiry.find_expiring(domains.all(), utcnow(), settings().cert_expiry_window_days)
    for finding in findings:
        if finding.code == ErrorCode.CERTIFICATE_EXPIRED:
            expiry.mark_expired(domains, finding)
        details = {k: v for k, v in finding.as_dict().items() if k not in ("code", "message")}
        logger.warning(finding.sentence(), extra={"error_code": finding.code, **details})
        alerts = wiring.alerts()  # built on the first finding: a quiet day creates no SNS client
        if alerts is not None:
            alerts.publish(SUBJECTS[finding.code].format(domain=finding.domain_name), finding.as_dict())
    for code, name in METRIC_NAMES.items():
        count = sum(1 for f in findings if f.code == code)
        with single_metric(name=name, unit=MetricUnit.Count, value=count, namespace=metrics.namespace) as metric:
            metric.add_dimension(name="ErrorCode", value=str(code))
    return findings


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    findings = check_certificates()
    return {
        "expiring": sum(1 for f in findings if f.code == ErrorCode.CERTIFICATE_EXPIRES_SOON),
        "expired": sum(1 for f in findings if f.code == ErrorCode.CERTIFICATE_EXPIRED),
    }
