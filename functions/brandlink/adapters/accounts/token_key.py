"""The deployment's auth-token master key: from the environment (local) or Secrets Manager (AWS)."""

from __future__ import annotations

from functools import lru_cache

from brandlink.config import settings


@lru_cache(maxsize=1)
def token_master_key() -> bytes:
    """Fetched once per container; only functions that mint tokens or sign webhooks call it."""
    current = settings()
    if current.token_key:
        return current.token_key.encode("utf-8")
    if not current.token_key_secret_arn:
        raise RuntimeError("Set BRANDLINK_TOKEN_KEY or BRANDLINK_TOKEN_KEY_SECRET_ARN to sign webhooks.")
    from brandlink import aws_session

    secrets = aws_session.client("secretsmanager", current.region)
    secret = secrets.get_secret_value(SecretId=current.token_key_secret_arn)["SecretString"]
    return secret.strip().encode("utf-8")
