"""CI pipelines of every system, read into one model (:mod:`grader.evidence.ci.model`).

:data:`READERS` is the registry: one module per CI system, each a :class:`Reader` (mypy checks
every module listed against it), exporting

* ``SYSTEM`` (a short id, ``"github"``), ``NAME`` (``"GitHub Actions"``), ``WHERE`` (where
  its configuration lives, for messages) and ``PREFIXES`` (paths that are its configuration),
* ``matches(path) -> bool``: is this file (a path relative to the submission) one of its
  pipelines, one that the system would actually run,
* ``read(sub, path) -> Pipeline | None``,
* ``TERMS``: how hints say things in this system (``{ci_file}``, ``{on_failure}``...),
* ``ACTIONS``: what its actions (tasks, orbs, pipes, plugins, step types) do, category → names
  as its steps' ``uses`` say them; ``SSH_ACTIONS``: those that run a script on a server,
* optionally ``link(pipelines)``: fix-ups across that system's pipelines once all are read,
  listed in :data:`LINKS`.

Everything that names CI systems (the "no pipeline" message, hints, which YAML files are CI
configuration rather than manifests, what actions do) is derived from this registry, so adding
a CI system is one module here, one entry in :data:`READERS`, and its golden fixtures in
``tests/cases/ci/``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from grader.evidence.ci import (
    azure,
    bitbucket,
    circleci,
    cloudbuild,
    codebuild,
    codepipeline,
    drone,
    github,
    gitlab,
    harness,
    jenkins,
    tekton,
    travis,
)
from grader.evidence.ci.model import Job, Pipeline, Step
from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

__all__ = ["LINKS", "READERS", "Job", "Pipeline", "Reader", "Step", "action_categories", "ci_files", "is_ci_config",
           "no_pipeline_message", "read_pipelines", "readers", "ssh_action"]


class Reader(Protocol):
    """What a CI system's reader module provides (read-only: a module's constants)."""

    @property
    def SYSTEM(self) -> str: ...  # a short id: "github"

    @property
    def NAME(self) -> str: ...  # "GitHub Actions"

    @property
    def WHERE(self) -> str: ...  # where its configuration lives, for messages

    @property
    def PREFIXES(self) -> tuple[str, ...]: ...  # paths that are its configuration

    @property
    def TERMS(self) -> Mapping[str, str]: ...  # how hints say things ({ci_file}, {on_failure}...)

    @property
    def ACTIONS(self) -> Mapping[str, tuple[str, ...]]: ...  # what its actions do: category -> names

    @property
    def SSH_ACTIONS(self) -> frozenset[str]: ...  # actions that run a script on a server

    def matches(self, path: str) -> bool: ...

    def read(self, sub: Submission, path: str) -> Pipeline | None: ...


READERS: tuple[Reader, ...] = (github, gitlab, circleci, jenkins, azure, bitbucket, drone, travis, harness, tekton,
                               cloudbuild, codebuild, codepipeline)
# Fix-ups across one system's pipelines once all are read: SYSTEM -> link(that system's pipelines).
LINKS: dict[str, Callable[[list[Pipeline]], None]] = {github.SYSTEM: github.link}


def readers() -> tuple[Reader, ...]:
    return READERS


def reader_for(path: str) -> Reader | None:
    return next((r for r in READERS if r.matches(path)), None)


@functools.cache
def _action_table() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Every reader's ``ACTIONS`` (category → names) and ``SSH_ACTIONS``, merged: a step may use
    another system's actions (Harness runs GitHub actions and Drone plugins)."""
    table: dict[str, set[str]] = {}
    ssh: set[str] = set()
    for reader in readers():
        for category, names in reader.ACTIONS.items():
            table.setdefault(category, set()).update(names)
        ssh |= reader.SSH_ACTIONS
    return {c: frozenset(n) for c, n in table.items()}, frozenset(ssh)


def action_categories(uses: str) -> set[str]:
    """What a step's action does (``uses:`` matched by owner/name, any ref)."""
    if not isinstance(uses, str):
        return set()
    name = uses.split("@", 1)[0].strip().lower()
    return {cat for cat, names in _action_table()[0].items() if name in names}


def ssh_action(uses: str) -> bool:
    """Does the action run a script on a server over SSH (what it does is what the script does)?"""
    return uses.split("@")[0].lower() in _action_table()[1]


def is_ci_config(sub: Submission, path: str) -> bool:
    """Is this file a CI system's configuration (not, say, a Kubernetes manifest)? A pipeline of
    :func:`ci_files`, or a file where a system keeps its configuration."""
    return path in ci_files(sub) or path.startswith(_PREFIXES)


_PREFIXES = tuple(prefix for reader in READERS for prefix in reader.PREFIXES)
# Every pipeline file a reader matches is YAML, or named like a pipeline whatever its suffix: the
# index asks the readers about these files only. tests/test_ci_systems.py checks each reader's own examples against it.
_PIPELINE_SUFFIXES = (".yml", ".yaml")
# names of any suffix: Jenkinsfiles, and a pipeline's infrastructure code (AWS CodePipeline's CDK
# stacks and CloudFormation templates: `pipeline_stack.py`, `pipeline.template`)
_PIPELINE_NAME_PARTS = ("jenkinsfile", "pipeline")


def could_be_pipeline(path: str) -> bool:
    """Can any reader take this file for a pipeline, by its name alone (see :func:`ci_files`)?"""
    low = path.lower()
    name = low.rpartition("/")[2]
    return low.endswith(_PIPELINE_SUFFIXES) or any(part in name for part in _PIPELINE_NAME_PARTS)


