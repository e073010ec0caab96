"""docs/security.md's table of what each function may write is the spec's (``brandlink.resources``).

The table between the ``grants`` markers is rendered from ``tables_write``/``only_writes``/
``queues_send``/``capabilities``; when the spec changes, this test fails and prints the table to paste.
"""

from __future__ import annotations

import re
from pathlib import Path

from brandlink import resources

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
MARKERS = re.compile(r"<!-- grants:start -->\n(.*?)<!-- grants:end -->", re.S)


def rendered() -> str:
    rows = ["| function | writes (tables) | sends to (queues) | capabilities |", "|---|---|---|---|"]
    for spec in resources.FUNCTIONS:
        narrowed = {write.table: write.actions for write in spec.only_writes}
        tables = [
            f"`{name}` ({', '.join(narrowed[name])} only)" if name in narrowed else f"`{name}`"
            for name in spec.tables_write
        ]
        queues = [f"`{name}`" for name in spec.queues_send]
        capabilities = [f"`{name}`" for name in spec.capabilities]
        rows.append(
            f"| `{spec.logical}` | {', '.join(tables) or '—'} | {', '.join(queues) or '—'} | "
            f"{', '.join(capabilities) or '—'} |"
        )
    return "\n".join(rows) + "\n"


def test_the_grants_table_is_the_spec() -> None:
    found = MARKERS.search(DOC.read_text(encoding="utf-8"))
    assert found is not None, "docs/security.md lost its <!-- grants:start/end --> markers"
    assert found.group(1) == rendered(), "paste this between the grants markers:\n" + rendered()


if __name__ == "__main__":
    print(rendered(), end="")
