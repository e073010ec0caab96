"""`make run`: the whole Brandlink system on this machine until Ctrl+C (SIGINT) or SIGTERM.

Variables: BRANDLINK_API_PORT (8080), BRANDLINK_LINKS_PORT (8081), BRANDLINK_MOTO_PORT (free port),
BRANDLINK_STATE_DIR (.brandlink), BRANDLINK_LOCAL_CONCURRENCY (10 containers per function),
BRANDLINK_LOCAL_QUEUE_SECONDS (30), BRANDLINK_LOCAL_TIMEOUT_FACTOR (1). See docs/local.md.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType

from local.aws_endpoint import PortInUse
from local.banner import READY_LINE, render
from local.config import LocalConfigError, load_local_config
from local.logs import configure_logging
from local.stack import LocalStack, StackAlreadyRunning


def lingering_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]


def main() -> int:
    configure_logging()
    try:
        config = load_local_config(os.environ)
    except LocalConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    stop_requested = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    print("Starting Brandlink (local mode) ...", flush=True)
    started_at = time.monotonic()
    stack = LocalStack(config)
    try:
        started = stack.start()
    except (PortInUse, StackAlreadyRunning) as exc:
        stack.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BaseException:
        stack.stop()
        raise
    print(render(started))
    print(f"{READY_LINE} (started in {time.monotonic() - started_at:.1f} s)", flush=True)

    while not stop_requested.wait(0.5):
        pass

    print("Stopping Brandlink ...", flush=True)
    stuck = stack.stop() + lingering_threads()
    if stuck:
        print(f"error: these threads did not stop: {', '.join(stuck)}", file=sys.stderr)
        return 1
    print("Brandlink stopped cleanly.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
