"""Build: an automatically triggered pipeline that installs dependencies and builds a
versioned artifact."""

from __future__ import annotations

from grader.detectors import detector
from grader.detectors.common import loc
from grader.evidence.commands import is_versioned_build
from grader.evidence.pipeline import read_pipelines
from grader.model import Finding, Location

NO_PIPELINE = ("no CI pipeline found (GitHub Actions in `.github/workflows/*.yml` or "
               "`.gitlab-ci.yml`)")


def live_steps(sub, *, automatic_only: bool = True):
    """(pipeline, job, index, step) for every step that would run in an automatic pipeline."""
    for pipe in read_pipelines(sub):
        if automatic_only and not pipe.automatic:
            continue
        for job in pipe.jobs:
            if job.condition in ("never",):
                continue
            for index, step in enumerate(job.steps):
                if step.condition == "never":
                    continue
                yield pipe, job, index, step


def step_with(sub, category: str, *, automatic_only: bool = True):
    for pipe, job, index, step in live_steps(sub, automatic_only=automatic_only):
        if category in step.categories():
            yield pipe, job, index, step


def where_it_belongs(sub) -> list[Location]:
    """Where a missing pipeline step belongs: the first job of the first automatic pipeline
    (or of the first pipeline), so the finding points at the file to edit."""
    pipes = read_pipelines(sub)
    auto = [p for p in pipes if p.automatic] or pipes
    if not auto:
        return []
    pipe = auto[0]
    return [Location(pipe.path, pipe.jobs[0].line if pipe.jobs else pipe.line)]


def step_evidence(pipe, step, category: str):
    cmds = step.commands_in(category)
    if cmds:
        return loc(pipe.path, cmds[0].line), cmds[0].text
    return loc(pipe.path, step.line), f"uses {step.uses}" if step.uses else step.name


@detector(
    "ci-trigger",
    title="Pipeline runs on every push or pull request",
    looks_for="A CI pipeline that its CI system runs automatically on one of `events` (GitHub "
    "Actions `on:` in every form — string, list, mapping — or GitLab CI, which runs on every "
    "push). A workflow only run by hand (`workflow_dispatch`) or on a schedule doesn't count.",
    why="Automated builds on every commit are what make integration continuous: every change is "
    "built and tested without anyone remembering to do it.",
    params={"events": {"type": "array", "minItems": 1, "items": {
        "enum": ["push", "pull_request", "merge_request", "tag"]}}},
    defaults={"events": ["push", "pull_request"]},
)
def ci_trigger(sub, p):
    pipes = read_pipelines(sub)
    if not pipes:
        return Finding.failed(NO_PIPELINE)
    for pipe in pipes:
        hits = [e for e in p["events"] if e in pipe.triggers]
        if hits:
            return Finding.passed(
                f"{pipe.path} runs on {', '.join(hits)}",
                [loc(pipe.path, pipe.triggers[hits[0]])],
            )
    found = sorted({t for pipe in pipes for t in pipe.triggers})
    return Finding.failed(
        f"{len(pipes)} pipeline(s) found, but none runs on {' or '.join(p['events'])} "
        f"(triggers: {', '.join(found) or 'none'})",
        [loc(pipes[0].path, pipes[0].line)],
    )


@detector(
    "ci-install",
    title="Pipeline installs dependencies",
    looks_for="A step of an automatic pipeline that installs the project's dependencies "
    "(`pip install`, `npm ci`, `poetry install`, `go mod download`, `bundle install`, "
    "`actions/setup-*`...), not in a comment or an `echo`.",
    why="A build that installs its own dependencies runs the same on every machine: no "
    "'works on my machine'.",
)
def ci_install(sub, p):
    if not read_pipelines(sub):
        return Finding.failed(NO_PIPELINE)
    for pipe, job, _index, step in step_with(sub, "install"):
        where, what = step_evidence(pipe, step, "install")
        return Finding.passed(f"job `{job.id}` installs dependencies: {what}", [where])
    return Finding.failed("no step of an automatic pipeline installs dependencies", where_it_belongs(sub))


@detector(
    "ci-build-artifact",
    title="Pipeline builds a versioned artifact",
    looks_for="A step of an automatic pipeline that builds an artifact (`docker build`, "
    "`docker/build-push-action`, `npm run build`, `python -m build`, `mvn package`, `go build`...). "
    "Full credit when the artifact is versioned: a container tag carrying the commit SHA, a "
    "variable or a semantic version, not `latest`; packages carry their own version.",
    why="Every build should produce one immutable, uniquely versioned artifact that is tested "
    "once and promoted unchanged to every environment.",
    params={"unversioned_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"unversioned_credit": 0.5},
)
def ci_build_artifact(sub, p):
    if not read_pipelines(sub):
        return Finding.failed(NO_PIPELINE)
    unversioned = None
    for pipe, job, _index, step in step_with(sub, "build"):
        where, what = step_evidence(pipe, step, "build")
        if step.uses and "build-push-action" in step.uses:
            tags = str(step.with_.get("tags") or "")
            versioned = "$" in tags or any(ch.isdigit() for ch in tags.replace("latest", ""))
        else:
            versioned = any(is_versioned_build(c.text) for c in step.commands_in("build"))
        if versioned:
            return Finding.passed(f"job `{job.id}` builds a versioned artifact: {what}", [where])
        unversioned = unversioned or (where, what, job.id)
    if unversioned:
        where, what, job_id = unversioned
        return Finding.ratio(
            p["unversioned_credit"],
            f"job `{job_id}` builds an artifact ({what}) but gives it no unique version "
            "(tag it with the commit SHA or a release version, not `latest`)",
            [where],
        )
    return Finding.failed("no step of an automatic pipeline builds an artifact", where_it_belongs(sub))
