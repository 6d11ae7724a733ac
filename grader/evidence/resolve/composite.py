"""Local composite actions (``uses: ./.github/actions/deploy``): their steps' scripts, followed in
turn, and the local actions they use."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence.resolve.common import MAX_DEPTH, Budget, inside, join
from grader.evidence.resolve.walk import walk
from grader.evidence.shell import Command, split_script

if TYPE_CHECKING:
    from grader.submission import Submission


def composite_commands(sub: Submission, uses: str, via: tuple[str, ...], depth: int = 0) -> list[Command]:
    """The commands of a local composite action (``uses: ./.github/actions/deploy``), its own
    local actions and indirections followed."""
    if depth >= MAX_DEPTH or not uses.startswith("./"):
        return []
    folder = join("", uses.split("@", 1)[0])
    if not inside(folder):
        return []
    path = next((p for p in (f"{folder}/action.yml", f"{folder}/action.yaml") if sub.exists(p)), None)
    if path is None:
        return []
    docs = sub.yaml_docs(path) or []
    runs = docs[0].get("runs") if docs and isinstance(docs[0], dict) else None
    if not isinstance(runs, dict) or str(runs.get("using", "")).lower() != "composite":
        return []
    steps = runs.get("steps") or []
    out: list[Command] = []
    budget = Budget()
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        line = steps.line_of(index) if hasattr(steps, "line_of") else 1
        if isinstance(step.get("run"), str):
            run_line = step.line_of("run") if hasattr(step, "line_of") else line
            offset = 1 if "\n" in step["run"].rstrip("\n") else 0
            cmds = [dataclasses.replace(c, path=path, via=via)
                    for c in split_script(step["run"], (run_line or line or 1) + offset)]
            out.extend(walk(sub, cmds, path, "", 1, frozenset({("action", path)}), budget))
        elif isinstance(step.get("uses"), str):
            out.extend(composite_commands(sub, step["uses"], (*via, f"{path}:{line}"), depth + 1))
    return out
