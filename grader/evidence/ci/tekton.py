"""Tekton pipelines (``.tekton/`` or ``tekton/`` folders) into the pipeline model.

A ``Pipeline`` (``apiVersion: tekton.dev/*``) is a pipeline; each of its ``tasks`` is a job whose
``runAfter`` are its needs, and its ``finally`` tasks run whatever happened (or on failure, when
their ``when`` asks for a failed ``$(tasks.status)``). A task's steps come from the ``Task`` of
that name kept in the same folders (``script``, or ``command`` and ``args``), or from an inline
``taskSpec``; the common catalog tasks are read as the commands they stand for (``buildah`` and
``kaniko`` build and push an image, ``openshift-client`` and ``kubernetes-actions`` run their
script, ``flake8``, ``pylint``, ``npm``, ``maven``...). ``$(params.x)`` is filled from the
pipeline task's params or the Task's defaults; other Tekton references are read as variables.

Tekton runs a pipeline when something creates a ``PipelineRun``: a ``TriggerTemplate`` that
makes one for this pipeline, with an ``EventListener`` kept beside it, is a webhook on every
push (and the params it passes override the pipeline's defaults); without one the pipeline is
started by hand (``tkn pipeline start``). A repository copy of a catalog task whose scripts say
nothing readable (the catalog's ``buildah`` ships its scripts base64-encoded) is read as the
catalog task.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import Command, categories, split_script
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "tekton"
NAME = "Tekton"
WHERE = "`.tekton/*.yaml`"
PREFIXES = (".tekton/", "tekton/")

TERMS = {
    "ci": "Tekton", "ci_file": ".tekton/pipeline.yaml", "commit_sha": "$(params.git-revision)",
    "on_change": "an EventListener and TriggerTemplate that start the pipeline on every push",
    "on_failure": "a `finally` task with `when: [{input: $(tasks.status), operator: in, values: [Failed]}]`",
    "on_tags": "a trigger on tag pushes",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # no actions of its own: steps are commands
SSH_ACTIONS: frozenset[str] = frozenset()

_PARAM = lazy(r"\$\(\s*(?:inputs\.)?params\.([\w-]+)(?:\[\*\])?\s*\)")
_OTHER_REF = lazy(r"\$\((?:workspaces|tasks|context|results|steps|inputs|resources|params|tt)\.[^()\n]{0,200}\)")

# Catalog tasks: name -> how to read them, given the task's params (already filled in).
_IMAGE_BUILDS = frozenset({"buildah", "kaniko", "docker-build", "s2i", "s2i-python", "s2i-nodejs", "s2i-java",
                           "s2i-go", "jib-maven", "jib-gradle"})
_SCRIPT_TASKS = {"openshift-client": "SCRIPT", "kubernetes-actions": "script", "ansible-runner": "args"}
_ARG_TASKS = {"flake8": ("flake8", "args"), "pylint": ("pylint", "args"), "npm": ("npm", "ARGS"),
              "maven": ("mvn", "GOALS"), "gradle": ("gradle", "TASKS"), "pytest": ("pytest", "ARGS"),
              "golang-test": ("go test", "packages"), "golang-build": ("go build", "packages"),
              "trivy-scanner": ("trivy", "ARGS"), "sonarqube-scanner": ("sonar-scanner", ""),
              "helm-upgrade-from-source": ("helm upgrade --install", "release_name"),
              "argocd-task-sync-and-wait": ("argocd app sync", "application-name"),
              "yaml-lint": ("yamllint", "args"), "shellcheck": ("shellcheck", "args"),
              "hadolint": ("hadolint", "dockerfile-path")}
_NO_COMMANDS = frozenset({"git-clone", "git-cli", "github-set-status", "send-to-webhook-slack", "tkn"})


def matches(path: str) -> bool:
    low = "/" + path.lower()
    return low.endswith((".yml", ".yaml")) and ("/tekton/" in low or "/.tekton/" in low)


def _docs(sub: Submission) -> list[tuple[str, dict]]:
    """(path, document) of every Tekton-shaped document in the Tekton folders (read once)."""
    cached = sub.memo("tekton-docs")
    if cached is not None:
        return cached
    out = []
    for rel in sub.yaml_files():
        if not matches(rel):
            continue
        for doc in sub.yaml_docs_quiet(rel) or []:
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith(("tekton.dev/", "triggers.tekton.dev/")):
                out.append((rel, doc))
    return sub.memo("tekton-docs", out)


def _tasks(sub: Submission) -> dict[str, tuple[str, dict]]:
    """Tasks defined in the repository: name → (path, document)."""
    return {str(mapping(doc.get("metadata")).get("name")): (rel, doc) for rel, doc in _docs(sub)
            if doc.get("kind") in ("Task", "ClusterTask") and mapping(doc.get("metadata")).get("name")}


def _trigger_params(sub: Submission, name: str) -> dict[str, str] | None:
    """The params a TriggerTemplate kept in the repository gives the PipelineRun of ``name`` it
    makes, when an EventListener beside it receives the webhook; None when nothing starts it."""
    docs = _docs(sub)
    if not any(doc.get("kind") == "EventListener" for _rel, doc in docs):
        return None
    for _rel, doc in docs:
        if doc.get("kind") != "TriggerTemplate":
            continue
        made = mapping(doc.get("spec")).get("resourcetemplates")
        for res in made if isinstance(made, list) else []:
            run = mapping(mapping(res).get("spec"))
            if mapping(res).get("kind") == "PipelineRun" and str(mapping(run.get("pipelineRef")).get("name")) == name:
                return _values(run.get("params"))
    return None


def _values(params) -> dict[str, str]:
    """A params list (``- name: x, value: y``) as text values (arrays joined by spaces)."""
    out = {}
    for item in params if isinstance(params, list) else []:
        item = mapping(item)
        value = item.get("value", item.get("default"))
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        if item.get("name") is not None and value is not None:
            out[str(item["name"])] = str(value)
    return out


def _fill(text: str, values: dict[str, str]) -> str:
    """Tekton's substitutions, done before the shell runs: params by value, the rest as variables."""
    text = _PARAM.sub(lambda m: values.get(m.group(1), f"$TEKTON_{m.group(1).replace('-', '_').upper()}"), text)
    return _OTHER_REF.sub("$TEKTON_REF", text)


