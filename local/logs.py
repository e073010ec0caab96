"""Log set-up shared by the runner (`python -m local`) and its function containers."""

from __future__ import annotations

import logging
import sys
import warnings


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for chatty in ("botocore", "pynamodb"):  # they log their configuration sources at INFO
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # Powertools Metrics warns on every invocation that records no metric; that is not news locally.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
