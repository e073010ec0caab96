"""Operator tools: the ``brandlink`` command (``ops.cli``). Never shipped in the Lambda asset.

The command runs the same core and store code as the functions, so it needs the Lambda package,
which lives in ``functions/`` (the asset's root, see ``infra/assets.py``) and is not installed into
the venv: put that folder on the path here, after anything PYTHONPATH already put there (the
Makefile and pytest set ``functions`` first themselves).
"""

from __future__ import annotations

import sys
from pathlib import Path

FUNCTIONS_DIR = str(Path(__file__).resolve().parent.parent / "functions")
if FUNCTIONS_DIR not in sys.path:
    sys.path.append(FUNCTIONS_DIR)
