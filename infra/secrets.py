"""Key material the functions use: the slug key and the certificate sealing key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag

KEY_LENGTH = 64


def _generated_secret(scope: Construct, description: str) -> secretsmanager.Secret:
    return secretsmanager.Secret(
        scope,
        "Secret",
        description=description,
        generate_secret_string=secretsmanager.SecretStringGenerator(
            password_length=KEY_LENGTH, exclude_punctuation=True, include_space=False
        ),
        removal_policy=RemovalPolicy.RETAIN,
    )


class SlugKey(Construct):
    """A generated secret that keys the slug permutation, created once and never rotated."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = _generated_secret(
            self, "Keys the slug permutation: slugs must never repeat, so it is never rotated or deleted."
        )
        nag.acknowledge(
            self.secret,
            "SMG4",
            "Rotating the slug key would change the slug permutation, and slugs issued before could then be "
            "issued again: the key must stay the same for the life of the links table.",
        )


class TokenKey(Construct):
    """The master key every account's auth token is derived from (HMAC of the SID and a version)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = _generated_secret(
            self, "Master key of the auth tokens: replacing it changes every account's token at once."
        )
        nag.acknowledge(
            self.secret,
            "SMG4",
            "Auth tokens are derived from this key, so rotating it would invalidate every customer's credentials "
            "at once; tokens are rotated per account instead (admin rotate-token).",
        )


class CertificateSealingKey(Construct):
    """The KMS key that seals uploaded private keys between the API and the certificates worker.

    The API may only encrypt with it and the worker may only decrypt, so nothing but the worker
    (and ACM after it) ever sees a private key in clear.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Seals certificate private keys in flight on the certificates queue.",
            enable_key_rotation=True,
            # Sealed keys live at most a queue's retention; without the stack they are worthless.
            removal_policy=RemovalPolicy.DESTROY,
        )
