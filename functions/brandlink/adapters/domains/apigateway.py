"""API Gateway v2 custom domains: one per short-link domain, REGIONAL, mapped to the redirect API.

Each is created with the tag ``brandlink:redirect-api`` = the redirect API's id, the tag the
worker's IAM policy requires to create, change or delete a custom domain (security finding 7).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from brandlink.adapters.domains.acm import OWNER_TAG

SECURITY_POLICY = "TLS_1_2"
STAGE = "$default"


class ApiGatewayCustomDomains:
    def __init__(self, redirect_api_id: str, region: str) -> None:
        from brandlink import aws_session

        self._api_id = redirect_api_id
        self._client: Any = aws_session.client("apigatewayv2", region)

    def ensure(self, domain_name: str, certificate_arn: str) -> str | None:
        configuration = {
            "CertificateArn": certificate_arn,
            "EndpointType": "REGIONAL",
            "SecurityPolicy": SECURITY_POLICY,
        }
        existing = self._get(domain_name)
        if existing is None:
            try:
                existing = self._client.create_domain_name(
                    DomainName=domain_name, DomainNameConfigurations=[configuration], Tags={OWNER_TAG: self._api_id}
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ConflictException":
                    raise
                existing = self._get(domain_name) or {}
        current = (existing.get("DomainNameConfigurations") or [{}])[0]
        if current.get("CertificateArn") != certificate_arn:
            existing = self._client.update_domain_name(DomainName=domain_name, DomainNameConfigurations=[configuration])
            current = (existing.get("DomainNameConfigurations") or [{}])[0]
        mappings = self._client.get_api_mappings(DomainName=domain_name).get("Items", [])
        if not any(m.get("ApiId") == self._api_id and not m.get("ApiMappingKey") for m in mappings):
            self._client.create_api_mapping(ApiId=self._api_id, DomainName=domain_name, Stage=STAGE)
        target = current.get("ApiGatewayDomainName")
        return str(target) if target else None

    def remove(self, domain_name: str, certificate_arn: str) -> None:
        existing = self._get(domain_name)
        if existing is None:
            return
        current = (existing.get("DomainNameConfigurations") or [{}])[0]
        if current.get("CertificateArn") != certificate_arn:
            return  # the name was taken over by a newer install; leave it alone
        try:
            # Mappings first: the domain name cannot go while they reference it (moto, and it is tidier).
            for mapping in self._client.get_api_mappings(DomainName=domain_name).get("Items", []):
                self._client.delete_api_mapping(ApiMappingId=mapping["ApiMappingId"], DomainName=domain_name)
            self._client.delete_domain_name(DomainName=domain_name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NotFoundException":
                raise

    def _get(self, domain_name: str) -> dict[str, Any] | None:
        try:
            return dict(self._client.get_domain_name(DomainName=domain_name))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NotFoundException":
                return None
            raise
