"""A pump: a thread that repeats one step (poll a queue, fire due schedules, run a rule) until stopped."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

logger = logging.getLogger("local.pump")

ERROR_PAUSE_SECONDS = 1.0


class Pump(threading.Thread, ABC):
    """Calls ``step()`` until ``stop()``; ``step()`` returns how long to wait before the next call
    (``None``: no further calls). A failing step is logged and retried after a pause, never fatal."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._stopping = threading.Event()

    @abstractmethod
    def step(self) -> float | None: ...

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                pause = self.step()
            except Exception:
                logger.exception("%s failed; retrying in %.0f s", self.name, ERROR_PAUSE_SECONDS)
                pause = ERROR_PAUSE_SECONDS
            if pause is None:
                self._stopping.wait()
            elif pause > 0:
                self._stopping.wait(pause)

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()
