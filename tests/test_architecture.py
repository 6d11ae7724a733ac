"""The layering rules of ARCHITECTURE.md, checked from the modules' own imports (module-level
and inside functions alike)."""

from __future__ import annotations

import ast
import os
import re
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


# -- ARCHITECTURE.md: the parts that list things are generated from the code -----------------------
ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"
UPDATE = os.environ.get("LOOPCHECK_UPDATE_GOLDEN") == "1"


def _first_sentence(doc: str) -> str:
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    m = re.search(r"(?<=[.!?])\s(?=[A-Z`(])", paragraph)
    return paragraph[: m.start()] if m else paragraph


def _names(exempt: set[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(exempt))


def generated_blocks() -> dict[str, str]:
    from grader import report
    from grader.evidence import ci, resolve

    size_why = {}
    for line in Path(__file__).read_text(encoding="utf-8").splitlines():
        m = re.match(r'\s+((?:"grader[\w.]+",?\s*)+)#\s*\((.*)\)', line)
        if m:
            for name in re.findall(r'"(grader[\w.]+)"', m.group(1)):
                size_why[name] = m.group(2)
    exempt = "; ".join(f"{_names({n for n in SIZE_EXEMPT if size_why.get(n) == why})} ({why})"
                       for why in sorted({size_why.get(n, "") for n in SIZE_EXEMPT}))
    rooms = ["| module | what it is |", "|---|---|"]
    for _name, path in sorted(MODULES.items()):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        rooms.append(f"| `{path.relative_to(PACKAGE.parent).as_posix()}` | {_first_sentence(doc)} |")
    return {
        "limits": "\n".join([
            f"- No module over {MODULE_LINES} lines; no function over {FUNCTION_LINES} lines unless its docstring "
            "says it is a state machine.",
            f"- Exempt for now: {exempt}.",
            f"- Detector modules: detectors and private helpers of at most {DETECTOR_HELPER_LINES} lines (exempt for "
            f"now: {_names(DETECTOR_EXEMPT)}).",
        ]),
        "ci-systems": ", ".join(r.NAME for r in ci.READERS) + f" ({len(ci.READERS)}).",
        "handlers": ", ".join(name for name, _handler in resolve.HANDLERS)
        + "; from `uses:`, composite actions and image-building actions.",
        "formats": ", ".join(report.names()) + ".",
        "rooms": "\n".join(rooms),
    }


def test_every_module_says_what_it_is():
    missing = sorted(name for name, path in MODULES.items()
                     if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))
    assert not missing, f"modules without a docstring: {missing}"


def test_the_generated_parts_of_architecture_md_are_current():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    blocks = generated_blocks()
    for name, body in blocks.items():
        pattern = re.compile(rf"(<!-- generated:{re.escape(name)} -->\n)(.*?)(<!-- generated:end -->)", re.S)
        assert pattern.search(text), f"ARCHITECTURE.md has no generated:{name} block"
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(3), text)
    if UPDATE:
        ARCHITECTURE.write_text(text, encoding="utf-8")
    assert text == ARCHITECTURE.read_text(encoding="utf-8"), \
        "ARCHITECTURE.md is out of date: LOOPCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_architecture.py"
