"""Google Cloud Build (``cloudbuild.yaml``, anywhere, or a YAML file in a ``cloudbuild/`` folder: a
trigger names the file it runs) into the
pipeline model: its ``steps`` in order, each a container of a builder image (``name:``) run with
its ``args`` (the builder's own tool: ``gcr.io/cloud-builders/docker`` runs ``docker``), or its
``entrypoint`` with those ``args`` (``bash -c '...'`` is a script), or its ``script``; the
``images:`` it pushes once the steps pass. Triggers live in the Google Cloud project, not in the
repository: a build configuration committed is taken as run on push, as Cloud Build's triggers
run it.

Skaffold and Cloud Deploy run from its steps (``skaffold build``, ``gcloud deploy releases
create``) are classified by the tool table like any command."""

from __future__ import annotations

import dataclasses
import posixpath
import shlex
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command, split_script
from grader.patterns import lazy
from grader.yamlload import item_line, line_of

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "cloudbuild"
NAME = "Google Cloud Build"
WHERE = "`cloudbuild.yaml`"
PREFIXES = ()

TERMS = {
    "ci": "Cloud Build", "ci_file": "cloudbuild.yaml", "commit_sha": "$COMMIT_SHA",
    "on_change": "a Cloud Build trigger on push to your branch", "on_failure": "a step with `allowFailure` after it",
    "on_tags": "a Cloud Build trigger on tags",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # builders are read as the tool they run
SSH_ACTIONS: frozenset[str] = frozenset()

_FILE = lazy(r"^(?:[\w-]+\.)?\.?cloudbuild(?:[._-][\w.-]*)?\.ya?ml$")
# builder images whose entrypoint is another tool than the image's name says
_ENTRYPOINTS = {"cloud-sdk": "gcloud", "google-cloud-cli": "gcloud", "cloud-builders-community": "",
                "kaniko-project/executor": "executor", "executor": "executor", "git": "git"}
_SHELLS = frozenset({"bash", "sh", "/bin/bash", "/bin/sh", "/usr/bin/env"})
MAX_ARGS = 200  # words of one step's args read: a command line, not data


_FOLDERS = frozenset({"cloudbuild", "cloud-build", "cloudbuilds"})


def matches(path: str) -> bool:
    """``cloudbuild.yaml`` (``cloudbuild-prod.yaml``, ``deploy.cloudbuild.yaml``...), or any YAML
    file in a ``cloudbuild/`` folder (``infra/cloudbuild/release.yaml``: a trigger names it)."""
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path)).lower()
    yaml_file = name.lower().endswith((".yaml", ".yml"))
    return (bool(_FILE.match(name)) or (folder in _FOLDERS and yaml_file)) and "/node_modules/" not in f"/{path}"


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    doc = docs[0] if docs else None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = pipe.line
    job = Job("build", pipe.line)
    job.ephemeral = True  # every step runs in a container of a fresh build
    steps = doc["steps"]
    for i, raw in enumerate(steps):
        if not isinstance(raw, dict):
            continue
        step = _step(raw, line_of(raw, item_line(steps, i)) or pipe.line)
        if step is not None:
            job.steps.append(step)
    images = doc.get("images")
    if isinstance(images, list) and images:
        line = item_line(images, 0) or pipe.line
        push = Step("images", line)
        push.commands = [Command(f"docker push {image}", item_line(images, j) or line)
                         for j, image in enumerate(images[:MAX_ARGS]) if isinstance(image, str)]
        job.steps.append(push)
    pipe.jobs.append(job)
    return pipe if job.steps else None


def _step(raw: dict, line: int) -> Step | None:
    image = str(raw.get("name") or "")
    step = Step(str(raw.get("id") or image), line, condition="always" if raw.get("allowFailure") is True
                else "success", workdir=str(raw.get("dir") or ""))
    script = raw.get("script")
    args = raw.get("args")
    words = [str(a) for a in args[:MAX_ARGS]] if isinstance(args, list) else (
        args.split()[:MAX_ARGS] if isinstance(args, str) else [])
    entry = str(raw.get("entrypoint") or "")
    if isinstance(script, str):
        step.commands = split_script(script, line + 1)
    elif entry in _SHELLS and len(words) >= 2 and words[0] == "-c":
        step.commands = split_script(words[1], line + 1)
    else:
        tool = posixpath.basename(entry) if entry else builder_tool(image)
        if not tool:
            return step
        step.commands = [Command(" ".join([tool, *(shlex.quote(w) if w and " " in w else w for w in words)]), line)]
    if raw.get("allowFailure") is True:
        step.commands = [_ignored(c) for c in step.commands]
    return step


def _ignored(cmd: Command) -> Command:
    return dataclasses.replace(cmd, ignored=True)


def builder_tool(image: str) -> str:
    """The tool a builder image runs by default: ``gcr.io/cloud-builders/docker`` → ``docker``,
    ``gcr.io/k8s-skaffold/skaffold:v2`` → ``skaffold``, ``python:3.12`` → ``python``."""
    name = image.split("@", 1)[0]
    base = name.rsplit("/", 1)[-1].split(":", 1)[0]
    for suffix, tool in _ENTRYPOINTS.items():
        if name.split(":", 1)[0].endswith(suffix):
            return tool
    return base
