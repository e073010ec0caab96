"""Provider credentials from Secrets Manager: a JSON object, fetched once per container."""

from __future__ import annotations

import json
from typing import Any


def load_secret_json(secret_arn: str, region: str) -> dict[str, Any]:
    from brandlink import aws_session

    raw = aws_session.client("secretsmanager", region).get_secret_value(SecretId=secret_arn)["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError:
        raise RuntimeError(f"The provider secret {secret_arn} must hold a JSON object.") from None
    if not isinstance(value, dict):
        raise RuntimeError(f"The provider secret {secret_arn} must hold a JSON object.")
    return value
