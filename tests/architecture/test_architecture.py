"""The package shows the pipeline: stages as folders, imports one way, WeasyPrint's internals in one adapter.

docs/architecture.md explains the layout; these tests keep it true as the code changes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "publish"
# WeasyPrint's public API: what any stage may import; everything else of WeasyPrint lives in publish/engine.
WEASYPRINT_PUBLIC = {"weasyprint"}
MAX_MODULES = 12


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "styles" in path.relative_to(PACKAGE).parts:
            continue  # data, not code
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """(module, names imported from it, line) for every import in the file, deferred ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, tuple(alias.name for alias in node.names), node.lineno


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for module, names, _ in _imports(path):
            if not module.startswith("publish"):
                continue
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules] or [module]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
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
            visit(node)
    return found


def test_no_import_cycle_at_any_depth() -> None:
    """Deferred imports inside functions count too: a cycle hidden in a function is still a cycle."""
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_layers_contract_holds() -> None:
    """The import-linter contracts in pyproject.toml: stages import downwards only; print and EPUB apart."""
    command = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(command), "--config", str(PACKAGE.parent / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout


def test_only_the_engine_reaches_past_weasyprints_public_api() -> None:
    outside = []
    for name, path in _modules().items():
        if name.startswith("publish.engine"):
            continue
        for module, _, line in _imports(path):
            if module.startswith("weasyprint") and module not in WEASYPRINT_PUBLIC:
                outside.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module}")
    assert outside == []


def test_each_folder_is_small_enough_to_hold_in_your_head() -> None:
    counts: dict[str, int] = {}
    for name, path in _modules().items():
        if path.name != "__init__.py":
            package = name.rsplit(".", 1)[0]
            counts[package] = counts.get(package, 0) + 1
    assert {package: count for package, count in counts.items() if count > MAX_MODULES} == {}


def test_every_module_says_what_it_is_for() -> None:
    missing = [name for name, path in _modules().items()
               if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) and path.stat().st_size]
    assert missing == []
