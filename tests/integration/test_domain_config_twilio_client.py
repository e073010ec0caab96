"""The official ``twilio`` client against the link-shortening endpoints (in-process)."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from tests import certs
from tests.integration.conftest import ApiClient
from tests.integration.domain_helpers import (
    FakeResolver,
    create_service,
    resolver_fixture,  # noqa: F401 - fixture
    run_certificate_worker,
    verified_domain,
)
from tests.integration.twilio_inprocess import twilio_client

NAME = "links.example.com"


def test_onboarding_with_the_twilio_client(api: ApiClient, resolver: FakeResolver) -> None:
    client = twilio_client(api.sid, api.token)  # type: ignore[arg-type]
    messaging = client.messaging.v1
    domain = verified_domain(api, resolver, NAME)["sid"]
    service = client.messaging.v1.services.create(friendly_name="Links").sid

    bundle = certs.issue(NAME)
    uploaded = messaging.domain_certs(domain).update(tls_cert=bundle.tls_cert)
    assert uploaded.domain_sid == domain and uploaded.certificate_sid.startswith("CW")
    assert uploaded.domain_name == f"https://{NAME}"
    assert uploaded.cert_in_validation["status"] == "pending"
    run_certificate_worker()
    fetched = messaging.domain_certs(domain).fetch()
    assert fetched.cert_in_validation is None
    assert fetched.date_expires == bundle.leaf.not_valid_after_utc.replace(microsecond=0)

    config = messaging.domain_config(domain).update(
        fallback_url="https://example.com/fallback",
        callback_url="https://example.com/clicks",
        continue_on_failure=False,
        disable_https=False,
    )
    assert config.config_sid.startswith("ZK") and config.continue_on_failure is False
    assert messaging.domain_config(domain).fetch().callback_url == "https://example.com/clicks"

    association = messaging.linkshortening_messaging_service(domain, service).create()
    assert (association.domain_sid, association.messaging_service_sid) == (domain, service)
    by_service = messaging.domain_config_messaging_service(service).fetch()
    assert by_service.config_sid == config.config_sid and by_service.messaging_service_sid == service
    assert by_service.fallback_url == "https://example.com/fallback"
    found = messaging.linkshortening_messaging_service_domain_association(service).fetch()
    assert found.domain_sid == domain

    validation = messaging.domain_validate_dns(domain).fetch()
    assert validation.domain_sid == domain and validation.is_valid is False and validation.reason

    assert messaging.linkshortening_messaging_service(domain, service).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        messaging.domain_config_messaging_service(service).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert messaging.domain_certs(domain).delete() is True


def test_twilio_client_sees_the_error_codes(api: ApiClient, resolver: FakeResolver) -> None:
    messaging = twilio_client(api.sid, api.token).messaging.v1  # type: ignore[arg-type]
    domain = verified_domain(api, resolver, NAME)["sid"]
    with pytest.raises(TwilioRestException) as caught:
        messaging.domain_certs(domain).fetch()
    assert (caught.value.status, caught.value.code) == (404, 30107)
    bundle = certs.issue(NAME, key_kind="rsa2048")
    with pytest.raises(TwilioRestException) as caught:
        messaging.domain_certs(domain).update(tls_cert=bundle.leaf_pem + bundle.traditional_key_pem)
    assert (caught.value.status, caught.value.code) == (400, 30118)
    assert "openssl pkcs8" in caught.value.msg
    with pytest.raises(TwilioRestException) as caught:
        messaging.domain_config(domain).update(callback_url="gopher://example.com")
    assert caught.value.code == 30109
    with pytest.raises(TwilioRestException) as caught:
        messaging.domain_certs("DN123").fetch()
    assert caught.value.code == 30100
    service = create_service(api)
    other = verified_domain(api, resolver, "other.example.com")["sid"]
    messaging.linkshortening_messaging_service(domain, service).create()
    with pytest.raises(TwilioRestException) as caught:
        messaging.linkshortening_messaging_service(other, service).create()
    assert caught.value.code == 30130
