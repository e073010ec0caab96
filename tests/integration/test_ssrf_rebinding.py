"""SSRF through DNS rebinding (security finding 3): the address that was checked is the one connected to.

A resolver stub answers a public address to the first look-up and loopback to any later one: the
old client checked the first answer, then let ``urllib`` resolve again to connect, and so reached a
loopback server and read its body. Connections to public addresses are refused by a stub (nothing
leaves this machine); connections to loopback go through to a real server that records what it got.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from brandlink.adapters.common import http
from tests import certs

PUBLIC = "8.8.8.8"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append({"path": self.path, "host": self.headers.get("Host", "")})
        body = b"internal secret"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        handler = type("Handler", (_Recorder,), {"seen": []})
        self.seen: list[dict[str, str]] = handler.seen
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_server() -> Iterator[_Server]:
    server = _Server()
    yield server
    server.close()


def _answer(address: str, port: int) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket connects to; public ones are refused here (this test never leaves the machine)."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        attempts.append(str(address[0]))
        if not str(address[0]).startswith("127."):
            raise ConnectionRefusedError(111, "refused by the test")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _rebinding_resolver(monkeypatch: pytest.MonkeyPatch, host: str, answers: list[str]) -> list[str]:
    """``getaddrinfo`` for ``host`` answers ``answers`` one per call, the last one forever after."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(name: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if name != host:
            return real(name, port, *args, **kwargs)
        answer = answers[min(len(asked), len(answers) - 1)]
        asked.append(answer)
        return _answer(answer, int(port))

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_rebinding_public_then_loopback_never_reaches_the_loopback_server(
    monkeypatch: pytest.MonkeyPatch, loopback_server: _Server, connections: list[str]
) -> None:
    asked = _rebinding_resolver(monkeypatch, "rebind.example", [PUBLIC, "127.0.0.1"])
    url = f"http://rebind.example:{loopback_server.port}/admin"

    with pytest.raises(http.NotSent):
        http.request("POST", url, body=b"x", timeout=2)

    assert loopback_server.seen == []  # before the fix: one request, and its body came back
    assert asked == [PUBLIC]  # resolved once
    assert connections == [PUBLIC]  # and connected to exactly what was checked


def test_a_private_first_answer_is_refused_before_any_connection(
    monkeypatch: pytest.MonkeyPatch, loopback_server: _Server, connections: list[str]
) -> None:
    _rebinding_resolver(monkeypatch, "inside.example", ["127.0.0.1"])
    with pytest.raises(http.NotSent, match="not a public address"):
        http.request("POST", f"http://inside.example:{loopback_server.port}/", body=b"x")
    assert connections == [] and loopback_server.seen == []


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "::127.0.0.1", "fec0::1", "::ffff:127.0.0.1"])
def test_addresses_that_lead_to_private_ones_are_refused(
    monkeypatch: pytest.MonkeyPatch, connections: list[str], address: str
) -> None:
    def getaddrinfo(name: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port), 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(http.NotSent, match="not a public address"):
        http.request("POST", "https://hooks.example/status", body=b"x")
    assert connections == []


def test_the_pinned_connection_keeps_the_host_header(monkeypatch: pytest.MonkeyPatch, loopback_server: _Server) -> None:
    """Local mode (private addresses allowed) runs the same code: connect to the address, name the host."""
    _rebinding_resolver(monkeypatch, "hooks.example", ["127.0.0.1"])
    response = http.request(
        "POST", f"http://hooks.example:{loopback_server.port}/status?a=1", body=b"x", allow_private=True
    )
    assert (response.status, response.body) == (200, b"internal secret")
    assert loopback_server.seen == [{"path": "/status?a=1", "host": f"hooks.example:{loopback_server.port}"}]


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[_Server, list[str]]]:
    """A TLS server on loopback with a certificate for hooks.example (the test CA); records the SNI names."""
    bundle = certs.issue("hooks.example")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_text(bundle.leaf_pem + bundle.chain_pem)
    key_file.write_text(bundle.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    names: list[str] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(str(name))  # type: ignore[assignment,func-returns-value]
    server = _Server(context)
    yield server, names
    server.close()


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = certs.test_ca()
    context = ssl.create_default_context(
        cadata=root.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    )
    monkeypatch.setattr(http, "_tls_context", lambda: context)


def test_tls_to_the_pinned_address_uses_sni_and_the_host_name(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[_Server, list[str]], trust_test_ca: None
) -> None:
    server, sni_names = tls_server
    _rebinding_resolver(monkeypatch, "hooks.example", ["127.0.0.1"])
    response = http.request("POST", f"https://hooks.example:{server.port}/", body=b"x", allow_private=True)
    assert response.status == 200
    assert sni_names == ["hooks.example"]
    assert server.seen == [{"path": "/", "host": f"hooks.example:{server.port}"}]


def test_tls_checks_the_certificate_against_the_host_name_not_the_address(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[_Server, list[str]], trust_test_ca: None
) -> None:
    server, _ = tls_server
    _rebinding_resolver(monkeypatch, "other.example", ["127.0.0.1"])  # same address, a name the cert lacks
    with pytest.raises(http.NotSent, match="CERTIFICATE_VERIFY_FAILED"):
        http.request("POST", f"https://other.example:{server.port}/", body=b"x", allow_private=True)
    assert server.seen == []
