"""The layering, read from the source: who may import what, no import cycles, empty package files.

* ``brandlink.core`` is logic only: no AWS SDK, no Powertools, no settings, and none of the layers
  above or beside it (api, handlers, wiring, store, adapters).
* ``brandlink.wiring`` is the only module of handlers/, api/, core/ and itself that names a store or
  adapter: handlers and routes ask it for what they use.
* Stores and adapters do not use each other, nor anything above core.
* bench/ uses the shared fakes of testkit/, never tests/.
* First-party modules import each other without cycles. Imports inside functions (the lazy imports
  that keep cold starts small) are not counted; imports under ``TYPE_CHECKING`` are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "brandlink"
FIRST_PARTY = {
    "brandlink": PACKAGE,
    **{name: ROOT / name for name in ("local", "ops", "infra", "bench", "testkit")},
}


def module_name(path: Path) -> str:
    for top, folder in FIRST_PARTY.items():
        if path.is_relative_to(folder):
            parts = (top, *path.relative_to(folder).with_suffix("").parts)
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(path)


def sources(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def _imports(node: ast.AST) -> Iterator[tuple[str, list[str]]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, []
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        yield node.module, [alias.name for alias in node.names]


def every_import(path: Path) -> set[str]:
    """Every module a file names in an import, wherever the import statement is."""
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        for module, names in _imports(node):
            found.add(module)
            found.update(f"{module}.{name}" for name in names)
    return found


def import_time_imports(path: Path) -> set[str]:
    """The modules a file imports when it is imported: statements outside function bodies."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for module, names in _imports(node):
                found.add(module)
                found.update(f"{module}.{name}" for name in names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit([child for child in children if isinstance(child, ast.stmt | ast.ExceptHandler)])

    tree = ast.parse(path.read_text(), str(path))
    visit(tree.body)
    return found


def _names(imported: set[str], *prefixes: str) -> list[str]:
    return sorted(name for name in imported if any(name == p or name.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize("layer", ["core", "api", "handlers"])
def test_only_the_wiring_names_stores_and_adapters(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): _names(every_import(path), "brandlink.store", "brandlink.adapters")
        for path in sources(PACKAGE / layer)
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert _names(every_import(PACKAGE / "wiring.py"), "brandlink.store", "brandlink.adapters") != []


def test_core_is_logic_only() -> None:
    forbidden = (
        "boto3",
        "botocore",
        "pynamodb",
        "aws_lambda_powertools",
        "brandlink.api",
        "brandlink.handlers",
        "brandlink.wiring",
        "brandlink.config",
        "brandlink.observability",
        "brandlink.aws_session",
    )
    offenders = {
        str(path.relative_to(ROOT)): _names(every_import(path), *forbidden) for path in sources(PACKAGE / "core")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize(("layer", "other"), [("store", "brandlink.adapters"), ("adapters", "brandlink.store")])
def test_stores_and_adapters_stay_below_the_wiring(layer: str, other: str) -> None:
    above = ("brandlink.api", "brandlink.handlers", "brandlink.wiring", other)
    offenders = {str(path.relative_to(ROOT)): _names(every_import(path), *above) for path in sources(PACKAGE / layer)}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_bench_does_not_import_the_tests() -> None:
    offenders = {str(path.relative_to(ROOT)): _names(every_import(path), "tests") for path in sources(ROOT / "bench")}
    assert {path: names for path, names in offenders.items() if names} == {}


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for folder in FIRST_PARTY.values() for path in sources(folder)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {target for target in import_time_imports(path) if target in modules and target != name}
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_first_party_modules_import_each_other_without_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 150
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_package_files_are_empty_so_importing_a_package_loads_nothing() -> None:
    for path in sources(PACKAGE):
        if path.name == "__init__.py":
            assert path.read_text().strip() == "", path.relative_to(ROOT)
