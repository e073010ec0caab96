"""Headless Chromium for tests: Debian's ``chromium`` driven by playwright (no browser download).

`make test` installs the system package (the ``chromium`` Makefile target); playwright's own
browser download does not work on an offline machine, so ``launch`` points at the system binary.
The flags keep Chromium off the network it cannot reach (background updates, sync, QUIC), which
would otherwise make it slow to start and noisy. Screenshots go to ``test-results/`` at the
repository root (kept out of git), so a CI run keeps them with its results.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "test-results"
CHROMIUM_FLAGS = (
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise AssertionError(
            "chromium is not installed: run `make chromium` (Debian: apt-get install chromium); "
            "the browser tests need it."
        )
    return path


def screenshot_path(name: str) -> Path:
    """Where a test saves its screenshot ``name`` (made safe for a file name)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".png")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium per test session (a ``playwright.sync_api.Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
