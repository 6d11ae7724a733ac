"""What the application's code uses: its imports (Python read with ``ast``; JavaScript/
TypeScript, Go, Java/Kotlin by their import statements, comments removed) and string
literals. Bounded: at most ``MAX_SOURCES`` source files are read, each once."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence.testfiles import is_test_path
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

MAX_SOURCES = 3000
_SUFFIX_LANG = {".py": "python", ".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".tsx": "js",
                ".jsx": "js", ".go": "go", ".java": "java", ".kt": "java", ".scala": "java"}
_JS_IMPORT = lazy(r"""(?:\bimport\s+(?:[\w*{}\s,]+\s+from\s+)?|\brequire\s*\(\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]""")
_GO_IMPORT_BLOCK = lazy(r"^import\s*\((.*?)\)", re.S | re.M)
_GO_IMPORT_ONE = lazy(r'^import\s+(?:\w+\s+)?"([^"]+)"', re.M)
_JAVA_IMPORT = lazy(r"^[ \t]*import\s+(?:static\s+)?([\w.]+)", re.M)
_C_COMMENTS = lazy(r"//[^\n]*|/\*.*?\*/", re.S)


@dataclass(slots=True)
class SourceFile:
    path: str
    language: str
    text: str = ""
    _imports: list[tuple[str, int]] | None = field(default=None, repr=False)

    @property
    def imports(self) -> list[tuple[str, int]]:
        """(module, line) of each import, parsed on first use."""
        if self._imports is None:
            try:
                self._imports = _IMPORTS[self.language](self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._imports = []
        return self._imports


def language_of(path: str) -> str | None:
    dot = path.rfind(".")
    return _SUFFIX_LANG.get(path[dot:].lower()) if dot != -1 else None


def source_candidates(sub: Submission) -> list[str]:
    """The files :func:`language_of` may know, in the submission's order: those under one of its
    extensions (the suffix index), a superset of those it knows."""
    return sub.by_suffix(*_SUFFIX_LANG)


def sources(sub: Submission) -> list[SourceFile]:
    cached = sub.memo("codescan")
    if cached is not None:
        return cached
    out: list[SourceFile] = []
    candidates = [(rel, lang) for rel in source_candidates(sub)
                  if (lang := language_of(rel)) is not None and not rel.endswith((".d.ts", ".min.js"))]
    sub.expect([rel for rel, _ in candidates[: MAX_SOURCES * 2]])
    for rel, lang in candidates:
        if len(out) >= MAX_SOURCES:
            break
        text = sub.read_text(rel)
        if text is None:
            continue
        out.append(SourceFile(rel, lang, text=text))
    return sub.memo("codescan", out)


def _python(text: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node.lineno))
    return found


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _js(text: str) -> list[tuple[str, int]]:
    clean = _C_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return [(m.group(1), _line_of(clean, m.start())) for m in _JS_IMPORT.finditer(clean)]


def _go(text: str) -> list[tuple[str, int]]:
    clean = _C_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    found = [(m.group(1), _line_of(clean, m.start())) for m in _GO_IMPORT_ONE.finditer(clean)]
    for block in _GO_IMPORT_BLOCK.finditer(clean):
        for m in re.finditer(r'"([^"]+)"', block.group(1)):
            found.append((m.group(1), _line_of(clean, block.start(1) + m.start())))
    return found


def _java(text: str) -> list[tuple[str, int]]:
    clean = _C_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return [(m.group(1), _line_of(clean, m.start())) for m in _JAVA_IMPORT.finditer(clean)]


_IMPORTS = {"python": _python, "js": _js, "go": _go, "java": _java}


def find_imports(sub: Submission, table: dict[str, str], *, tests_too: bool = False):
    """[(tool name, path, line)] for imports whose module starts with a key of ``table``."""
    hits = []
    needles = tuple({key.rstrip("/") for key in table})
    for sf in sources(sub):
        if not tests_too and is_test_path(sf.path):
            continue
        if not any(n in sf.text for n in needles):
            continue  # none of the modules is even named: no need to parse the imports
        for module, line in sf.imports:
            name = _match(module, table)
            if name:
                hits.append((name, sf.path, line))
    return hits


def _match(module: str, table: dict[str, str]) -> str | None:
    """The tool of the first key that is ``module`` or a parent of it (``a.b``, ``a/b``);
    a key ending in ``/`` matches any module under it."""
    for prefix, name in table.items():
        if prefix.endswith("/"):
            if module.startswith(prefix):
                return name
        elif module == prefix or module.startswith((prefix + ".", prefix + "/")):
            return name
    return None
