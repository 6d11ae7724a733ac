"""Azure Pipelines (``azure-pipelines.yml``) into the pipeline model: ``trigger``/``pr`` (an
absent ``trigger`` builds every push; ``trigger: none`` builds none), ``stages`` → ``jobs`` →
``steps``, deployment jobs (``strategy: runOnce: deploy: steps``), ``dependsOn``,
``condition`` (``failed()``, ``always()``, ``succeededOrFailed()``), script steps (``script``,
``bash``, ``pwsh``, ``powershell``) and the common tasks, read as the commands they stand for
(``Docker@2`` buildAndPush → ``docker build`` + ``docker push``, ``Maven@3`` goals → ``mvn``...)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.ci.remote import Remote, named_call
from grader.evidence.shell import Command, split_script
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "azure"
NAME = "Azure Pipelines"
WHERE = "`azure-pipelines.yml`"
PREFIXES = (".azure-pipelines/", ".azuredevops/")

TERMS = {
    "ci": "Azure Pipelines", "ci_file": "azure-pipelines.yml", "commit_sha": "$(Build.SourceVersion)",
    "on_change": "`trigger: [main]` and `pr: [main]`", "on_failure": "`condition: failed()`",
    "on_tags": "`trigger: tags: include: ['v*']`",
}

# What tasks (read as `azure/<task>`, lower-cased) do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    "deploy": ("azure/azurewebapp", "azure/azurermwebappdeployment", "azure/azurefunctionapp",
               "azure/azurecontainerapps", "azure/azurestaticwebapp",
               "azure/azureresourcemanagertemplatedeployment", "azure/azurewebappcontainer"),
    "install": ("azure/usepythonversion", "azure/nodetool"),
}
SSH_ACTIONS: frozenset[str] = frozenset()


def matches(path: str) -> bool:
    low = path.lower()
    # Azure DevOps runs whichever YAML file a pipeline names: the default name at the root or one
    # folder down, any `azure-pipelines*.yml` (pipelines/azure-pipelines-app.yml), or the files of
    # the folders kept for them.
    return _named(low) or _in_pipelines_folder(low)


def _named(low: str) -> bool:
    """A pipeline by its name or its own folder (always read as Azure Pipelines)."""
    name = low.rsplit("/", 1)[-1]
    return (name in ("azure-pipelines.yml", "azure-pipelines.yaml") and low.count("/") <= 1) or \
        (name.startswith("azure-pipelines") and low.endswith((".yml", ".yaml")) and low.count("/") <= 3) or \
        (low.startswith((".azure-pipelines/", ".azuredevops/")) and low.endswith((".yml", ".yaml")) and low.count("/") == 1)


# a folder many projects keep their pipeline definitions in, under any name: read as Azure
# Pipelines only when the file defines a pipeline (see :func:`_defines_pipeline`)
_FOLDERS = ("pipelines/", ".pipelines/", "azure/", ".azure/", "azure-pipelines/", "azuredevops/")


def _in_pipelines_folder(low: str) -> bool:
    return low.startswith(_FOLDERS) and low.endswith((".yml", ".yaml")) and low.count("/") <= 2


def _defines_pipeline(doc) -> bool:
    """A file that defines an Azure pipeline (not a template it uses, nor another tool's YAML):
    its triggers, the resources or template it extends, with stages, jobs, steps or ``extends``."""
    return isinstance(doc, dict) and any(k in doc for k in ("trigger", "pr", "extends", "resources", "schedules")) \
        and any(k in doc for k in ("stages", "jobs", "steps", "extends"))


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    if not docs:
        return None
    if not _named(path.lower()) and not _defines_pipeline(docs[0]):
        return None  # found only by its folder, and no pipeline: a template or another tool's YAML
    return read_azure(path, docs[0])


def _condition(expr) -> str:
    text = str(expr if expr is not None else "").replace(" ", "").lower()  # (`condition: false` too)
    if not text:
        return "success"
    if text.startswith("failed(") or text.startswith("and(failed("):
        return "failure"
    if text.startswith(("always(", "succeededorfailed(")):
        return "always"
    if text in ("false", "eq(1,2)"):
        return "never"
    return "success"


def _triggers(pipe: Pipeline, doc: dict) -> None:
    trigger, line = doc.get("trigger", "absent"), line_of(doc, 1) or 1
    if hasattr(doc, "line_of") and "trigger" in doc:
        line = doc.line_of("trigger") or line
    if trigger == "absent" or isinstance(trigger, list) or (isinstance(trigger, str) and trigger != "none"):
        pipe.triggers["push"] = line
    elif isinstance(trigger, dict):
        if trigger.get("branches") is not None or not trigger.get("tags"):
            pipe.triggers["push"] = line
        if mapping(trigger.get("tags")).get("include"):
            pipe.triggers["tag"] = line
    pr = doc.get("pr", "absent")
    if pr != "none":
        pipe.triggers.setdefault("pull_request", line)
    if doc.get("schedules"):
        pipe.triggers.setdefault("schedule", line)


def _words(value) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def _task_commands(task: str, inputs: dict, line: int) -> list[Command]:
    """The commands a common Azure task stands for (empty when it is not one we know)."""
    name = task.split("@", 1)[0].lower()
    cmd = str(inputs.get("command") or inputs.get("action") or "").lower()
    texts: list[str] = []
    if name == "docker":
        if cmd in ("buildandpush", "build"):
            texts.append("docker build -t $(Build.BuildId) .")
        if cmd in ("buildandpush", "push"):
            texts.append("docker push $(Build.BuildId)")
    elif name == "maven":
        texts.append(f"mvn {_words(inputs.get('goals') or 'package')}")
    elif name == "gradle":
        texts.append(f"gradle {_words(inputs.get('tasks') or 'build')}")
    elif name == "dotnetcorecli" and cmd:
        texts.append(f"dotnet {cmd}")
    elif name == "npm":
        texts.append(f"npm {inputs.get('customCommand') or cmd or 'install'}")
    elif name in ("kubernetesmanifest", "kubernetes") and cmd in ("deploy", "apply", "set", "rollout"):
        texts.append("kubectl apply -f manifests")
    elif name == "helmdeploy" and cmd in ("upgrade", "install"):
        texts.append(f"helm {cmd} release chart")
    elif name in ("cmdline", "bash", "powershell", "pythonscript") and isinstance(inputs.get("script"), str):
        return split_script(inputs["script"], line)
    elif name == "bash" and isinstance(inputs.get("filePath"), str):
        texts.append(f"bash {inputs['filePath']}")
    return [Command(t, line) for t in texts]


def _template_call(raw: dict, repos: dict, job: str = "", stage: str = "") -> Remote | None:
    """``- template: deploy.yml@templates`` (with ``parameters``): a template kept in another
    repository (``resources: repositories:`` names it), read from its name and parameters."""
    template = raw.get("template")
    if not isinstance(template, str) or "@" not in template:
        return None  # a template of this repository (not followed here)
    file, _, alias = template.rpartition("@")
    if alias == "self":
        return None
    name, ref = repos.get(alias, (alias, ""))
    return named_call(name, file, ref, mapping(raw.get("parameters")), job=job, stage=stage)


def repositories(doc) -> dict[str, tuple[str, str]]:
    """``resources: repositories:`` as alias -> (repository name, ref)."""
    found: dict[str, tuple[str, str]] = {}
    items = mapping(doc.get("resources")).get("repositories") if isinstance(doc, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("repository"), str):
            ref = str(item.get("ref") or "").removeprefix("refs/tags/").removeprefix("refs/heads/")
            found[item["repository"]] = (str(item.get("name") or item["repository"]), ref)
    return found


_KEEPS = {"publishbuildartifacts": ("PathtoPublish", "pathToPublish", "pathtoPublish"),
          "publishpipelineartifact": ("targetPath", "path")}


def _kept(task, raw: dict) -> str | None:
    """What a step keeps as the pipeline's artifact: `PublishBuildArtifacts@1`'s `PathtoPublish`,
    `PublishPipelineArtifact@1`'s `targetPath`, the `publish:` shortcut's path."""
    if isinstance(raw.get("publish"), str):
        return raw["publish"]
    keys = _KEEPS.get(task.split("@", 1)[0].lower()) if isinstance(task, str) else None
    inputs = mapping(raw.get("inputs"))
    for key in keys or ():
        if isinstance(inputs.get(key), str):
            return inputs[key]
    return "$(Build.ArtifactStagingDirectory)" if keys else None


def _steps(raw_steps, job: Job, repos: dict | None = None) -> None:
    for i, raw in enumerate(raw_steps if isinstance(raw_steps, list) else []):
        if not isinstance(raw, dict):
            continue
        sline = line_of(raw, item_line(raw_steps, i)) or job.line
        cond = _condition(raw.get("condition"))
        if raw.get("enabled") is False:
            cond = "never"
        call = _template_call(raw, repos or {}, job.id, job.stage or "")
        if call is not None:
            job.steps.append(Step(f"template {raw['template']}", sline, condition=cond, elsewhere=call))
            continue
        for key in ("script", "bash", "pwsh", "powershell"):
            if isinstance(raw.get(key), str):
                text = raw[key]
                kline = raw.line_of(key) if hasattr(raw, "line_of") else sline
                offset = 1 if "\n" in text.rstrip("\n") else 0
                step = Step(str(raw.get("displayName") or key), sline, condition=cond,
                            workdir=str(raw.get("workingDirectory") or ""))
                step.commands = split_script(text, (kline or sline) + offset)
                job.steps.append(step)
                break
        else:
            task = raw.get("task")
            kept = _kept(task, raw)
            if kept and cond != "never":
                job.kept.append((kept, sline))
            if isinstance(task, str):
                inputs = mapping(raw.get("inputs"))
                step = Step(str(raw.get("displayName") or task), sline, condition=cond, uses=f"azure/{task}")
                step.commands = _task_commands(task, inputs, sline)
                job.steps.append(step)
        if raw.get("continueOnError") is True and job.steps:  # its failure never fails the job
            job.steps[-1].commands = [dataclasses.replace(c, ignored=True) for c in job.steps[-1].commands]


def _job(raw: dict, line: int, stage: str | None, stage_needs: list[str], repos: dict | None = None) -> Job | None:
    jid = raw.get("job") or raw.get("deployment")
    call = _template_call(raw, repos or {}, stage=stage or "")
    if call is not None:  # a job (or a stage's jobs) from a template of another repository
        job = Job(f"template {raw['template']}", line, needs=list(stage_needs), stage=stage,
                  condition=_condition(raw.get("condition")))
        job.steps.append(Step(job.id, line, elsewhere=call))
        return job
    if not isinstance(jid, str):
        return None
    job = Job(jid, line, stage=stage)
    pool = raw.get("pool")  # a Microsoft-hosted agent (vmImage, or none named) is made per job
    job.ephemeral = not (isinstance(pool, str) or (isinstance(pool, dict) and pool.get("name") and not pool.get("vmImage")))
    needs = raw.get("dependsOn")
    job.needs = [str(n) for n in needs] if isinstance(needs, list) else ([str(needs)] if needs else list(stage_needs))
    job.condition = _condition(raw.get("condition"))
    steps = raw.get("steps")
    if steps is None and raw.get("deployment"):  # strategy: runOnce: deploy: steps
        strategy = mapping(raw.get("strategy"))
        for body in strategy.values():
            for phase in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
                steps = mapping(mapping(body).get(phase)).get("steps")
                _steps(steps, job, repos)
            on = mapping(mapping(body).get("on"))
            failure = Job(f"{jid}:on-failure", line, needs=[jid], condition="failure", stage=stage)
            _steps(mapping(on.get("failure")).get("steps"), failure, repos)
            if failure.steps:
                job.steps.extend(Step(s.name, s.line, "failure", s.uses, s.with_, s.commands, elsewhere=s.elsewhere)
                                 for s in failure.steps)
        return job
    _steps(steps, job, repos)
    return job


def _extends(pipe: Pipeline, extends: dict, repos: dict) -> None:
    """``extends: template: stages/ci.yml@templates`` with ``parameters``: the whole pipeline is a
    template of another repository, read from its name; the step templates handed to it as
    parameters (``validationSteps: [template: steps/tflint.yml@templates]``) are its steps."""
    template = extends.get("template")
    if not isinstance(template, str):
        return
    line = line_of(extends, pipe.line) or pipe.line
    job = _job(extends, line, None, [], repos) or Job(f"template {template}", line)
    for value in list(mapping(extends.get("parameters")).values())[:20]:
        if isinstance(value, list):
            _steps(value[:50], job, repos)
    if job.steps:
        pipe.jobs.append(job)


def read_azure(path: str, doc) -> Pipeline | None:
    if not isinstance(doc, dict) or not any(k in doc for k in ("stages", "jobs", "steps", "extends")):
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, str(doc.get("name") or path))
    _triggers(pipe, doc)
    repos = repositories(doc)
    if not any(k in doc for k in ("stages", "jobs", "steps")):
        _extends(pipe, mapping(doc.get("extends")), repos)
        return pipe
    stages = doc.get("stages")
    if isinstance(stages, list):
        previous: list[str] = []
        for s, stage in enumerate(stages):
            if isinstance(stage, dict) and not isinstance(stage.get("stage"), str):
                job = _job(stage, line_of(stage, item_line(stages, s)) or 1, None, previous, repos)
                if job:  # a stage from a template of another repository
                    pipe.jobs.append(job)
                    previous = [job.id]
                continue
            if not isinstance(stage, dict):
                continue
            jobs = stage.get("jobs")
            ids = []
            for j, raw in enumerate(jobs if isinstance(jobs, list) else []):
                if isinstance(raw, dict):
                    job = _job(raw, line_of(raw, item_line(jobs, j)) or 1, stage["stage"], previous, repos)
                    if job:
                        if _condition(stage.get("condition")) != "success" and job.condition == "success":
                            job.condition = _condition(stage.get("condition"))
                        pipe.jobs.append(job)
                        ids.append(job.id)
            previous = ids or previous
    elif isinstance(doc.get("jobs"), list):
        for j, raw in enumerate(doc["jobs"]):
            if isinstance(raw, dict):
                job = _job(raw, line_of(raw, item_line(doc["jobs"], j)) or 1, None, [], repos)
                if job:
                    pipe.jobs.append(job)
    else:
        job = Job("build", line_of(doc, 1) or 1)
        _steps(doc.get("steps"), job, repos)
        pipe.jobs.append(job)
    return pipe
