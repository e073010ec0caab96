"""Cost of the API's create-message handler per call: the Lambda entry point with an API Gateway
event (routing, Basic auth with the PBKDF2 token check, validation, phonenumbers, JSON response).

Two setups:
* ``faked``: accounts, services, senders, messages, queue and scheduler in memory, so the figure is
  Brandlink's and Powertools' own CPU time;
* ``moto``: the real stores and queue on moto in-process (``mock_aws``), for comparison; most of
  that time is moto and botocore, not Brandlink (DESIGN.md: a GetItem costs 2-3 ms in-process).

    python -m bench.bench_create_message [--calls 2000] [--moto-calls 200]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

os.environ.setdefault("BRANDLINK_MODE", "local")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_name, "bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Brandlink")

from local.events import http_event  # noqa: E402
from local.lambda_runtime import context_for  # noqa: E402

SENDER, RECIPIENT = "+14155552671", "+14155550100"


def _event(account_sid: str, token: str, params: dict[str, str]) -> dict[str, Any]:
    import base64

    auth = "Basic " + base64.b64encode(f"{account_sid}:{token}".encode()).decode()
    return http_event(
        "POST",
        f"/2010-04-01/Accounts/{account_sid}/Messages.json",
        headers={"host": "api.bench", "authorization": auth, "content-type": "application/x-www-form-urlencoded"},
        body=urlencode(params),
    )


def _time(label: str, calls: int, call: Callable[[], dict[str, Any]]) -> None:
    call()  # warm: routes compiled, clients created
    start = time.perf_counter()
    for _ in range(calls):
        response = call()
        assert response["statusCode"] == 201, response["body"]
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {elapsed / calls * 1e3:8.3f} ms/call")


def _scenarios(service_sid: str) -> list[tuple[str, dict[str, str]]]:
    send_at = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ("send now, From", {"To": RECIPIENT, "From": SENDER, "Body": "Your code is 123456"}),
        ("send now, MessagingServiceSid", {"To": RECIPIENT, "MessagingServiceSid": service_sid, "Body": "Hi there"}),
        (
            "scheduled, MessagingServiceSid",
            {
                "To": RECIPIENT,
                "MessagingServiceSid": service_sid,
                "Body": "Later",
                "ScheduleType": "fixed",
                "SendAt": send_at,
            },
        ),
    ]


def run_faked(calls: int) -> None:
    from brandlink import wiring
    from brandlink.core.accounts.actions import create_account
    from brandlink.core.accounts.model import Account
    from brandlink.core.messaging.actions import MessagePorts
    from brandlink.core.senders.model import Sender
    from brandlink.core.services.model import MessagingService
    from brandlink.handlers.api import handler
    from testkit.messaging_fakes import (
        InMemoryMessages,
        InMemorySenders,
        InMemoryServices,
        RecordingCallbacks,
        RecordingScheduler,
        RecordingSendQueue,
    )
    from testkit.token_vault import FakeTokenVault

    class Accounts:
        def __init__(self) -> None:
            self.items: dict[str, Account] = {}

        def add(self, account: Account) -> None:
            self.items[account.sid] = account

        def get(self, sid: str) -> Account | None:
            return self.items.get(sid)

    accounts = Accounts()
    account, token = create_account(accounts, FakeTokenVault(), "bench")  # type: ignore[arg-type]
    now = datetime.now(UTC)
    service = MessagingService(account.sid, "MG" + "c" * 32, "bench", now, now)
    senders = InMemorySenders()
    senders.owned.append(Sender("PN" + "d" * 32, account.sid, "phone_number", SENDER, "US", ("SMS",), SENDER, now, now))
    ports = MessagePorts(
        InMemoryMessages(),
        InMemoryServices(service),  # type: ignore[arg-type]
        senders,  # type: ignore[arg-type]
        RecordingSendQueue(),
        RecordingScheduler(),
        RecordingCallbacks(),
        lambda account_sid, service_sid: None,
    )
    wiring.accounts = lambda: accounts  # type: ignore[assignment]
    wiring.message_ports = lambda: ports  # type: ignore[assignment]
    for label, params in _scenarios(service.sid):
        event = _event(account.sid, token, params)
        _time(
            f"faked stores: {label}",
            calls,
            lambda event=event: handler(event, context_for("bench", timeout_seconds=29)),
        )


def run_moto(calls: int) -> None:
    from moto import mock_aws

    with mock_aws():
        from local.provision import provision

        provision()
        from brandlink import wiring
        from brandlink.core.accounts.actions import create_account
        from brandlink.handlers.api import handler

        account, token = create_account(wiring.accounts(), wiring.token_vault(), "bench")

        def call(path: str, params: dict[str, str]) -> dict[str, Any]:
            event = _event(account.sid, token, params)
            event["rawPath"] = event["requestContext"]["http"]["path"] = path
            return handler(event, context_for("bench", timeout_seconds=29))

        call(f"/2010-04-01/Accounts/{account.sid}/IncomingPhoneNumbers.json", {"PhoneNumber": SENDER})
        created = call("/v1/Services", {"FriendlyName": "bench"})
        import json

        service_sid = json.loads(created["body"])["sid"]
        call(f"/v1/Services/{service_sid}/PhoneNumbers", {"PhoneNumber": "+12125550199"})
        for label, params in _scenarios(service_sid):
            event = _event(account.sid, token, params)
            _time(
                f"moto in-process: {label}",
                calls,
                lambda event=event: handler(event, context_for("bench", timeout_seconds=29)),
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_create_message")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--moto-calls", type=int, default=200)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    import logging

    logging.disable(logging.INFO)
    run_moto(args.moto_calls)  # first: the faked run replaces module functions for good
    run_faked(args.calls)


if __name__ == "__main__":
    main()