def _task_name(task: dict) -> str:
    ref = mapping(task.get("taskRef"))
    name = ref.get("name")
    if not name and ref.get("resolver"):
        name = _values(ref.get("params")).get("name")
    return str(name or "")


def _steps(spec: dict, values: dict[str, str], line: int, budget: evidence_budget.Budget | None = None) -> list[Step]:
    """A Task's steps, their scripts split once per distinct text (a Task named by a thousand
    pipeline tasks is split once; each use spends from the submission's evidence budget)."""
    budget = budget if budget is not None else evidence_budget.Budget()
    steps = []
    raw_steps = spec.get("steps")
    for j, raw in enumerate(raw_steps if isinstance(raw_steps, list) else []):
        raw = mapping(raw)
        sline = line_of(raw, item_line(raw_steps, j)) or line
        step = Step(str(raw.get("name") or f"step {j + 1}"), sline)
        if isinstance(raw.get("script"), str):
            at = raw.line_of("script") if hasattr(raw, "line_of") else sline
            step.commands = budget.split(_fill(raw["script"], values), at + (0 if "\n" not in raw["script"] else 1),
                                         "Tekton tasks")
        else:
            words = [*(raw.get("command") or []), *(raw.get("args") or [])]
            words = [str(w) for w in words if isinstance(w, (str, int, float))]
            if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and words[1] == "-c":
                step.commands = budget.split(_fill(" ".join(words[2:]), values), sline, "Tekton tasks")
            elif words:
                step.commands = [Command(_fill(" ".join(words), values), sline)]
        steps.append(step)
    return steps


def _is_catalog(name: str) -> bool:
    base = name.lower()
    return base in _IMAGE_BUILDS or base.startswith("s2i-") or base in _SCRIPT_TASKS or base in _ARG_TASKS