def ci_files(sub: Submission) -> dict[str, Reader]:
    """Every file of the submission that a CI system runs as a pipeline, with its reader, in the
    submission's order. Built once per submission from the files whose name or suffix can be a
    pipeline's (the suffix index and one pass over the names), so a reader is asked about those
    files only, once — not about every file by every question."""
    cached = sub.memo("ci-files")
    if cached is not None:
        return cached
    candidates = set(sub.by_suffix(*_PIPELINE_SUFFIXES))
    # could_be_pipeline asked only of paths holding a part (in lower case, as the index keeps them)
    files, lower = sub.files, sub.lower_files
    for part in _PIPELINE_NAME_PARTS:
        candidates.update(files[i] for i, low in enumerate(lower) if part in low and could_be_pipeline(files[i]))
    index: dict[str, Reader] = {}
    for rel in sorted(candidates):  # the submission's files are sorted
        reader = reader_for(rel)
        if reader is not None:
            index[rel] = reader
    return sub.memo("ci-files", index)


_TERM = lazy(r"\{(ci|ci_file|commit_sha|on_change|on_failure|on_tags)\}")


def terms(pipes: list[Pipeline]) -> dict[str, str]:
    """How hints name things in the CI system the repository uses (its first pipeline's;
    GitHub Actions when it has none)."""
    by_system = {r.SYSTEM: r for r in readers()}
    reader = by_system.get(pipes[0].system) if pipes else None
    return dict((reader or readers()[0]).TERMS)


def phrase(text: str, words: dict[str, str]) -> str:
    """A hint with its ``{ci}``, ``{ci_file}``, ``{commit_sha}``, ``{on_change}``, ``{on_failure}``
    and ``{on_tags}`` filled in (any other braces are left as they are)."""
    return _TERM.sub(lambda m: words.get(m.group(1), m.group(0)), text)


def no_pipeline_message(sub=None) -> str:
    where = ", ".join(f"{r.NAME} in {r.WHERE}" for r in readers())
    message = f"no CI pipeline found ({where})"
    stray = misplaced_ci(sub) if sub is not None else []
    if stray:
        path, place = stray[0]
        message += f"; {path} is a pipeline in the wrong place: {place}"
    return message


_MISPLACED = (
    (lazy(r"^(.+/)\.github/workflows/[^/]+\.ya?ml$"),
     "GitHub runs only the workflows in the repository's top-level .github/workflows/"),
    (lazy(r"^(.+/)\.circleci/config\.ya?ml$"), "CircleCI reads only the top-level .circleci/config.yml"),
    (lazy(r"^(.+/)(?:bitbucket-pipelines|\.travis|\.drone)\.ya?ml$"),
     "Bitbucket, Travis and Drone read their file only at the repository's top level"),
)


def misplaced_ci(sub: Submission) -> list[tuple[str, str]]:
    """(path, why it never runs) of CI files below the folder their system reads them from —
    the usual slip when a project is committed inside a folder of the repository."""
    cached = sub.memo("ci-misplaced")
    if cached is not None:
        return cached
    found = []
    pipelines = ci_files(sub)
    for rel in sub.by_suffix(*_PIPELINE_SUFFIXES):  # every misplaced form is a YAML file
        if rel in pipelines:
            continue
        for pattern, why in _MISPLACED:
            if pattern.match(rel):
                found.append((rel, why))
                break
    return sub.memo("ci-misplaced", found)


def read_pipelines(sub: Submission) -> list[Pipeline]:
    """Every pipeline in the submission that its CI system would actually run (cached)."""
    cached = sub.memo("pipelines")
    if cached is not None:
        return cached
    from grader.evidence import budget

    if sub.memo("pipelines-started"):  # an earlier check's time budget cut the read short
        raise budget.Interrupted("reading the pipelines was cut short in an earlier check (its time budget)")
    sub.memo("pipelines-started", True)
    pipes: list[Pipeline] = []
    for rel, reader in ci_files(sub).items():
        pipe = reader.read(sub, rel)
        if pipe is not None:
            pipes.append(pipe)
    for reader in READERS:
        link = LINKS.get(reader.SYSTEM)
        if link is not None:
            link([p for p in pipes if p.system == reader.SYSTEM])
    for pipe in pipes:
        pipe.finish()
        _follow(sub, pipe)
    budget.note(sub)
    return sub.memo("pipelines", pipes)


def _follow(sub: Submission, pipe: Pipeline) -> None:
    """What each step runs through the repository (scripts, Makefile targets, package.json
    scripts, local actions...), put into the step: see :mod:`grader.evidence.resolve`."""
    from grader.evidence.resolve import composite_commands, expand, image_action_commands

    for job in pipe.jobs:
        for step in job.steps:
            if step.elsewhere is not None and step.uses and action_categories(step.uses):
                step.elsewhere = None  # an action a reader knows is read as its reader says
            if step.uses and step.uses.startswith("./") and not step.uses.endswith((".yml", ".yaml")):
                step.commands = step.commands + composite_commands(sub, step.uses, (f"{pipe.path}:{step.line}",))
            elif step.uses and not step.commands:  # an image build action runs its Dockerfile's RUN lines
                step.commands = image_action_commands(sub, step.uses, step.with_, (f"{pipe.path}:{step.line}",))
            if step.commands:
                step.commands = expand(sub, step.commands, pipe.path, step.workdir)
