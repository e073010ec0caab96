"""Auth-token keys: the KMS vault every token is sealed in, and the retired master key (migration only)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from brandlink.core.accounts.tokens import ENCRYPTION_CONTEXT_KEY, TokenUnavailable


class KmsTokenVault:
    """Seals tokens with one symmetric KMS key under ``{"account_sid": AC…}``.

    KMS refuses to decrypt under any other context, so a sealed token copied to another account's
    item (or read by someone else) opens for nobody else; the key policy lets only the operator's
    principals encrypt and only the signing functions decrypt.
    """

    def __init__(self, key_id: str, region: str) -> None:
        from brandlink import aws_session

        self._key_id = key_id
        self._client: Any = aws_session.client("kms", region)

    def seal(self, account_sid: str, token: str) -> str:
        blob = self._client.encrypt(
            KeyId=self._key_id, Plaintext=token.encode("ascii"), EncryptionContext={ENCRYPTION_CONTEXT_KEY: account_sid}
        )["CiphertextBlob"]
        return base64.b64encode(blob).decode("ascii")

    def open(self, account_sid: str, sealed: str) -> str:
        from botocore.exceptions import ClientError

        try:
            blob = base64.b64decode(sealed, validate=True)
            plaintext = self._client.decrypt(
                CiphertextBlob=blob, KeyId=self._key_id, EncryptionContext={ENCRYPTION_CONTEXT_KEY: account_sid}
            )["Plaintext"]
        except (binascii.Error, ValueError) as exc:
            raise TokenUnavailable(f"the sealed token of {account_sid} is damaged") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("InvalidCiphertextException", "IncorrectKeyException", "AccessDeniedException"):
                raise TokenUnavailable(f"KMS would not open the token of {account_sid} ({code})") from exc
            raise
        return bytes(plaintext).decode("ascii")


def fetch_token_master_key(secret_arn: str, region: str) -> bytes:
    """The retired master key tokens were derived from (migration and its signing fallback only)."""
    from brandlink import aws_session

    secrets = aws_session.client("secretsmanager", region)
    secret = secrets.get_secret_value(SecretId=secret_arn)["SecretString"]
    return str(secret).strip().encode("utf-8")