def _catalog(name: str, values: dict[str, str], line: int) -> list[Step]:
    """A catalog task the repository does not define, read as what it stands for."""
    step = Step(name, line)
    base = name.lower()
    if base in _IMAGE_BUILDS or base.startswith("s2i-"):
        image = values.get("IMAGE") or values.get("image") or "$IMAGE"
        context = values.get("CONTEXT") or values.get("PATH_CONTEXT") or "."
        step.commands = [Command(f"docker build -t {image} {context}", line), Command(f"docker push {image}", line)]
    elif base in _SCRIPT_TASKS:
        script = values.get(_SCRIPT_TASKS[base]) or ""
        step.commands = split_script(script, line)
    elif base in _ARG_TASKS:
        tool, key = _ARG_TASKS[base]
        step.commands = [Command(f"{tool} {values.get(key, '')}".strip(), line)]
    elif base not in _NO_COMMANDS:
        step.uses = f"tekton/{name}"
    return [step]


def _job(task: dict, line: int, condition: str, tasks: dict[str, tuple[str, dict]], outer: dict[str, str],
         path: str, budget: evidence_budget.Budget | None = None) -> Job:
    """One pipeline task as a job; ``outer`` are the pipeline's own param defaults."""
    budget = budget if budget is not None else evidence_budget.Budget()
    name = str(task.get("name") or f"task {line}")
    after = task.get("runAfter")
    job = Job(name, line, needs=[str(a) for a in after] if isinstance(after, list) else [], condition=condition)
    job.ephemeral = True  # each task runs in a pod made for it
    given = {k: _fill(v, outer) for k, v in _values(task.get("params")).items()}
    if isinstance(task.get("taskSpec"), dict):
        spec = task["taskSpec"]
        job.steps = _steps(spec, {**_values(spec.get("params")), **given}, line, budget)
        return job
    ref = _task_name(task)
    defined = tasks.get(ref)
    if defined is not None:
        rel, doc = defined
        spec = mapping(doc.get("spec"))
        job.steps = _steps(spec, {**_values(spec.get("params")), **given}, line_of(doc, 1) or 1, budget)
        if rel != path:  # the Task's own file, reached from the pipeline task that names it
            for step in job.steps:
                step.commands = [dataclasses.replace(c, path=rel, via=(f"{path}:{line}",)) for c in step.commands]
        if _is_catalog(ref) and not any(categories(c.text) for step in job.steps for c in step.commands):
            job.steps = _catalog(ref, given, line)  # a copy of the catalog task whose scripts can't be read
    elif ref:
        job.steps = _catalog(ref, given, line)
    return job


_FAILED = lazy(r"\$\(tasks(?:\.[\w-]+)?\.status\)")


def _finally_condition(task: dict) -> str:
    when = task.get("when")
    for cond in when if isinstance(when, list) else []:
        cond = mapping(cond)
        listed = cond.get("values")
        values = [str(v) for v in listed] if isinstance(listed, list) else []
        if _FAILED.search(str(cond.get("input", ""))) and str(cond.get("operator", "in")) == "in" \
                and any(v in ("Failed", "Failure") for v in values):
            return "failure"
    return "always"


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs_quiet(path) or []
    doc = next((d for d in docs if isinstance(d, dict) and d.get("kind") == "Pipeline"
                and str(d.get("apiVersion", "")).startswith("tekton.dev/")), None)
    if doc is None:
        return None
    name = str(mapping(doc.get("metadata")).get("name") or path)
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, name)
    run_params = _trigger_params(sub, name)
    pipe.triggers["push" if run_params is not None else "manual"] = pipe.line
    spec = mapping(doc.get("spec"))
    tasks = _tasks(sub)
    budget = evidence_budget.of(sub)
    outer = {**_values(spec.get("params")), **(run_params or {})}  # what the webhook's run passes wins
    main = spec.get("tasks")
    for i, task in enumerate(main if isinstance(main, list) else []):
        if isinstance(task, dict):
            pipe.jobs.append(_job(task, line_of(task, item_line(main, i)) or pipe.line, "success", tasks, outer, path,
                                  budget))
    ids = [j.id for j in pipe.jobs]
    last = spec.get("finally")
    for i, task in enumerate(last if isinstance(last, list) else []):
        if isinstance(task, dict):
            job = _job(task, line_of(task, item_line(last, i)) or pipe.line, _finally_condition(task), tasks, outer,
                       path, budget)
            job.needs = list(ids)  # finally tasks run once every task is done
            pipe.jobs.append(job)
    return pipe
