"""Messaging service settings validation and the delete orchestration (pure logic, fake repository)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.forms import Form
from brandlink.core.common.paging import Page, PageRequest
from brandlink.core.services import actions as services
from brandlink.core.services import params as services_params
from brandlink.core.services import render as services_render
from brandlink.core.services import repository as services_repository
from brandlink.core.services.model import MessagingService

ACCOUNT = "AC" + "1" * 32
WHEN = datetime(2024, 1, 1, tzinfo=UTC)


class FakeServices:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], MessagingService] = {}
        self.deleting: set[str] = set()
        self.events: list[str] = []

    def add(self, service: MessagingService) -> None:
        self.items[(service.account_sid, service.sid)] = service

    def get(self, account_sid: str, sid: str) -> MessagingService | None:
        return None if sid in self.deleting else self.items.get((account_sid, sid))

    def save(self, service: MessagingService) -> None:
        if (service.account_sid, service.sid) not in self.items or service.sid in self.deleting:
            raise services_repository.ServiceGone(service.sid)
        self.items[(service.account_sid, service.sid)] = service

    def page(self, account_sid: str, request: PageRequest) -> Page[MessagingService]:
        return Page([s for (a, _), s in self.items.items() if a == account_sid])

    def begin_delete(self, account_sid: str, sid: str) -> bool:
        self.events.append("begin")
        if (account_sid, sid) not in self.items:
            return False
        self.deleting.add(sid)
        return True

    def finish_delete(self, account_sid: str, sid: str) -> None:
        self.events.append("finish")
        del self.items[(account_sid, sid)]


def form(**params: str) -> Form:
    return Form(list(params.items()))


def test_settings_are_parsed_and_normalized() -> None:
    changes = services_params.settings_from_form(
        form(
            InboundMethod="get", ScanMessageContent="DISABLE", Usecase="Poll", StickySender="TRUE", FriendlyName=" x "
        ),
        allow_private=False,
    )
    assert changes == {
        "inbound_method": "GET",
        "scan_message_content": "disable",
        "usecase": "poll",
        "sticky_sender": True,
        "friendly_name": "x",
    }


def test_absent_settings_change_nothing_and_empty_urls_clear() -> None:
    assert services_params.settings_from_form(form(), allow_private=False) == {}
    assert services_params.settings_from_form(form(FallbackUrl=""), allow_private=False) == {"fallback_url": None}


def test_create_requires_a_friendly_name_and_stores_nothing_on_error() -> None:
    repo = FakeServices()
    with pytest.raises(TwilioError) as raised:
        services.create_service(repo, ACCOUNT, form(StatusCallback="https://e.com"), allow_private=False)
    assert raised.value.code == 20001
    with pytest.raises(TwilioError) as raised:
        services.create_service(repo, ACCOUNT, form(FriendlyName="a", StatusCallback="nope"), allow_private=False)
    assert raised.value.code == 21609
    assert repo.items == {}


def test_a_friendly_name_is_bounded_as_sent_not_after_stripping() -> None:
    """Found by schemathesis: ``"\\x1c" + 64 letters`` (65 as sent; Python strips ``\\x1c``) was
    accepted although the OpenAPI document bounds the value at 64."""
    repo = FakeServices()
    with pytest.raises(TwilioError) as raised:
        services.create_service(repo, ACCOUNT, form(FriendlyName="\x1c" + "a" * 64), allow_private=False)
    assert raised.value.code == 20001
    assert repo.items == {}
    assert services.create_service(repo, ACCOUNT, form(FriendlyName=" " + "a" * 63), allow_private=False)


def test_update_of_a_vanished_service_is_404() -> None:
    repo = FakeServices()
    service = services.create_service(repo, ACCOUNT, form(FriendlyName="a"), allow_private=False)
    repo.items.clear()
    with pytest.raises(TwilioError) as raised:
        services.update_service(repo, service, form(FriendlyName="b"), allow_private=False)
    assert raised.value.status == 404


def test_owned_service_accepts_upper_case_hex_and_refuses_other_accounts() -> None:
    repo = FakeServices()
    service = services.create_service(repo, ACCOUNT, form(FriendlyName="a"), allow_private=False)
    assert services.owned_service(repo, ACCOUNT, "MG" + service.sid[2:].upper()) == service
    for sid in (service.sid.lower(), "MG123", service.sid + "0"):
        with pytest.raises(TwilioError):
            services.owned_service(repo, ACCOUNT, sid)
    with pytest.raises(TwilioError):
        services.owned_service(repo, "AC" + "2" * 32, service.sid)


def test_delete_runs_hooks_between_closing_and_removing() -> None:
    repo = FakeServices()
    service = services.create_service(repo, ACCOUNT, form(FriendlyName="a"), allow_private=False)

    def hook(account_sid: str, sid: str) -> None:
        assert repo.get(account_sid, sid) is None  # already hidden from everyone else
        repo.events.append(f"hook {sid}")

    services.delete_service(repo, ACCOUNT, service.sid, [hook])
    assert repo.events == ["begin", f"hook {service.sid}", "finish"]
    with pytest.raises(TwilioError) as raised:
        services.delete_service(repo, ACCOUNT, service.sid, [hook])
    assert raised.value.code == 20404


def test_service_resource_has_every_twilio_field() -> None:
    service = MessagingService(ACCOUNT, "MG" + "3" * 32, "n", WHEN, WHEN)
    body = services_render.service_resource(replace(service, validity_period=5), "https://api.example.com")
    assert body["validity_period"] == 5
    assert body["url"] == "https://api.example.com/v1/Services/" + service.sid
    assert list(body) == [
        "account_sid", "sid", "friendly_name", "date_created", "date_updated", "inbound_request_url",
        "inbound_method", "fallback_url", "fallback_method", "status_callback", "sticky_sender",
        "mms_converter", "smart_encoding", "scan_message_content", "fallback_to_long_code",
        "area_code_geomatch", "synchronous_validation", "validity_period", "url", "links", "usecase",
        "us_app_to_person_registered", "use_inbound_webhook_on_number",
    ]  # fmt: skip
