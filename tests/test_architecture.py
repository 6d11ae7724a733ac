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


# A detector module holds its phase's detectors and small private helpers; evidence finding
# (what the repository holds, read from its files) lives in evidence/.
DETECTOR_HELPER_LINES = 25
DETECTOR_EXEMPT = {
    "grader.detectors.written",  # (being rewritten for issue 24)
}


def _decorated_as_detector(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "detector"
               for d in node.decorator_list)


def test_detector_modules_hold_detectors():
    bad = []
    for name, path in MODULES.items():
        if not name.startswith("grader.detectors.") or name in ("grader.detectors.common", *DETECTOR_EXEMPT):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or _decorated_as_detector(node):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if not node.name.startswith("_"):
                bad.append(f"{name}.{node.name}: a public function that is not a detector (move it to evidence/)")
            elif lines > DETECTOR_HELPER_LINES:
                bad.append(f"{name}.{node.name}: a {lines}-line helper (over {DETECTOR_HELPER_LINES}: "
                           "evidence finding belongs in evidence/)")
    assert not bad, "\n".join(bad)


# Rooms stay small enough to read in one sitting: no module over MODULE_LINES lines, no function
# over FUNCTION_LINES lines unless it is a state machine its docstring describes as one.
MODULE_LINES = 500
FUNCTION_LINES = 60
SIZE_EXEMPT = {
    "grader.detectors.written",  # (being rewritten for issue 24)
    "grader.cli", "grader.cli_class",  # (the cli/ package of module-level commands replaces them: issue 29)
}


def test_no_module_is_too_long():
    long = {name: n for name, path in MODULES.items()
            if name not in SIZE_EXEMPT and (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert not long, f"modules over {MODULE_LINES} lines: {long}"


def test_no_function_is_too_long_unless_a_documented_state_machine():
    long = []
    for name, path in MODULES.items():
        if name in SIZE_EXEMPT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > FUNCTION_LINES and "state machine" not in (ast.get_docstring(node) or ""):
                long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, f"functions over {FUNCTION_LINES} lines: {long}"
