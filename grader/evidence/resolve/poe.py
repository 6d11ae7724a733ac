"""Poe the Poet tasks (``poe check``, ``uv run poe test``): ``[tool.poe.tasks]`` of the folder's
``pyproject.toml``. A string, ``cmd`` or ``shell`` runs commands; a list or ``sequence`` runs its
items in order (task names, or inline ``cmd``/``shell``/``ref`` items); ``ref`` runs another task.
``script``/``expr`` tasks call Python and are left to their names."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import Found, join, walk_targets
from grader.evidence.shell import Command, split_script

if TYPE_CHECKING:
    from grader.submission import Submission

MAX_BYTES = 500_000  # of pyproject.toml read for its tasks


def resolve(sub: Submission, text: str, cwd: str) -> Found | None:
    words = text.split()
    if not words or words[0] != "poe":
        return None
    name = next((w for w in words[1:] if not w.startswith("-")), None)
    path = join(cwd, "pyproject.toml")
    if name is None or not sub.exists(path):
        return None
    read = _read(sub, path)
    if read is None:
        return None
    source, tasks = read
    if name not in tasks:
        return None

    def steps(task: str):
        return _steps(tasks[task], path, _line(source, task)) if task in tasks else None

    return ("poe", path, (name,)), walk_targets([name], steps)


def _read(sub: Submission, path: str) -> tuple[str, dict] | None:
    """The file's text and its tasks, parsed once per run whichever ``poe`` commands ask."""
    cached = sub.memo(f"poe:{path}")
    if cached is None:
        source = sub.read_text(path) or ""
        cached = sub.memo(f"poe:{path}", (source, _tasks(source)) if "tool.poe" in source else ("", {}))
    return cached if cached[1] else None


def _tasks(source: str) -> dict:
    import tomllib

    try:
        data = tomllib.loads(source[:MAX_BYTES])
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return {}
    tool = data.get("tool")
    poe = tool.get("poe") if isinstance(tool, dict) else None
    tasks = poe.get("tasks") if isinstance(poe, dict) else None
    return tasks if isinstance(tasks, dict) else {}


def _line(source: str, task: str) -> int:
    """The line that defines ``task`` (``name = ...`` or ``[tool.poe.tasks.name]``), else 1."""
    start = source.find("[tool.poe.tasks", 0, MAX_BYTES)
    if start < 0:
        return 1
    name = re.escape(task)
    found = re.compile(rf"^(?:\[tool\.poe\.tasks\.(?:{name}|\"{name}\")\]|(?:{name}|\"{name}\")\s*=)",
                       re.M).search(source, start, MAX_BYTES)
    return source.count("\n", 0, found.start()) + 1 if found else source.count("\n", 0, start) + 1


def _commands(script: str, path: str, line: int) -> list[Command]:
    return [dataclasses.replace(c, path=path, line=line) for c in split_script(script, line)]


def _steps(body, path: str, line: int) -> list[str | list[Command]]:
    """What a task does, in order: names of tasks it runs, or commands."""
    if isinstance(body, str):
        return [_commands(body, path, line)]
    if isinstance(body, list):
        body = {"sequence": body}
    if not isinstance(body, dict):
        return []
    for kind in ("cmd", "shell"):
        if isinstance(body.get(kind), str):
            return [_commands(body[kind], path, line)]
    if isinstance(body.get("ref"), str):
        return [body["ref"].split()[0]] if body["ref"].split() else []
    out: list[str | list[Command]] = []
    sequence = body.get("sequence")
    for item in sequence[:100] if isinstance(sequence, list) else []:
        if isinstance(item, str):
            out.append(item)  # a sequence's plain items name tasks
        elif isinstance(item, dict):
            out.extend(_steps(item, path, line))
    return out
