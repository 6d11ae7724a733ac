"""AWS CodeBuild (``buildspec.yml``, anywhere: a project or a CodePipeline stage names the file it
runs) into the pipeline model: its ``phases`` in the order CodeBuild runs them (``install``,
``pre_build``, ``build``, ``post_build``), each phase's ``commands`` then its ``finally``
commands (which run whatever happened). CodeBuild projects are started by a webhook or a
CodePipeline source stage that live in the AWS account: a build specification committed is taken
as run on push."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import split_script
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "codebuild"
NAME = "AWS CodeBuild"
WHERE = "`buildspec.yml`"
PREFIXES = ()

TERMS = {
    "ci": "CodeBuild", "ci_file": "buildspec.yml", "commit_sha": "$CODEBUILD_RESOLVED_SOURCE_VERSION",
    "on_change": "a CodePipeline source stage or a CodeBuild webhook on push",
    "on_failure": "a phase's `finally` block", "on_tags": "a CodeBuild webhook filter on tags",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # no actions of its own: steps are commands
SSH_ACTIONS: frozenset[str] = frozenset()
PHASES = ("install", "pre_build", "build", "post_build")
_FILE = lazy(r"^buildspec(?:[._-][\w.-]*)?\.ya?ml$")
MAX_COMMANDS = 500  # commands of one phase read


def matches(path: str) -> bool:
    return bool(_FILE.match(posixpath.basename(path)))


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    doc = docs[0] if docs else None
    phases = mapping(doc.get("phases")) if isinstance(doc, dict) else {}
    if not phases:
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = pipe.line
    job = Job("build", pipe.line)
    job.ephemeral = True  # a fresh build container
    for name in PHASES:
        body = mapping(phases.get(name))
        for key, cond in (("commands", "success"), ("finally", "always")):
            step = _phase(f"{name}" if key == "commands" else f"{name}: finally", body.get(key), cond,
                          line_of(body, pipe.line) or pipe.line)
            if step is not None:
                job.steps.append(step)
    pipe.jobs.append(job)
    return pipe if job.steps else None


def _phase(name: str, value, cond: str, line: int) -> Step | None:
    if isinstance(value, dict):  # `finally: commands: [...]` in some specifications
        value = value.get("commands")
    entries = value if isinstance(value, list) else ([value] if isinstance(value, str) else [])
    if not entries:
        return None
    step = Step(name, line, condition=cond)
    for i, cmd in enumerate(entries[:MAX_COMMANDS]):
        if isinstance(cmd, str):
            step.commands.extend(split_script(cmd, item_line(value, i) or line))
    return step
