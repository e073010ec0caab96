"""Security on the local stack, over HTTP, as two customers and an operator would meet it:
B cannot send as A (finding 1), a suspended account is refused until reactivated (finding 4, API)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.e2e.conftest import give_senders
from tests.e2e.stack_process import LocalStackProcess

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

A_NUMBER = "+14155552711"  # this module's own: a number belongs to one account of the deployment
RECIPIENT = "+14155550100"
DEADLINE_SECONDS = 60.0


class Account:
    def __init__(self, stack: LocalStackProcess, sid: str, token: str) -> None:
        self.base, self.sid, self.auth = stack.api_url.rstrip("/"), sid, (sid, token)

    def call(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[int, Any]:
        response = requests.request(method, self.base + path, data=data, auth=self.auth, timeout=DEADLINE_SECONDS)
        return response.status_code, (response.json() if response.content else None)

    def send(self, **params: str) -> tuple[int, Any]:
        return self.call("POST", f"/2010-04-01/Accounts/{self.sid}/Messages.json", {"To": RECIPIENT, **params})

    def outbox(self) -> list[dict[str, Any]]:
        status, body = self.call("GET", "/v1/Outbox")
        assert status == 200, body
        return list(body["messages"])


@pytest.fixture
def accounts(local_stack: LocalStackProcess, admin: Callable[..., Any]) -> tuple[Account, Account]:
    a, b = admin("create-account", "--name", "A"), admin("create-account", "--name", "B")
    return (
        Account(local_stack, a["account_sid"], a["auth_token"]),
        Account(local_stack, b["account_sid"], b["auth_token"]),
    )


def test_b_cannot_send_as_a(local_stack: LocalStackProcess, accounts: tuple[Account, Account]) -> None:
    a, b = accounts
    give_senders(local_stack, a.sid, A_NUMBER)  # brandlink --local assign-sender A +1...
    status, number = a.call(
        "POST", f"/2010-04-01/Accounts/{a.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": A_NUMBER}
    )
    assert status == 201 and number["status"] == "in-use", number

    # B registers A's number (before the fix: 201, and B's message left From it) ...
    status, body = b.call("POST", f"/2010-04-01/Accounts/{b.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": A_NUMBER})
    assert (status, body["code"]) == (400, 21422), body
    assert a.sid not in body["message"]
    # ... and tries to send From it, directly and through a pool.
    status, body = b.send(From=A_NUMBER, Body="I am A")
    assert (status, body["code"]) == (400, 21606), body
    service = b.call("POST", "/v1/Services", {"FriendlyName": "B"})[1]["sid"]
    status, body = b.call("POST", f"/v1/Services/{service}/PhoneNumbers", {"PhoneNumber": A_NUMBER})
    assert (status, body["code"]) == (400, 21422), body

    # A's own message goes out; when it has, the outbox shows it and nothing from B.
    status, sent = a.send(From=A_NUMBER, Body="From A")
    assert status == 201, sent
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not a.outbox():
        assert time.monotonic() < deadline, "A's message did not reach the outbox"
        time.sleep(0.2)
    assert [(m["from"], m["body"]) for m in a.outbox()] == [(A_NUMBER, "From A")]
    assert b.outbox() == []


def test_a_suspended_account_is_refused_until_reactivated(
    accounts: tuple[Account, Account], admin: Callable[..., Any]
) -> None:
    a, _b = accounts
    admin("set-status", a.sid, "suspended")
    status, body = a.call("GET", f"/2010-04-01/Accounts/{a.sid}.json")
    assert (status, body["code"]) == (403, 10001), body
    status, body = a.call("POST", "/v1/Services", {"FriendlyName": "while suspended"})
    assert (status, body["code"]) == (403, 10001), body
    admin("set-status", a.sid, "active")
    assert a.call("GET", f"/2010-04-01/Accounts/{a.sid}.json")[0] == 200
