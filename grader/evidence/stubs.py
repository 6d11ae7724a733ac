"""Tests that exercise nothing of the project: a test file that asserts on a server it starts
itself (``http.createServer``, ``express()``, ``Flask(__name__)``, ``HTTPServer``...) and imports
nothing of the project checks that stub, not the project — its tests are not real tests."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

# A server the test file starts itself: what its assertions check is that stub, not the project.
_JS_STUB = lazy(r"\bhttp\.createServer\s*\(|\bexpress\s*\(\s*\)|\bnew\s+Hono\s*\(|\bfastify\s*\(\s*\)"
                      r"|\bnew\s+Koa\s*\(")
_JS_LOCAL_IMPORT = lazy(r"""(?:\brequire\s*\(\s*|\bfrom\s+|\bimport\s*\(?\s*)['"`](?:\.{1,2}/|@/|~/|src/)""")
_PY_STUB = lazy(r"\b(?:HTTPServer|ThreadingHTTPServer|TCPServer)\s*\(|\bFlask\s*\(\s*__name__|\bFastAPI\s*\(|"
                      r"\bweb\.Application\s*\(")


def stub_only(sub: Submission, rel: str, lang: str, text: str, is_test_path: Callable[[str], bool]) -> bool:
    """Does the test file assert on a server it defines itself, importing nothing of the project?"""
    if lang in ("javascript", "typescript"):
        return bool(_JS_STUB.search(text)) and not _JS_LOCAL_IMPORT.search(text)
    if lang == "python" and _PY_STUB.search(text):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        mine = _project_modules(sub, is_test_path) - {rel.rsplit("/", 1)[-1].removesuffix(".py")}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in mine):
                return False
            if isinstance(node, ast.Import) and any(a.name.split(".")[0] in mine for a in node.names):
                return False
        return True
    return False


def _project_modules(sub: Submission, is_test_path: Callable[[str], bool]) -> frozenset[str]:
    """The top-level Python modules and packages of the project (also under ``src/``), its tests'
    own helpers left out."""
    cached = sub.memo("project-modules")
    if cached is not None:
        return cached
    names = set()
    for rel in sub.by_suffix(".py"):
        parts = rel.split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        top = parts[0].removesuffix(".py")
        if top not in ("tests", "test", "conftest", "setup", "noxfile") and not is_test_path(rel):
            names.add(top)
    return sub.memo("project-modules", frozenset(names))
