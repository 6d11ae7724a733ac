"""Harness pipelines (``.harness/``) into the pipeline model.

Two formats are read:

* Harness CI/CD (YAML v0): ``pipeline: stages: - stage: {type, spec: execution: steps}``, with
  ``parallel`` and ``stepGroup`` blocks, ``rollbackSteps`` (run when the stage fails), ``when``
  (``stageStatus``/``pipelineStatus``: ``Failure``, ``All``) and the common step types read as
  what they stand for (``Run``/``ShellScript`` scripts, ``RunTests``, ``BuildAndPush*`` → a
  ``docker build`` and ``docker push``, ``Plugin``/``Action``, Kubernetes/Helm/ECS/... deploy and
  rollback steps, ``Http`` checks). A pipeline starts on the triggers kept beside it
  (``trigger: pipelineIdentifier:``, ``source: Webhook`` Push/PullRequest/Tag, ``Scheduled``);
  one with no trigger in the repository is started by hand. An approval (a ``HarnessApproval``
  step or an ``Approval`` stage) makes what follows it manual.
* Harness Open Source (``kind: pipeline``, ``spec: stages: - type: ci, spec: steps:``), whose
  pipelines get a default trigger for pushes and pull requests.

Harness substitutes its expressions (``<+pipeline.sequenceId>``) before a script runs; they are
read as variables.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command, split_script
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "harness"
NAME = "Harness"
WHERE = "`.harness/*.yaml`"
PREFIXES = (".harness/",)

TERMS = {
    "ci": "Harness", "ci_file": ".harness/pipeline.yaml", "commit_sha": "<+codebase.commitSha>",
    "on_change": "a trigger on Push and PullRequest events (kept in .harness/)",
    "on_failure": "`when: stageStatus: Failure` (or the stage's `rollbackSteps`)",
    "on_tags": "a trigger on tag pushes",
}

# What step types (read as `harness/<type>`, lower-cased) do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    "deploy": ("harness/k8srollingdeploy", "harness/k8scanarydeploy", "harness/k8sbluegreendeploy",
               "harness/k8sapply", "harness/helmdeploy", "harness/helmbgdeploy", "harness/helmcanarydeploy",
               "harness/serverlessawslambdadeploy", "harness/serverlessawslambdadeployv2",
               "harness/awslambdadeploy", "harness/ecsrollingdeploy", "harness/ecscanarydeploy",
               "harness/ecsbluegreencreateservice", "harness/azurewebappslotdeployment",
               "harness/tasrollingdeploy", "harness/asgrollingdeploy", "harness/googlefunctionsdeploy",
               "harness/command", "harness/terraformapply", "harness/cloudformationcreatestack",
               "harness/azurecreatearmresource", "harness/gitopssync"),
    "rollback": ("harness/k8srollingrollback", "harness/helmrollback", "harness/ecsrollingrollback",
                 "harness/terraformrollback", "harness/azurewebapprollback", "harness/tasrollback",
                 "harness/serverlessawslambdarollback", "harness/serverlessawslambdarollbackv2",
                 "harness/awslambdarollback", "harness/asgrollingrollback",
                 "harness/googlefunctionsrollback", "harness/cloudformationrollbackstack"),
    "verify": ("harness/http", "harness/verify"),
}
SSH_ACTIONS: frozenset[str] = frozenset()

# Harness expressions, replaced before the shell reads the script (bounded: linear).
_EXPR = lazy(r"<\+[^<>\n]{0,400}>")

# Other step types are read as pseudo-actions ``harness/<type>``: those that deploy, roll back
# or verify have their categories in ACTIONS below.
# RunTests build tools: (the command, its arguments when the step gives none)
_TEST_TOOLS = {"maven": ("mvn", "test"), "gradle": ("gradle", "test"), "bazel": ("bazel", "test //..."),
               "dotnet": ("dotnet", "test"), "pytest": ("pytest", ""), "unittest": ("python", "-m unittest"),
               "sbt": ("sbt", "test"), "go": ("go", "test ./..."), "rspec": ("rspec", "")}
_BUILD_PUSH = ("buildandpushdockerregistry", "buildandpushecr", "buildandpushgcr", "buildandpushgar",
               "buildandpushacr")


def matches(path: str) -> bool:
    low = path.lower()
    return low.startswith(".harness/") and low.endswith((".yml", ".yaml"))


def _expr(text: str) -> str:
    return _EXPR.sub("${HARNESS_EXPR}", text)


def _script(text, line: int) -> list[Command]:
    if not isinstance(text, str):
        return []
    return split_script(_expr(text), line + (1 if "\n" in text.rstrip("\n") else 0))


def _when(raw) -> str:
    when = mapping(raw.get("when")) if isinstance(raw, dict) else {}
    status = str(when.get("stageStatus") or when.get("pipelineStatus") or "").lower()
    if str(when.get("condition", "")).strip().lower() == "false":
        return "never"
    return {"failure": "failure", "all": "always"}.get(status, "success")


def _ignores_failure(raw: dict) -> bool:
    strategies = raw.get("failureStrategies")
    return isinstance(strategies, list) and any(
        str(mapping(mapping(mapping(s).get("onFailure")).get("action")).get("type", "")).lower() == "ignore"
        for s in strategies)


def _step(raw: dict, line: int, condition: str) -> Step | None:
    kind = str(raw.get("type") or "")
    low = kind.lower()
    spec = mapping(raw.get("spec"))
    name = str(raw.get("name") or raw.get("identifier") or kind)
    step = Step(name, line, condition=condition)
    if low == "run":
        step.commands = _script(spec.get("command"), spec.line_of("command") if hasattr(spec, "line_of") else line)
    elif low == "shellscript":
        source = mapping(spec.get("source"))
        inner = mapping(source.get("spec"))
        step.commands = _script(inner.get("script"), inner.line_of("script") if hasattr(inner, "line_of") else line)
        if str(mapping(spec.get("executionTarget")).get("host") or "").strip():  # run on a target host over SSH
            step.commands = [dataclasses.replace(c, remote=True) for c in step.commands]
    elif low == "runtests":
        pre = _script(spec.get("preCommand"), spec.line_of("preCommand") if hasattr(spec, "line_of") else line)
        tool = _TEST_TOOLS.get(str(spec.get("buildTool") or "").lower())
        args = spec.get("args")
        if tool:
            binary, default = tool
            extra = _expr(args).strip() if isinstance(args, str) else ""
            step.commands = pre + [Command(f"{binary} {extra or default}".strip(), line)]
        else:
            step.commands = pre
    elif low in _BUILD_PUSH:
        tags = spec.get("tags")
        tag = _expr(str(tags[0])) if isinstance(tags, list) and tags else "latest"
        repo = _expr(str(spec.get("repo") or spec.get("imageName") or "image"))
        file = f" -f {_expr(str(spec['dockerfile']))}" if isinstance(spec.get("dockerfile"), str) else ""
        context = _expr(str(spec.get("context") or "."))
        step.commands = [Command(f"docker build -t {repo}:{tag}{file} {context}", line),
                         Command(f"docker push {repo}:{tag}", line)]
        step.uses = f"harness/{kind}"
    elif low == "plugin":
        image = str(spec.get("image") or "")
        step.uses = image.split(":", 1)[0] if image else None
        step.with_ = mapping(spec.get("settings"))
    elif low == "action":
        step.uses = str(spec.get("uses") or "") or None
        step.with_ = mapping(spec.get("with"))
    elif low == "background":
        return None  # a service container beside the stage's steps
    elif low == "command":  # commands run on the target hosts (SSH/WinRM deployments)
        units = spec.get("commandUnits")
        for unit in units if isinstance(units, list) else []:
            inner = mapping(mapping(mapping(unit).get("spec")).get("source"))
            script = mapping(inner.get("spec")).get("script")
            step.commands.extend(dataclasses.replace(c, remote=True) for c in _script(script, line))
        step.uses = "harness/Command"
    elif kind:
        step.uses = f"harness/{kind}"
    if _ignores_failure(raw):
        step.commands = [dataclasses.replace(c, ignored=True) for c in step.commands]
    return step


def _items(items, job: Job, condition: str, gated: list[bool]) -> None:
    """The steps of a v0 ``steps:`` list into ``job``: ``step``, ``parallel`` and ``stepGroup``
    entries, each with its own condition; after an approval step, what follows is manual."""
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        line = line_of(item, item_line(items, i)) or job.line
        if isinstance(item.get("parallel"), list):
            _items(item["parallel"], job, condition, gated)
        group = item.get("stepGroup")
        if isinstance(group, dict):
            cond = _when(group) if _when(group) != "success" else condition
            _items(group.get("steps"), job, cond, gated)
            _items(group.get("rollbackSteps"), job, "failure", gated)
        raw = item.get("step")
        if not isinstance(raw, dict):
            continue
        if str(raw.get("type") or "").lower().endswith("approval"):
            gated[0] = True
            continue
        own = _when(raw)
        cond = own if own != "success" else condition
        if gated[0] and cond == "success":
            cond = "manual"
        step = _step(raw, line_of(raw, line) or line, cond)
        if step is not None:
            job.steps.append(step)


def _stages(pipe: Pipeline, stages, previous: list[str], gated: list[bool]) -> list[str]:
    for i, item in enumerate(stages if isinstance(stages, list) else []):
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("parallel"), list):
            ids: list[str] = []
            for sub_item in item["parallel"]:
                ids.extend(_stages(pipe, [sub_item], previous, [gated[0]]))
            previous = ids or previous
            continue
        raw = item.get("stage")
        if not isinstance(raw, dict):
            continue
        line = line_of(raw, item_line(stages, i)) or pipe.line
        kind = str(raw.get("type") or "").lower()
        if kind == "approval":
            gated[0] = True
            continue
        job = Job(str(raw.get("identifier") or raw.get("name") or f"stage{i + 1}"), line, needs=list(previous),
                  stage=str(raw.get("name") or "") or None)
        spec = mapping(raw.get("spec"))
        runtime = str(mapping(spec.get("runtime")).get("type") or mapping(spec.get("infrastructure")).get("type") or "")
        job.ephemeral = kind == "ci" and runtime.lower() in ("cloud", "kubernetesdirect", "kuberneteshosted", "vm",
                                                             "docker")
        execution = mapping(spec.get("execution"))
        stage_gate = [gated[0]]
        _items(execution.get("steps"), job, "success", stage_gate)
        _items(execution.get("rollbackSteps"), job, "failure", [False])
        job.condition = _when(raw)
        if gated[0] and job.condition == "success":
            job.condition = "manual"
        pipe.jobs.append(job)
        previous = [job.id]
    return previous


def _triggers(sub: Submission) -> dict[str, list[tuple[str, int]]]:
    """pipelineIdentifier → (event, line) of the enabled triggers kept in the repository."""
    cached = sub.memo("harness-triggers")
    if cached is not None:
        return cached
    found: dict[str, list[tuple[str, int]]] = {}
    for rel in sub.files:
        if not matches(rel):
            continue
        docs = sub.yaml_docs_quiet(rel) or []
        trigger = mapping(docs[0]).get("trigger") if docs and isinstance(docs[0], dict) else None
        if not isinstance(trigger, dict) or trigger.get("enabled") is False:
            continue
        source = mapping(trigger.get("source"))
        kind = str(source.get("type") or "").lower()
        line = line_of(trigger, 1) or 1
        event = None
        if kind == "scheduled":
            event = "schedule"
        elif kind == "webhook":
            spec = mapping(mapping(source.get("spec")).get("spec"))
            what = str(spec.get("type") or "").lower()
            conditions = str(mapping(spec.get("spec")).get("payloadConditions") or "") + \
                str(mapping(spec.get("spec")).get("jexlCondition") or "")
            if what == "push":
                event = "tag" if "refs/tags" in conditions else "push"
            elif what in ("pullrequest", "mergerequest"):
                event = "pull_request"
            elif what in ("tag", "release"):
                event = "tag"
        if event:
            found.setdefault(str(trigger.get("pipelineIdentifier") or ""), []).append((event, line))
    return sub.memo("harness-triggers", found)


def _read_v0(sub: Submission, path: str, doc: dict) -> Pipeline | None:
    body = doc.get("pipeline")
    if not isinstance(body, dict) or not isinstance(body.get("stages"), list):
        return None
    ident = str(body.get("identifier") or "")
    pipe = Pipeline(SYSTEM, path, line_of(body, 1) or 1, str(body.get("name") or ident or path))
    for event, _line in _triggers(sub).get(ident, []):
        pipe.triggers.setdefault(event, pipe.line)  # the trigger's own file is beside the pipeline
    if not pipe.triggers:
        pipe.triggers["manual"] = pipe.line
    _stages(pipe, body["stages"], [], [False])
    return pipe


def _read_oss(path: str, doc: dict) -> Pipeline | None:
    stages = mapping(doc.get("spec")).get("stages")
    if not isinstance(stages, list):
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, str(doc.get("name") or path))
    pipe.triggers["push"] = pipe.line  # the default trigger Harness Open Source creates
    pipe.triggers["pull_request"] = pipe.line
    previous: list[str] = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        line = line_of(stage, item_line(stages, i)) or pipe.line
        job = Job(str(stage.get("name") or f"stage{i + 1}"), line, needs=list(previous))
        job.ephemeral = True  # each step runs in its container
        steps = mapping(stage.get("spec")).get("steps")
        _oss_steps(steps, job)
        pipe.jobs.append(job)
        previous = [job.id]
    return pipe


def _oss_steps(steps, job: Job) -> None:
    for j, raw in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(raw, dict):
            continue
        sline = line_of(raw, item_line(steps, j)) or job.line
        kind = str(raw.get("type") or "").lower()
        spec = mapping(raw.get("spec"))
        if kind in ("parallel", "group"):
            _oss_steps(spec.get("steps"), job)
            continue
        when = str(raw.get("when") or "")
        cond = "failure" if re.search(r"build\.status\s*==\s*[\"']failure", when) else "success"
        step = Step(str(raw.get("name") or kind), sline, condition=cond)
        if kind == "run":
            key = "script" if "script" in spec else "run"
            step.commands = _script(spec.get(key), spec.line_of(key) if hasattr(spec, "line_of") else sline)
        elif kind == "plugin":
            step.uses = f"plugins/{spec.get('name')}" if spec.get("name") else None
            step.with_ = mapping(spec.get("inputs"))
        elif kind == "background":
            continue
        job.steps.append(step)


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    doc = docs[0] if docs else None
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("pipeline"), dict):
        return _read_v0(sub, path, doc)
    if doc.get("kind") == "pipeline":
        return _read_oss(path, doc)
    return None
