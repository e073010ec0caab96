"""Key material the functions use: the slug key, the auth-token key and the certificate sealing key."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
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


# What the account (its IAM principals, through the key policy) may do with the token key: administer
# it, never use it — encrypting and decrypting are granted by the statements below, under conditions.
KEY_ADMIN_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)
TOKEN_CONTEXT_KEY = "account_sid"
# Every use of the token key names one account: the context's only key is account_sid, an AC SID.
TOKEN_CONTEXT_CONDITIONS: dict[str, dict[str, Any]] = {
    "StringLike": {f"kms:EncryptionContext:{TOKEN_CONTEXT_KEY}": "AC*"},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": [TOKEN_CONTEXT_KEY]},
}


class TokenEncryptionKey(Construct):
    """The customer-managed KMS key every account's auth token is sealed with (for signing webhooks).

    Its key policy (not IAM alone) decides who may use it:

    * the account's IAM principals may administer the key but not decrypt with it;
    * they may encrypt, only under an ``account_sid`` encryption context: tokens are issued by the
      operator command with the operator's own credentials (``brandlink create-account`` /
      ``rotate-token``), whose IAM policy must also allow ``kms:Encrypt`` on this key;
    * decrypting is allowed only to the roles of the functions that sign webhooks, one statement per
      role (``infra.permissions``, capability ``token_decrypt``), under the same context condition.

    Rotation of the key material is on (yearly; old ciphertexts stay readable). A new deployment has
    no token master key at all: no single secret yields every token.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        account = iam.AccountRootPrincipal()
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="AdministerButNeverUse",
                    principals=[account],
                    actions=list(KEY_ADMIN_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="IssueTokensForOneAccountAtATime",
                    principals=[account],
                    actions=["kms:Encrypt"],
                    resources=["*"],
                    conditions=TOKEN_CONTEXT_CONDITIONS,
                ),
            ]
        )
        self.key = kms.Key(
            self,
            "Key",
            description="Seals each Brandlink account's auth token (encryption context: its account SID).",
            enable_key_rotation=True,
            policy=policy,
            # Without the key no webhook can be signed until every token is rotated: keep it.
            removal_policy=RemovalPolicy.RETAIN,
        )

    def allow_decrypt(self, role: iam.IRole) -> None:
        """Let ``role`` open tokens (one account's at a time); only the signing functions get this."""
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ArnPrincipal(role.role_arn)],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions=TOKEN_CONTEXT_CONDITIONS,
            )
        )


CERTIFICATE_CONTEXT_KEYS = ("brandlink:domain_sid", "brandlink:upload_id")
# Every use of the sealing key names one upload: exactly these context keys, a DN SID among them.
CERTIFICATE_CONTEXT_CONDITIONS: dict[str, dict[str, Any]] = {
    "StringLike": {"kms:EncryptionContext:brandlink:domain_sid": "DN*"},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": list(CERTIFICATE_CONTEXT_KEYS)},
    "Null": {f"kms:EncryptionContext:{key}": "false" for key in CERTIFICATE_CONTEXT_KEYS},
}


class CertificateSealingKey(Construct):
    """The KMS key that seals uploaded private keys between the API and the certificates worker.

    Its key policy, like the token key's, does not delegate use to IAM: the account's principals
    administer it, the API's role may only encrypt and the worker's only decrypt
    (``allow_certificate_key``, from the ``kms_certificates`` capability), each under an encryption
    context naming one domain and one upload. So nothing but the worker (and ACM after it) ever
    sees a private key in clear, and a sealed key opens only for the upload it was sealed for.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Seals certificate private keys in flight on the certificates queue.",
            enable_key_rotation=True,
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AdministerButNeverUse",
                        principals=[iam.AccountRootPrincipal()],
                        actions=list(KEY_ADMIN_ACTIONS),
                        resources=["*"],
                    )
                ]
            ),
            # Sealed keys live at most a queue's retention; without the stack they are worthless.
            removal_policy=RemovalPolicy.DESTROY,
        )


def allow_certificate_key(key: kms.IKey, role: iam.IRole, action: str) -> None:
    """Let ``role`` use the sealing key for ``action`` (``kms:Encrypt`` or ``kms:Decrypt``), one upload
    at a time: in the key policy (which names the role) and in the role's own policy."""
    statement = dict(actions=[action], conditions=CERTIFICATE_CONTEXT_CONDITIONS)
    key.add_to_resource_policy(
        iam.PolicyStatement(principals=[iam.ArnPrincipal(role.role_arn)], resources=["*"], **statement)  # type: ignore[arg-type]
    )
    role.add_to_principal_policy(iam.PolicyStatement(resources=[key.key_arn], **statement))  # type: ignore[arg-type]
