"""``Taskfile.yml`` tasks (``task deploy``): ``deps`` first, ``cmds`` in order (``task:`` items
run that task there)."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, join, walk_targets
from grader.evidence.shell import Command, split_script

if TYPE_CHECKING:
    from grader.submission import Submission


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    if not re.match(r"^(?:task|go-task)(?:\s|$)", text):
        return None
    path = next((p for p in (join(cwd, n) for n in ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml")) if sub.exists(p)), None)
    if path is None:
        return None
    docs = sub.yaml_docs(path) or []
    tasks = docs[0].get("tasks") if docs and isinstance(docs[0], dict) else None
    if not isinstance(tasks, dict):
        return None
    wanted = [w for w in text.split()[1:] if not w.startswith("-")] or ["default"]
    def steps(name: str):
        body = tasks.get(name)
        return _steps(body, path) if isinstance(body, (dict, list, str)) else None

    if any(w not in tasks for w in wanted[:3]):
        return None
    return ("task", path, tuple(wanted)), walk_targets(wanted[:3], steps)


def _steps(body, path: str) -> list[str | list[Command]]:
    """What a task does: its ``deps`` (task names), then its ``cmds`` in order (commands, or the
    name of a task a ``task:`` item runs there)."""
    if isinstance(body, str):
        body = {"cmds": [body]}
    elif isinstance(body, list):
        body = {"cmds": body}
    out: list[str | list[Command]] = []
    for dep in body.get("deps") or []:
        out.append(dep if isinstance(dep, str) else str((dep or {}).get("task", "")))
    cmds = body.get("cmds") or []
    for index, item in enumerate(cmds if isinstance(cmds, list) else []):
        line = cmds.line_of(index) if hasattr(cmds, "line_of") else 1
        if isinstance(item, str):
            out.append([dataclasses.replace(c, path=path) for c in split_script(item, line or 1)])
        elif isinstance(item, dict) and isinstance(item.get("cmd"), str):
            out.append([dataclasses.replace(c, path=path) for c in split_script(item["cmd"], line or 1)])
        elif isinstance(item, dict) and isinstance(item.get("task"), str):
            out.append(item["task"])
    return out
