"""The layering rules of ARCHITECTURE.md, checked from the modules' own imports (module-level
and inside functions alike)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "grader"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The grader modules a module imports (``from grader.x import y`` counts as grader.x.y
    when y is a module, else grader.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("grader")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) & set(MODULES) for name, path in MODULES.items()}


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_no_detector_imports_another_detector():
    shared = {"grader.detectors", "grader.detectors.common"}
    for name, deps in GRAPH.items():
        if name.startswith("grader.detectors.") and name not in shared:
            siblings = {d for d in deps if d.startswith("grader.detectors.") and d not in shared}
            assert not siblings, f"{name} imports {sorted(siblings)}: shared helpers belong in common.py or evidence/"


@pytest.mark.parametrize("layer, forbidden", [
    ("grader.evidence", ("grader.detectors", "grader.rubric", "grader.scoring", "grader.report", "grader.docs",
                         "grader.cli", "grader.batch")),
    ("grader.report", ("grader.detectors", "grader.evidence", "grader.submission", "grader.git", "grader.scoring",
                       "grader.cli", "grader.batch", "grader.sources")),
    ("grader.detectors", ("grader.report", "grader.scoring", "grader.cli", "grader.batch", "grader.rubric")),
    ("grader.model", ("grader.",)),
])
def test_layers_only_depend_downwards(layer, forbidden):
    for name, deps in GRAPH.items():
        if name == layer or name.startswith(layer + "."):
            bad = sorted(d for d in deps if d.startswith(forbidden) and not d.startswith(layer))
            assert not bad, f"{name} imports {bad}"


def test_renderers_read_no_files_and_no_environment():
    for name, path in MODULES.items():
        if name.startswith("grader.report."):
            text = path.read_text(encoding="utf-8")
            assert "os.environ" not in text and "open(" not in text, f"{name} reads outside its Report"
