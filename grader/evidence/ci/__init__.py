"""CI pipelines of every system, read into one model (:mod:`grader.evidence.ci.model`).

:data:`READERS` is the registry: one module per CI system, each exporting

* ``SYSTEM`` (a short id, ``"github"``), ``NAME`` (``"GitHub Actions"``), ``WHERE`` (where
  its configuration lives, for messages) and ``PREFIXES`` (paths that are its configuration),
* ``matches(path) -> bool``: is this file (a path relative to the submission) one of its
  pipelines, one that the system would actually run,
* ``read(sub, path) -> Pipeline | None``,
* ``TERMS``: how hints say things in this system (``{ci_file}``, ``{on_failure}``...),
* optionally ``link(pipelines)``: fix-ups across that system's pipelines once all are read.

Everything that names CI systems (the "no pipeline" message, hints, which YAML files are CI
configuration rather than manifests) is derived from this registry, so adding a CI system is
one module here, one line in :data:`READERS`, and its golden fixtures in ``tests/cases/ci/``.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from grader.evidence.ci.model import Job, Pipeline, Step

__all__ = ["READERS", "Job", "Pipeline", "Step", "is_ci_config", "no_pipeline_message",
           "read_pipelines", "readers"]

# Module names under grader.evidence.ci, imported on first use.
READERS: tuple[str, ...] = ("github", "gitlab", "circleci", "jenkins", "azure", "bitbucket", "drone", "travis",
                            "harness", "tekton")

_loaded: list[ModuleType] = []


def readers() -> list[ModuleType]:
    if not _loaded:
        _loaded.extend(importlib.import_module(f"grader.evidence.ci.{name}") for name in READERS)
    return _loaded


def reader_for(path: str) -> ModuleType | None:
    return next((r for r in readers() if r.matches(path)), None)


def is_ci_config(path: str) -> bool:
    """Is this file a CI system's configuration (not, say, a Kubernetes manifest)?"""
    return any(r.matches(path) or path.startswith(r.PREFIXES) for r in readers())


_TERM = re.compile(r"\{(ci|ci_file|commit_sha|on_change|on_failure|on_tags)\}")


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
    (re.compile(r"^(.+/)\.github/workflows/[^/]+\.ya?ml$"),
     "GitHub runs only the workflows in the repository's top-level .github/workflows/"),
    (re.compile(r"^(.+/)\.circleci/config\.ya?ml$"), "CircleCI reads only the top-level .circleci/config.yml"),
    (re.compile(r"^(.+/)(?:bitbucket-pipelines|\.travis|\.drone)\.ya?ml$"),
     "Bitbucket, Travis and Drone read their file only at the repository's top level"),
)


def misplaced_ci(sub) -> list[tuple[str, str]]:
    """(path, why it never runs) of CI files below the folder their system reads them from —
    the usual slip when a project is committed inside a folder of the repository."""
    found = []
    for rel in sub.files:
        if reader_for(rel) is not None:
            continue
        for pattern, why in _MISPLACED:
            if pattern.match(rel):
                found.append((rel, why))
                break
    return found


def read_pipelines(sub) -> list[Pipeline]:
    """Every pipeline in the submission that its CI system would actually run (cached)."""
    cached = sub.memo("pipelines")
    if cached is not None:
        return cached
    from grader.evidence import budget

    if sub.memo("pipelines-started"):  # an earlier check's time budget cut the read short
        raise budget.Interrupted("reading the pipelines was cut short in an earlier check (its time budget)")
    sub.memo("pipelines-started", True)
    pipes: list[Pipeline] = []
    for rel in sub.files:
        reader = reader_for(rel)
        if reader is None:
            continue
        pipe = reader.read(sub, rel)
        if pipe is not None:
            pipes.append(pipe)
    for reader in readers():
        link = getattr(reader, "link", None)
        if link is not None:
            link([p for p in pipes if p.system == reader.SYSTEM])
    for pipe in pipes:
        pipe.finish()
        _follow(sub, pipe)
    budget.note(sub)
    return sub.memo("pipelines", pipes)


def _follow(sub, pipe: Pipeline) -> None:
    """What each step runs through the repository (scripts, Makefile targets, package.json
    scripts, local actions...), put into the step: see :mod:`grader.evidence.resolve`."""
    from grader.evidence.resolve import composite_commands, expand, image_action_commands

    for job in pipe.jobs:
        for step in job.steps:
            if step.uses and step.uses.startswith("./") and not step.uses.endswith((".yml", ".yaml")):
                step.commands = step.commands + composite_commands(sub, step.uses, (f"{pipe.path}:{step.line}",))
            elif step.uses and not step.commands:  # an image build action runs its Dockerfile's RUN lines
                step.commands = image_action_commands(sub, step.uses, step.with_, (f"{pipe.path}:{step.line}",))
            if step.commands:
                step.commands = expand(sub, step.commands, pipe.path, step.workdir)
