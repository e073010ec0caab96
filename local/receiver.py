"""A webhook receiver for local mode: ``brandlink --local receiver``.

It listens on ``127.0.0.1`` (``BRANDLINK_RECEIVER_PORT``, default 8082), answers every POST and
prints one line per webhook: the path, whether ``X-Twilio-Signature`` is right for the account's
auth token, and the fields that matter. The check is the official ``twilio`` library's
``RequestValidator``, so what passes here passes in a customer's own receiver. A request with a
wrong signature gets 403, as a careful receiver answers; Brandlink then retries it and finally
parks it in the queue's DLQ, exactly as it would in AWS.

Callback URLs on 127.0.0.1 are accepted only in local mode (``BRANDLINK_MODE=local``); a deployed
Brandlink refuses private and loopback addresses.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, TextIO
from urllib.parse import parse_qsl

HOST = "127.0.0.1"
PORT_VARIABLE = "BRANDLINK_RECEIVER_PORT"
DEFAULT_PORT = 8082
MAX_BODY_BYTES = 1024 * 1024
# Shown first, in this order, when a webhook has them (status callbacks, click events).
KEY_FIELDS = ("MessageSid", "MessageStatus", "ErrorCode", "event_type", "sms_sid", "link")


class ReceiverPortError(ValueError):
    """The port variable is not a port number; the message names it."""


def receiver_port(env: Mapping[str, str]) -> int:
    raw = env.get(PORT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or int(raw) > 65535:
        raise ReceiverPortError(f"{PORT_VARIABLE} must be a port number from 0 to 65535, got {raw!r}.")
    return int(raw)


def receiver_url(env: Mapping[str, str]) -> str:
    """Where ``brandlink receiver`` listens when started with the same environment."""
    return f"http://{HOST}:{receiver_port(env)}"


@dataclass(frozen=True)
class Webhook:
    url: str  # as the sender called it: what the signature covers
    headers: Mapping[str, str]
    body: bytes

    @property
    def is_json(self) -> bool:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/json"

    def fields(self) -> dict[str, Any]:
        text = self.body.decode("utf-8", errors="replace")
        if self.is_json:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                return {"body": text}
            return dict(data) if isinstance(data, dict) else {"body": data}
        return dict(parse_qsl(text, keep_blank_values=True))


def signature_verdict(webhook: Webhook, auth_token: str | None) -> str:
    """``ok``, ``WRONG`` (missing or not made with this token) or ``not checked`` (no token)."""
    if not auth_token:
        return "not checked"
    from twilio.request_validator import RequestValidator

    signature = webhook.headers.get("X-Twilio-Signature", "")
    params: Any = webhook.body.decode("utf-8") if webhook.is_json else dict(parse_qsl(webhook.body.decode("utf-8")))
    return "ok" if signature and RequestValidator(auth_token).validate(webhook.url, params, signature) else "WRONG"


def describe(path: str, verdict: str, fields: Mapping[str, Any]) -> str:
    """The line printed for one webhook: key fields first, then the number of the others."""
    shown = [f"{name}={fields[name]}" for name in KEY_FIELDS if fields.get(name) not in (None, "")]
    others = len([name for name in fields if name not in KEY_FIELDS])
    summary = " ".join(shown) if shown else " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
    more = f" (+{others} more fields)" if shown and others else ""
    return f"{datetime.now():%H:%M:%S} POST {path}  signature {verdict}  {summary}{more}"


class WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, auth_token: str | None, out: TextIO = sys.stdout) -> None:
        self.auth_token = auth_token
        self.out = out
        self.received: list[tuple[Webhook, str]] = []
        super().__init__((HOST, port), _handler_class())

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def record(self, path: str, webhook: Webhook) -> int:
        verdict = signature_verdict(webhook, self.auth_token)
        self.received.append((webhook, verdict))
        print(describe(path, verdict, webhook.fields()), file=self.out, flush=True)
        return 403 if verdict == "WRONG" else 204


def _handler_class() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server: WebhookReceiver

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
            body = self.rfile.read(length)
            host = self.headers.get("Host") or f"{HOST}:{self.server.server_address[1]}"
            webhook = Webhook(f"http://{host}{self.path}", dict(self.headers.items()), body)
            self._answer(self.server.record(self.path, webhook), b"")

        def do_GET(self) -> None:
            self._answer(200, b"Brandlink webhook receiver: POST webhooks here.\n")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per webhook is printed by record()

    return Handler


def serve(receiver: WebhookReceiver, ready: Callable[[str], None]) -> None:
    """Serve until SIGINT or SIGTERM; ``ready`` gets the URL once the port is bound."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    ready(receiver.url)
    try:
        receiver.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server_close()
