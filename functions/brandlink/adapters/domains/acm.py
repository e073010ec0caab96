"""ACM: import (and re-import) uploaded certificates, delete them when a domain lets go.

A new import carries the tag ``brandlink:redirect-api`` = the stack's redirect API id (security
finding 7): the worker's IAM policy lets it import only with that tag and describe, re-import or
delete only certificates that carry it, so it cannot touch another certificate of the Region.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from brandlink.core.domains.certificate_install import CertificateRejected

OWNER_TAG = "brandlink:redirect-api"
"""The tag on every certificate and custom domain the worker creates (infra/permissions.py conditions on it)."""


class AcmCertificateStore:
    def __init__(self, region: str, owner: str | None = None) -> None:
        from brandlink import aws_session

        self._owner = owner
        self._client: Any = aws_session.client("acm", region)

    def import_certificate(
        self, certificate_pem: str, chain_pem: str | None, private_key_der: bytes, existing_arn: str | None
    ) -> str:
        key_pem = serialization.load_der_private_key(private_key_der, password=None).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        request: dict[str, Any] = {"Certificate": certificate_pem.encode("ascii"), "PrivateKey": key_pem}
        if chain_pem:
            request["CertificateChain"] = chain_pem.encode("ascii")
        if existing_arn and self._exists(existing_arn):
            request["CertificateArn"] = existing_arn  # a re-import keeps its tags (ACM takes none here)
        elif self._owner:
            request["Tags"] = [{"Key": OWNER_TAG, "Value": self._owner}]
        try:
            return str(self._client.import_certificate(**request)["CertificateArn"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ValidationException":
                raise CertificateRejected(exc.response["Error"].get("Message", "validation failed")) from None
            raise

    def delete_certificate(self, arn: str) -> None:
        try:
            self._client.delete_certificate(CertificateArn=arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise

    def _exists(self, arn: str) -> bool:
        try:
            self._client.describe_certificate(CertificateArn=arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        return True
