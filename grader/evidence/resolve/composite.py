"""Local composite actions (``uses: ./.github/actions/deploy``): their steps' scripts, followed in
turn, and the local actions they use."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence.resolve.common import MAX_DEPTH, Budget, inside, join
from grader.evidence.resolve.walk import walk
from grader.evidence.shell import Command

if TYPE_CHECKING:
    from grader.submission import Submission


def composite_commands(sub: Submission, uses: str, via: tuple[str, ...], depth: int = 0,
                       active: frozenset = frozenset()) -> list[Command]:
    """The commands of a local composite action (``uses: ./.github/actions/deploy``), its own
    local actions and indirections followed. Each action is read once per submission (memoised:
    an action used eighty times costs one read and a step per use), never inside itself, and
    every use spends from the submission's evidence budget."""
    if depth >= MAX_DEPTH or not uses.startswith("./"):
        return []
    folder = join("", uses.split("@", 1)[0])
    if not inside(folder):
        return []
    path = next((p for p in (f"{folder}/action.yml", f"{folder}/action.yaml") if sub.exists(p)), None)
    if path is None or path in active:
        return []  # an action that uses itself: what it runs is already being read
    shared = evidence_budget.of(sub)
    key = ("composite", path, depth)
    if key not in shared.memo:
        if not shared.spend(f"the action {path}"):
            return []
        shared.memo[key] = _composite(sub, path, depth, active | {path})
    found = shared.memo[key]
    if not shared.spend(f"the action {path}", len(found)):
        return []
    return [dataclasses.replace(c, via=(*via, *c.via)) for c in found]


def _composite(sub: Submission, path: str, depth: int, active: frozenset) -> list[Command]:
    """The commands of the composite action at ``path``, located from the action itself."""
    docs = sub.yaml_docs(path) or []
    runs = docs[0].get("runs") if docs and isinstance(docs[0], dict) else None
    if not isinstance(runs, dict) or str(runs.get("using", "")).lower() != "composite":
        return []
    steps = runs.get("steps") or []
    out: list[Command] = []
    budget = Budget(evidence_budget.of(sub))
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        line = steps.line_of(index) if hasattr(steps, "line_of") else 1
        if isinstance(step.get("run"), str):
            run_line = step.line_of("run") if hasattr(step, "line_of") else line
            offset = 1 if "\n" in step["run"].rstrip("\n") else 0
            cmds = [dataclasses.replace(c, path=path, via=())
                    for c in budget.shared.split(step["run"], (run_line or line or 1) + offset, f"the action {path}")]
            out.extend(walk(sub, cmds, path, "", 1, frozenset({("action", path)}), budget))
        elif isinstance(step.get("uses"), str):
            out.extend(composite_commands(sub, step["uses"], (f"{path}:{line}",), depth + 1, active))
    return out
