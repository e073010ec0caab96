"""Run every benchmark: ``python -m bench`` (``make bench``). Each prints per-operation costs."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    names = ["cold_start", *sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))]
    for name in names:
        print(f"\n## {name}\n", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main([]) if "argv" in module.main.__code__.co_varnames else module.main()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
