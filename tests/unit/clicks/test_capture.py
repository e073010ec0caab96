"""Capture in the redirect: which requests report a tap, the send on its own thread (made by the first
tap, never before: SnapStart), and a send that fails or hangs reported, never raised into the tap."""

from __future__ import annotations

import threading

import pytest

from brandlink.core.clicks.capture import CaptureFailed, TapCapture, capturable
from brandlink.core.clicks.model import Tap

TAP = Tap("req-1", "AbCdEf1234", "go.acme.com", "GET", "Mozilla/5.0", 1_800_000_000_123)


@pytest.mark.parametrize(
    ("method", "path", "host", "slug"),
    [
        ("GET", "/AbCdEf1234", "go.acme.com", "AbCdEf1234"),
        ("HEAD", "/AbCdEf1234", "go.acme.com", "AbCdEf1234"),
        ("POST", "/AbCdEf1234", "go.acme.com", None),
        ("GET", "/", "go.acme.com", None),
        ("GET", "/favicon.ico", "go.acme.com", None),
        ("GET", "/AbCdEf1234/x", "go.acme.com", None),
        ("GET", "/AbCdEf1234", None, None),
    ],
)
def test_only_get_or_head_of_a_well_formed_slug_on_a_host_is_a_tap(
    method: str, path: str, host: str | None, slug: str | None
) -> None:
    assert capturable(method, path, host) == slug


class Queue:
    def __init__(self, fail: Exception | None = None, gate: threading.Event | None = None) -> None:
        self.bodies: list[str] = []
        self.threads: list[str] = []
        self._fail = fail
        self._gate = gate

    def send(self, body: str) -> None:
        self.threads.append(threading.current_thread().name)
        if self._gate is not None:
            self._gate.wait(30)
        if self._fail is not None:
            raise self._fail
        self.bodies.append(body)


def test_the_tap_is_sent_on_a_thread_made_by_the_first_tap() -> None:
    queue = Queue()
    capture = TapCapture(queue)
    assert capture._executor is None  # nothing started at init: a SnapStart snapshot holds no thread
    capture.start(TAP).wait()
    capture.start(TAP).wait()
    assert [Tap.from_json(body) for body in queue.bodies] == [TAP, TAP]
    assert all(name.startswith("tap-capture") for name in queue.threads)


def test_a_failed_send_is_reported_with_its_cause() -> None:
    pending = TapCapture(Queue(fail=RuntimeError("throttled"))).start(TAP)
    with pytest.raises(CaptureFailed) as failure:
        pending.wait()
    assert failure.value.cause == "RuntimeError: throttled" and not failure.value.late


def test_a_send_slower_than_the_wait_is_reported_late_and_still_lands() -> None:
    gate = threading.Event()
    slow = Queue(gate=gate)
    first = TapCapture(slow).start(TAP)
    try:
        with pytest.raises(CaptureFailed) as failure:
            first.wait(timeout=0.01)
        assert failure.value.late
    finally:
        gate.set()
    first.wait(timeout=30)  # the late send completes on its own
    assert slow.bodies == [TAP.to_json()]
