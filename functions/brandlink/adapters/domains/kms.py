"""KMS sealing of private keys between the API (Encrypt) and the certificates worker (Decrypt)."""

from __future__ import annotations

import base64
from typing import Any


class KmsKeySealer:
    """Encrypts with one symmetric KMS key; the encryption context binds a sealed key to its upload."""

    def __init__(self, key_id: str, region: str) -> None:
        from brandlink import aws_session

        self._key_id = key_id
        self._client: Any = aws_session.client("kms", region)

    def seal(self, plaintext: bytes, context: dict[str, str]) -> str:
        blob = self._client.encrypt(KeyId=self._key_id, Plaintext=plaintext, EncryptionContext=context)[
            "CiphertextBlob"
        ]
        return base64.b64encode(blob).decode("ascii")

    def unseal(self, sealed: str, context: dict[str, str]) -> bytes:
        blob = base64.b64decode(sealed)
        return bytes(
            self._client.decrypt(CiphertextBlob=blob, KeyId=self._key_id, EncryptionContext=context)["Plaintext"]
        )
