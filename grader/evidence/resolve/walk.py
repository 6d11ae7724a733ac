"""The walk: each command of a step, followed by what it runs in the repository, as the
:data:`HANDLERS` read it; ``cd`` moves where the next ones are looked for."""

from __future__ import annotations

import dataclasses
import posixpath
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence.resolve import docker, images, just, make, nox, npm, poe, shell, task, tox
from grader.evidence.resolve.common import MAX_DEPTH, Budget, Handler, inside, join
from grader.evidence.shell import Command, normalise, started_by_runner

if TYPE_CHECKING:
    from grader.submission import Submission

# Who reads what a command runs, asked in this order; the first that knows the command answers.
HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("shell", shell.resolve), ("make", make.resolve), ("npm", npm.resolve), ("run-all", npm.run_all),
    ("just", just.resolve), ("task", task.resolve), ("tox", tox.resolve), ("nox", nox.resolve), ("poe", poe.resolve),
    ("docker", docker.resolve),
)


def expand(sub: Submission, commands: list[Command], origin: str, workdir: str = "") -> list[Command]:
    """``commands`` (of one step, in ``origin``, run in ``workdir``) with what each runs in the
    repository inserted after it."""
    if not commands:
        return commands
    cwd = join("", workdir) if workdir and "$" not in workdir and inside(join("", workdir)) else ""
    return walk(sub, commands, origin, cwd, 0, frozenset(), Budget(evidence_budget.of(sub)))


def walk(sub: Submission, commands: list[Command], origin: str, cwd: str, depth: int, seen: frozenset,
         budget: Budget) -> list[Command]:
    """Each command, followed by what it runs when that can be read (the command itself then
    marked ``resolved``); ``cd`` moves where the next ones are looked for."""
    out: list[Command] = []
    built = budget.shared.memo.setdefault(docker.IMAGES, {})  # the images built so far, by name
    for cmd in commands:
        out.append(cmd)
        text = normalise(cmd.text)
        moved = _cd(text, cwd)
        if moved is not None:
            cwd = moved
            continue
        if budget.left <= 0 or not budget.shared.left:
            continue
        if docker.IMAGE_BUILD.match(text):
            images.register(built, text, cwd)
        found = _resolve(sub, text, cwd, (*cmd.via, f"{cmd.path or origin}:{cmd.line}"), depth, seen, budget, built)
        if found is not None:
            # an image build is a build itself, and runs its RUN lines too; a container started keeps what
            # starting it does (`docker run -d` on the host deploys) besides what it runs
            if not docker.IMAGE_BUILD.match(text) and not images.starts(text):
                out[-1] = dataclasses.replace(cmd, resolved=True)
            if cmd.remote:  # a script run on the host runs all it calls there too
                found = [dataclasses.replace(c, remote=True) for c in found]
            if cmd.ignored:  # `npm run lint || echo done`: no failure inside can stop the pipeline either
                found = [dataclasses.replace(c, ignored=True) for c in found]
            if cmd.scope is not None:  # what an image runs sees only the image's files
                found = [c if c.scope is not None else dataclasses.replace(c, scope=cmd.scope) for c in found]
            out.extend(found)
    return out


def _cd(text: str, cwd: str) -> str | None:
    """The folder a ``cd`` moves to (repository-relative), or None when ``text`` is not one we
    can follow (``cd $DIR`` leaves us where we were)."""
    if not text.startswith(("cd ", "pushd ")):
        return None
    target = text.split(None, 1)[1].strip().strip("'\"")
    if "$" in target or target.startswith(("/", "~")):
        return cwd
    return join(cwd, target)


def folder_of(cmd: Command) -> str | None:
    """The folder a command reached through the repository runs for: the folder of the
    package.json, Makefile, justfile, Taskfile, tox.ini or noxfile that holds it (None when it
    is written in the pipeline itself or in a script, which run wherever they are called); what
    an image built here runs sees the files the image holds (its ``scope``)."""
    name = posixpath.basename(cmd.path)
    if cmd.path and name in _RUNNER_FILES:
        return posixpath.dirname(cmd.path)
    return cmd.scope or None


_RUNNER_FILES = {"package.json", "Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", ".justfile",
                 "Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "tox.ini", "noxfile.py",
                 "pyproject.toml"}


def _resolve(sub: Submission, text: str, cwd: str, via: tuple[str, ...], depth: int, seen: frozenset,
             budget: Budget, built: dict) -> list[Command] | None:
    """The commands ``text`` runs, read from the repository; None when it runs nothing we can
    read (a tool, a script outside the repository...), which leaves it judged by its name."""
    if depth >= MAX_DEPTH or budget.left <= 0:
        return None
    started = started_by_runner(text)  # `uv run bash scripts/tests.sh`, `poetry run make test`
    if started and started != text:
        text = started
    for name, handler in HANDLERS:
        found = _handled(sub, name, handler, text, cwd, budget.shared)
        if found is None:
            continue
        return _follow(sub, found, text, cwd, via, depth, seen, budget)
    found = images.run(sub, text, cwd, built)  # not memoised: what it finds depends on the images built before
    return _follow(sub, found, text, cwd, via, depth, seen, budget) if found else None


def _follow(sub: Submission, found, text: str, cwd: str, via: tuple[str, ...], depth: int, seen: frozenset,
            budget: Budget) -> list[Command] | None:
    """The commands ``found`` for ``text``, each followed in turn (a cycle stops where it closes)."""
    key, commands = found
    if key in seen:
        return []  # a cycle: what it runs is already being read
    taken = budget.take(commands, f"`{text[:60]}`")
    if taken is None:
        return None
    children: list[Command] = []
    for cmd in taken:
        if cmd.path:
            children.append(dataclasses.replace(cmd, via=via))
        else:  # an inline script (sh -c '...'): where the command that holds it is
            where, _sep, line = via[-1].rpartition(":")
            children.append(dataclasses.replace(cmd, line=int(line) if line.isdigit() else 0, path=where,
                                                via=via[:-1]))
    inner = next((c.scope for c in children if c.scope is not None), cwd)  # an image's commands run in its files
    return walk(sub, children, "", inner, depth + 1, seen | {key}, budget)


def _handled(sub: Submission, name: str, handler: Handler, text: str, cwd: str, shared: evidence_budget.Budget):
    """What ``handler`` reads for ``text`` in ``cwd``, read once per submission: `make all` in a
    thousand steps reads and splits the target once (each use still spends its commands)."""
    key = ("resolve", name, text, cwd)
    if key not in shared.memo:
        shared.memo[key] = handler(sub, text, cwd)
    return shared.memo[key]
