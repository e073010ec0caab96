"""Click capture in the redirect: one ``Tap`` per request, sent to the clicks queue while the link is read.

The redirect answers a tap with one ``GetItem`` (core.links.redirect) and reports it with one
``SendMessage``. Neither needs the other's result (the tap carries raw facts; the clicks worker
decides what becomes an event), so they overlap: ``TapCapture.start`` hands the send to a background
thread and returns at once, the handler makes its read, then waits for the send (``Pending.wait``).
A tap costs the slower of the two calls, not their sum.

The handler waits because a Lambda environment is frozen as soon as it returns: a send still in
flight would stall until the next request, or be lost with the environment. The wait is bounded
(``WAIT_SECONDS``): a send that is slower than that is reported as not captured, and the redirect
answers anyway; a tap is never failed by its capture.

SnapStart restores one snapshot of the initialised function into many environments, and threads do
not survive a snapshot: the executor is created by the first tap, never at init (``start`` is never
called at import), so every restored environment makes its own.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

from brandlink.core.clicks.model import Tap
from brandlink.core.links.slug_format import is_slug

CAPTURED_METHODS = ("GET", "HEAD")
WAIT_SECONDS = 2.0
"""How long a tap waits for its send after the read: above the send's own retries of a slow call
(two attempts of ~1 s timeouts, adapters.clicks.tap_queue), well below the function's 5 s timeout."""
WORKERS = 2
"""Sends in flight at once per environment. Lambda gives an environment one request at a time, so one
thread does the work; a second keeps a send stuck past ``WAIT_SECONDS`` from delaying the next tap's."""


class TapQueue(Protocol):
    """Where taps go: the clicks queue. ``send`` raises when the message was not accepted."""

    def send(self, body: str) -> None: ...


class CaptureFailed(Exception):
    """The tap was not (or not yet, when ``late``) accepted by the queue; ``cause`` says why."""

    def __init__(self, cause: str, *, late: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.late = late


def capturable(method: str, path: str, host: str | None) -> str | None:
    """The slug a request reports a tap of, or None: only ``GET``/``HEAD`` of a well-formed slug on a
    named host (the root, a malformed path such as ``/favicon.ico``, other methods: nothing)."""
    if method not in CAPTURED_METHODS or host is None or not path.startswith("/"):
        return None
    slug = path[1:]
    return slug if is_slug(slug) else None


class Pending:
    """A send under way; ``wait`` returns when it is done and raises ``CaptureFailed`` if it failed."""

    __slots__ = ("_future",)

    def __init__(self, future: Future[None]) -> None:
        self._future = future

    def wait(self, timeout: float = WAIT_SECONDS) -> None:
        try:
            self._future.result(timeout=timeout)
        except FutureTimeout:
            raise CaptureFailed(f"the send took longer than {timeout:g} s", late=True) from None
        except Exception as exc:
            raise CaptureFailed(f"{type(exc).__name__}: {exc}") from exc


class TapCapture:
    """Sends taps on a background thread of its own (created on the first tap)."""

    def __init__(self, queue: TapQueue, workers: int = WORKERS) -> None:
        self._queue = queue
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None

    def start(self, tap: Tap) -> Pending:
        """Begin sending ``tap``; the caller does its own work, then ``wait``s."""
        executor = self._executor
        if executor is None:
            executor = self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="tap-capture")
        return Pending(executor.submit(self._queue.send, tap.to_json()))
