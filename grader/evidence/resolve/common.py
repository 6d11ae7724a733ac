"""What the handlers share: the bounds, one budget, repository paths, and one walker over named
targets (Makefile targets, just recipes, Task tasks) that run their prerequisites first."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from grader.evidence import budget as evidence_budget
from grader.evidence.shell import Command

MAX_DEPTH = 4  # files deep
MAX_ADDED = 400  # commands added to one step
TARGET_DEPTH = 8  # prerequisites of prerequisites, within one file

# (a key that names what was read, so a cycle stops where it closes; the commands it runs)
Found = tuple[tuple[Any, ...], list[Command]]


class Handler(Protocol):
    """Reads what a command runs from the repository: None when the command is not its tool's,
    or what it names cannot be read (then the command is judged by its name)."""

    def __call__(self, sub: Any, text: str, cwd: str, /) -> Found | None: ...


class Budget:
    """How many more commands a step may gain from the repository, and the submission's one
    evidence budget (:mod:`grader.evidence.budget`) every step's expansion spends from."""

    def __init__(self, shared: evidence_budget.Budget | None = None) -> None:
        self.left = MAX_ADDED
        self.shared = shared if shared is not None else evidence_budget.Budget()

    def take(self, commands: Sequence[Command], what: str = "a step") -> list[Command] | None:
        """As many of ``commands`` as the budget has room for (and the room they take); None
        once the submission's evidence budget is spent."""
        taken = list(commands[: max(self.left, 0)])
        if not self.shared.spend(what, 1 + len(taken), sum(len(c.text) for c in taken)):
            return None
        self.left -= len(taken)
        return taken


def join(cwd: str, rel: str) -> str:
    path = posixpath.normpath(posixpath.join(cwd, rel.removeprefix("./")))
    return "" if path in (".", "") else path


def inside(path: str) -> bool:
    return not (path.startswith("../") or path == ".." or path.startswith("/"))


# What a target does, in order: the name of another target to run first, or commands.
Steps = Iterable["str | list[Command]"]


def walk_targets(wanted: Iterable[str], steps: Callable[[str], Steps | None]) -> list[Command]:
    """The commands that running the ``wanted`` targets runs, each target once: ``steps(name)``
    says what a target does (None when there is no such target), prerequisites as names."""
    commands: list[Command] = []
    done: set[str] = set()

    def run(name: str, depth: int) -> None:
        if name in done or depth > TARGET_DEPTH:
            return
        body = steps(name)
        if body is None:
            return
        done.add(name)
        for step in body:
            if isinstance(step, str):
                run(step, depth + 1)
            else:
                commands.extend(step)

    for name in wanted:
        run(name, 0)
    return commands
