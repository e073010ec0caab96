"""The slug permutation key, read from Secrets Manager (``brandlink.wiring`` calls this on the first mint)."""

from __future__ import annotations


def fetch_slug_key(secret_arn: str, region: str) -> bytes:
    """The secret's value as bytes (the stack generates 64 random characters and never rotates it)."""
    from brandlink import aws_session

    secrets = aws_session.client("secretsmanager", region)
    secret = secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    return str(secret).strip().encode("utf-8")
