"""The HTTP providers (twilio, webhook) on a faked transport: transport failures and reply mapping."""

from __future__ import annotations

from typing import Any

import pytest

from brandlink.adapters.common.http import HttpResponse, NoAnswer, NotSent
from brandlink.adapters.messaging.providers.twilio import TwilioProvider
from brandlink.adapters.messaging.providers.webhook import WebhookProvider
from brandlink.core.common.errors import ErrorCode
from brandlink.core.messaging.delivery import DeliveryError, OutgoingMessage, Receipt

MESSAGE = OutgoingMessage(
    message_sid="SM" + "1" * 32, account_sid="AC" + "2" * 32, to="+14155550100", from_="+14155552671", body="Hi"
)


def transport_of(outcome: HttpResponse | Exception) -> Any:
    def transport(method: str, url: str, **options: Any) -> HttpResponse:
        assert method == "POST"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return transport


def twilio(outcome: HttpResponse | Exception) -> TwilioProvider:
    return TwilioProvider(
        {}, lambda: {"account_sid": "AC" + "9" * 32, "auth_token": "t"}, transport=transport_of(outcome)
    )


def webhook(outcome: HttpResponse | Exception) -> WebhookProvider:
    return WebhookProvider(
        {"url": "https://hooks.example.com/"}, None, allow_private=False, transport=transport_of(outcome)
    )


def reply(status: int, body: bytes = b"") -> HttpResponse:
    return HttpResponse(status, body, {})


def refusal(provider: TwilioProvider | WebhookProvider) -> tuple[int, bool, str]:
    with pytest.raises(DeliveryError) as raised:
        provider.send(MESSAGE)
    return raised.value.code, raised.value.retryable, str(raised.value)


@pytest.mark.parametrize(("build", "name"), [(twilio, "Twilio"), (webhook, "The webhook")])
def test_transport_failures_retry_only_what_never_left(build: Any, name: str) -> None:
    assert refusal(build(NotSent("refused"))) == (
        ErrorCode.UNKNOWN_ERROR,
        True,
        f"{name} could not be reached: refused",
    )
    assert refusal(build(NoAnswer("timed out"))) == (
        ErrorCode.UNKNOWN_ERROR,
        False,
        f"{name} did not answer; the message may have been sent: timed out",
    )


def test_twilio_replies() -> None:
    assert twilio(reply(201, b'{"sid": "SMabc"}')).send(MESSAGE) == Receipt("SMabc")
    assert twilio(reply(200, b"not json")).send(MESSAGE) == Receipt(None)
    assert refusal(twilio(reply(429, b'{"message": "slow down"}'))) == (
        ErrorCode.QUEUE_OVERFLOW,
        True,
        "Twilio is busy: slow down",
    )
    assert refusal(twilio(reply(503, b"[1]"))) == (ErrorCode.QUEUE_OVERFLOW, True, "Twilio is busy: HTTP 503")
    assert refusal(twilio(reply(400, b'{"code": 21211, "message": "bad To"}'))) == (
        ErrorCode.UNKNOWN_HANDSET,
        False,
        "Twilio refused the message (21211): bad To",
    )
    assert refusal(twilio(reply(400, b'{"code": "21211"}'))) == (
        ErrorCode.UNKNOWN_ERROR,
        False,
        "Twilio refused the message (21211): HTTP 400",
    )
    assert refusal(twilio(reply(500)))[:2] == (ErrorCode.UNKNOWN_ERROR, False)


def test_webhook_replies() -> None:
    assert webhook(reply(202, b'{"id": 42}')).send(MESSAGE) == Receipt("42")
    assert webhook(reply(204)).send(MESSAGE) == Receipt(None)
    assert refusal(webhook(reply(429))) == (ErrorCode.QUEUE_OVERFLOW, True, "The webhook asked to retry (HTTP 429).")
    assert refusal(webhook(reply(400, b'{"code": 21610}'))) == (
        ErrorCode.OPTED_OUT,
        False,
        "The webhook rejected the message (HTTP 400).",
    )
    assert refusal(webhook(reply(400, b'{"code": 99999}')))[0] == ErrorCode.UNKNOWN_ERROR
    assert refusal(webhook(reply(500, b"\xff")))[0] == ErrorCode.UNKNOWN_ERROR
