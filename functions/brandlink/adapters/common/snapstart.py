"""Lambda SnapStart's runtime hooks, when the runtime has them.

SnapStart snapshots an initialised environment and restores that one snapshot into many
environments, so state that must be unique per environment (a block of slug counter values, rate-
limit tokens in hand) has to be dropped after a restore. Lambda's Python runtime (3.12+) ships the
``snapshot_restore_py`` module for that; elsewhere (local mode, tests, Python 3.11) it is absent and
registering does nothing.
"""

from __future__ import annotations

from collections.abc import Callable


def register_after_restore(hook: Callable[[], object]) -> bool:
    """Run ``hook`` after every SnapStart restore; False when this runtime has no SnapStart hooks."""
    try:
        from snapshot_restore_py import register_after_restore as register  # type: ignore[import-not-found]
    except ImportError:
        return False
    register(hook)
    return True
