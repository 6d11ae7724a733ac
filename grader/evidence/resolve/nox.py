"""nox sessions (``nox -s tests``): the ``session.run(...)`` calls of ``noxfile.py``, read from its
syntax tree (never run)."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, join
from grader.evidence.shell import Command

if TYPE_CHECKING:
    from grader.submission import Submission


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    if not re.match(r"^nox(?:\s|$)", text):
        return None
    path = join(cwd, "noxfile.py")
    source = sub.read_text(path) if sub.exists(path) else None
    if not source:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    m = re.search(r"(?:^|\s)(?:-s|--session|--sessions)[ =](\S+)", text)
    wanted = set(m.group(1).split(",")) if m else None
    commands: list[Command] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not any(_names_session(d) for d in node.decorator_list):
            continue
        if wanted is not None and node.name not in wanted:
            continue
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "run"
                    and call.args and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)):
                words = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                commands.append(Command(" ".join(words), call.lineno, path))
    return ("nox", path, tuple(sorted(wanted or ()))), commands


def _names_session(decorator: ast.expr) -> bool:
    """``@nox.session``, ``@session``, ``@nox.session(python=...)``: read without recursion."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = node.attr if isinstance(node, ast.Attribute) else (node.id if isinstance(node, ast.Name) else "")
    return name == "session"
