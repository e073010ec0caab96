"""The deployment's auth-token master key, read from Secrets Manager (``brandlink.wiring`` caches it)."""

from __future__ import annotations


def fetch_token_master_key(secret_arn: str, region: str) -> bytes:
    """The secret's value as bytes; only functions that mint tokens or sign webhooks call this."""
    from brandlink import aws_session

    secrets = aws_session.client("secretsmanager", region)
    secret = secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    return str(secret).strip().encode("utf-8")
