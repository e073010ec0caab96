"""``python -m ops``: the same as the ``brandlink`` command."""

from ops.cli import main

raise SystemExit(main())
