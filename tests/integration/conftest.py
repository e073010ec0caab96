"""Integration fixtures: every test gets a fresh moto account with Brandlink's resources."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from moto import mock_aws

from local.events import http_event
from local.lambda_runtime import LocalLambdaContext, context_for
from local.provision import provision


@pytest.fixture
def aws() -> Iterator[dict[str, str]]:
    """moto in-process with every table, queue and schedule group created from resources.py."""
    with mock_aws():
        yield provision()


def basic(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


class ApiClient:
    """Calls the real API handler with API Gateway events, as the local gateway does."""

    def __init__(self, sid: str | None = None, token: str | None = None) -> None:
        self.sid = sid
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        query: dict[str, Any] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> tuple[int, Any]:
        from brandlink.handlers.api import handler

        headers = {"host": "api.test", "x-forwarded-proto": "http"}
        creds = auth or ((self.sid, self.token) if self.sid and self.token else None)
        if creds:
            headers["authorization"] = basic(*creds)
        body = None
        if data is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(data, doseq=True)
        event = http_event(method, path, headers=headers, body=body, raw_query=urlencode(query or {}, doseq=True))
        response = handler(event, lambda_context())
        raw = response.get("body") or ""
        return response["statusCode"], (json.loads(raw) if raw else None)

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("POST", path, data=data or {}, **kw)

    def delete(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("DELETE", path, **kw)


def lambda_context() -> LocalLambdaContext:
    return context_for("brandlink-test")


@pytest.fixture
def new_account(aws: dict[str, str]) -> Callable[[], ApiClient]:
    from brandlink import wiring
    from brandlink.core.accounts.actions import create_account
    from brandlink.store.accounts import DynamoAccountRepository

    def make() -> ApiClient:
        account, token = create_account(DynamoAccountRepository(), wiring.token_vault(), "Test account")
        return ApiClient(account.sid, token)

    return make


@pytest.fixture
def api(new_account: Callable[[], ApiClient]) -> ApiClient:
    return new_account()


@pytest.fixture
def production_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``BRANDLINK_MODE=aws``: private callback hosts refused, no self-signed certificates, no ``.localhost``."""
    from brandlink.config import settings

    monkeypatch.setenv("BRANDLINK_MODE", "aws")
    settings.cache_clear()
    yield
    monkeypatch.setenv("BRANDLINK_MODE", "local")
    settings.cache_clear()


def own(account: ApiClient | str, *senders: str) -> None:
    """What an operator does before an account may use a sender (``brandlink assign-sender`` /
    ``allow-alpha``): ``+E164`` (covers its WhatsApp sender too), ``sc:CC:digits`` or ``alpha:TEXT``."""
    from brandlink import wiring
    from brandlink.core.senders import ownership

    account_sid = account if isinstance(account, str) else account.sid
    assert account_sid is not None
    for sender in senders:
        if sender.startswith("alpha:"):
            wiring.sender_claims().allow_alpha(account_sid, sender.removeprefix("alpha:"))
        elif sender.startswith("sc:"):
            _prefix, country, digits = sender.split(":")
            ownership.assign(wiring.sender_claims(), wiring.senders(), account_sid, "short_code", digits, country)
        else:
            from brandlink.core.senders.numbers import parse_phone_sender

            number = parse_phone_sender(sender)[1].removeprefix("whatsapp:")
            ownership.assign(wiring.sender_claims(), wiring.senders(), account_sid, "phone_number", number)
