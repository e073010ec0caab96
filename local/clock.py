"""A clock the local stack can move forward, honoured by every function container.

Tests (and you) need to see what happens 91 days after a send: a short link past its expiry lands on
the fallback URL. In AWS that is simply time passing. Locally the runner keeps a clock offset in a
file of its state directory (``clock.json``, path in ``BRANDLINK_LOCAL_CLOCK_FILE``); each function
container installs ``LocalClock`` as ``brandlink.core.common.dates``' clock before it imports its
handler, so ``utcnow()``/``now_epoch()`` of every function (the API, dispatch, the redirect, ...)
read real time + the offset. Nothing else changes: no item's ``expires_at`` is edited, DynamoDB's TTL
(which moto never runs) deletes nothing; the code's own expiry checks see a later "now".

The offset is re-read when the file changes (one ``stat`` per reading of the clock, local mode only);
in AWS none of this is loaded and the clock is ``time.time``. The runner's own pumps (the scheduler
pump, the SQS pollers) keep real time.

    brandlink --local clock advance 91d     # every function now lives 91 days later
    brandlink --local clock show
    brandlink --local clock reset
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path

CLOCK_FILE_VARIABLE = "BRANDLINK_LOCAL_CLOCK_FILE"
CLOCK_FILE_NAME = "clock.json"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)([smhdw])")


class ClockError(ValueError):
    """A duration or clock file the clock cannot use; the message says what to fix."""


def parse_duration(text: str) -> int:
    """Seconds of a duration such as ``91d``, ``12h``, ``1d12h``, ``90s`` (units s, m, h, d, w)."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(number + unit for number, unit in parts) != cleaned:
        raise ClockError(f"{text!r} is not a duration: write it like 91d, 12h, 1d12h or 90s (units s, m, h, d, w).")
    return sum(int(number) * _UNITS[unit] for number, unit in parts)


def read_offset(path: Path) -> float:
    """The offset in seconds the file holds; 0 when there is no file."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return 0.0
    except (OSError, ValueError) as exc:
        raise ClockError(f"{path} is not a clock file ({exc}): run `brandlink --local clock reset`.") from None
    offset = data.get("offset_seconds") if isinstance(data, dict) else None
    if not isinstance(offset, int | float) or isinstance(offset, bool):
        raise ClockError(f"{path} holds no offset_seconds: run `brandlink --local clock reset`.")
    return float(offset)


def write_offset(path: Path, seconds: float) -> None:
    """Replace the offset atomically (a container never reads half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps({"offset_seconds": seconds}))
    os.replace(partial, path)


def advance(path: Path, seconds: float) -> float:
    """Move the clock forward by ``seconds``; returns the new offset."""
    offset = read_offset(path) + seconds
    write_offset(path, offset)
    return offset


def reset(path: Path) -> None:
    path.unlink(missing_ok=True)


class LocalClock:
    """Real time plus the file's offset, as epoch seconds (the ``dates.use_clock`` signature)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._offset = 0.0

    def offset(self) -> float:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._offset = None, 0.0
            return 0.0
        stamp = (status.st_mtime_ns, status.st_ino, status.st_size)
        if stamp != self._stamp:
            try:
                self._offset = read_offset(self.path)
            except ClockError:
                return self._offset  # a file being replaced: keep the last offset read
            self._stamp = stamp
        return self._offset

    def __call__(self) -> float:
        return time.time() + self.offset()


def install_from_environment(env: Mapping[str, str]) -> LocalClock | None:
    """In a function container: read "now" through the clock file the runner named, if it named one."""
    path = env.get(CLOCK_FILE_VARIABLE, "").strip()
    if not path:
        return None
    from brandlink.core.common import dates

    clock = LocalClock(Path(path))
    dates.use_clock(clock)
    return clock
