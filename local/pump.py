"""A pump: a thread that repeats one step (poll a queue, fire due schedules, run a rule) until stopped."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

logger = logging.getLogger("local.pump")

ERROR_PAUSE_SECONDS = 1.0


class Pump(ABC):
    """Calls ``step()`` on its own thread until ``stop()``; ``step()`` returns how long to wait before
    the next call (``None``: no further calls). A failing step is logged and retried after a pause."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._stop_requested = threading.Event()
        # Composition, not a Thread subclass: subclasses' attribute names cannot clash with Thread's.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @abstractmethod
    def step(self) -> float | None: ...

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop_requested.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop_requested.is_set()

    def _run(self) -> None:
        while not self._stop_requested.is_set():
            try:
                pause = self.step()
            except Exception:
                logger.exception("%s failed; retrying in %.0f s", self.name, ERROR_PAUSE_SECONDS)
                pause = ERROR_PAUSE_SECONDS
            if pause is None:
                self._stop_requested.wait()
            elif pause > 0:
                self._stop_requested.wait(pause)
