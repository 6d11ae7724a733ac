"""Bitbucket Pipelines (``bitbucket-pipelines.yml``) into the pipeline model: ``pipelines``
``default`` (every push), ``branches``, ``pull-requests``, ``tags`` and ``custom`` (started by
hand), ``step``s in order (``parallel`` and ``stage`` groups flattened), their ``script`` and
``after-script`` (which runs whatever happened), ``trigger: manual``, ``deployment`` and
``pipe:`` integrations (``atlassian/aws-ecs-deploy``...)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import split_script
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "bitbucket"
NAME = "Bitbucket Pipelines"
WHERE = "`bitbucket-pipelines.yml`"
PREFIXES = ()

TERMS = {
    "ci": "Bitbucket Pipelines", "ci_file": "bitbucket-pipelines.yml", "commit_sha": "$BITBUCKET_COMMIT",
    "on_change": "a `default` pipeline (it runs for every push)", "on_failure": "`after-script` checking "
    "`$BITBUCKET_EXIT_CODE`", "on_tags": "`pipelines: tags: 'v*':`",
}

# What pipes do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    "build": ("atlassian/aws-ecr-push-image",),
    "publish": ("atlassian/aws-ecr-push-image",),
    "deploy": ("atlassian/aws-ecs-deploy", "atlassian/aws-elasticbeanstalk-deploy", "atlassian/kubectl-run",
               "atlassian/helm-run", "atlassian/heroku-deploy", "atlassian/azure-web-apps-deploy",
               "atlassian/ssh-run", "atlassian/aws-lambda-deploy", "atlassian/google-cloud-run-deploy",
               "atlassian/firebase-deploy"),
}
# Those that run a script on a server over SSH: what they do is what the script does.
SSH_ACTIONS = frozenset({"atlassian/ssh-run"})

_SECTIONS = {"default": "push", "branches": "push", "pull-requests": "pull_request", "tags": "tag", "custom": "manual"}


def matches(path: str) -> bool:
    return path == "bitbucket-pipelines.yml"


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    return read_bitbucket(path, docs[0]) if docs else None


def _flatten(items) -> list[tuple[dict, int]]:
    """(step body, line) of every step, ``parallel``/``stage`` groups flattened, in order."""
    out: list[tuple[dict, int]] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        line = item_line(items, i)
        if isinstance(item.get("step"), dict):
            out.append((item["step"], line_of(item["step"], line) or line))
        par = item.get("parallel")
        if isinstance(par, dict):
            par = par.get("steps")
        if isinstance(par, list):
            out.extend(_flatten(par))
        stage = item.get("stage")
        if isinstance(stage, dict):
            out.extend(_flatten(stage.get("steps")))
    return out


def read_bitbucket(path: str, doc) -> Pipeline | None:
    pipelines = mapping(doc.get("pipelines")) if isinstance(doc, dict) else {}
    if not pipelines:
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    previous: list[str] = []
    for section, trigger in _SECTIONS.items():
        body = pipelines.get(section)
        if body is None:
            continue
        sline = pipelines.line_of(section) if hasattr(pipelines, "line_of") else 1
        groups = [("default", body)] if section == "default" else list(mapping(body).items())
        if groups:
            pipe.triggers.setdefault(trigger, sline or 1)
        for name, items in groups:
            previous = []
            for index, (step, line) in enumerate(_flatten(items)):
                job = Job(f"{section}:{name}:{step.get('name') or index + 1}", line, needs=list(previous))
                job.ephemeral = "self.hosted" not in str(step.get("runs-on", ""))
                if str(step.get("trigger", "")).lower() == "manual" or trigger == "manual":
                    job.condition = "manual"
                if trigger == "tag":
                    job.on_tag, job.tag_line, job.tag_only = True, sline or line, True
                else:  # only the steps under `tags:` run for a tag
                    job.on_tag, job.tag_line = False, line
                for part, cond in (("script", "success"), ("after-script", "always")):
                    script = step.get(part)
                    if not isinstance(script, list):
                        continue
                    st = Step(f"{step.get('name') or 'step'}:{part}", line_of(script, line) or line, condition=cond)
                    for i, entry in enumerate(script):
                        cline = script.line_of(i) if hasattr(script, "line_of") else st.line
                        if isinstance(entry, str):
                            st.commands.extend(split_script(entry, cline or st.line))
                        elif isinstance(entry, dict) and isinstance(entry.get("pipe"), str):
                            pipe_step = Step(f"pipe {entry['pipe']}", cline or st.line, condition=cond,
                                             uses=entry["pipe"].replace("docker://", "").split(":", 1)[0])
                            command = mapping(entry.get("variables")).get("COMMAND")
                            if pipe_step.uses in SSH_ACTIONS and isinstance(command, str) \
                                    and mapping(entry.get("variables")).get("MODE", "command") == "command":
                                pipe_step.commands = [dataclasses.replace(c, remote=True)
                                                      for c in split_script(command, cline or st.line)]
                            job.steps.append(pipe_step)
                    if st.commands:
                        job.steps.append(st)
                pipe.jobs.append(job)
                previous = [job.id]
    return pipe
