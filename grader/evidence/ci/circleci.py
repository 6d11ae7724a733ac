"""CircleCI (``.circleci/config.yml``) into the pipeline model: jobs and their ``steps``
(``run`` as a string or a mapping with ``command`` and ``when: on_fail``/``always``), reusable
``commands:`` expanded where they are used, orb commands and orb jobs (read as ``orb/<name>``:
the common ones are known to build, publish or deploy), workflows with ``requires`` and tag
``filters``. CircleCI builds every push."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence.ci.model import Job, Pipeline, Step
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "circleci"
NAME = "CircleCI"
WHERE = "`.circleci/config.yml`"
PREFIXES = (".circleci/",)

TERMS = {  # how a hint says it in this system
    "ci": "CircleCI", "ci_file": ".circleci/config.yml", "commit_sha": "$CIRCLE_SHA1",
    "on_change": "a workflow (CircleCI builds every push)", "on_failure": "`when: on_fail`",
    "on_tags": "workflow `filters: {tags: {only: /^v.*/}}`",
}

# What orb commands (read as `orb/<orb>/<command>`) do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    "build": ("orb/aws-ecr/build-and-push-image", "orb/docker/build", "orb/docker/publish",
              "orb/gcp-gcr/build-image"),
    "publish": ("orb/aws-ecr/build-and-push-image", "orb/docker/publish", "orb/gcp-gcr/push-image"),
    "deploy": ("orb/aws-eks/update-container-image", "orb/kubernetes/create-or-update-resource",
               "orb/helm/upgrade-helm-chart", "orb/aws-ecs/deploy-service-update",
               "orb/aws-ecs/update-service", "orb/heroku/deploy-via-git", "orb/gcp-gke/rollout-image",
               "orb/azure-aks/update-kubeconfig-with-credentials"),
    "install": ("orb/node/install-packages", "orb/python/install-packages"),
    "test": ("orb/node/test", "orb/python/test"),
}
SSH_ACTIONS: frozenset[str] = frozenset()


def matches(path: str) -> bool:
    return path == ".circleci/config.yml"


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    return read_circleci(path, docs[0], evidence_budget.of(sub)) if docs else None

_WHEN = {"on_fail": "failure", "always": "always", "on_success": "success"}
_BUILTIN = {"checkout", "setup_remote_docker", "save_cache", "restore_cache", "store_artifacts",
            "store_test_results", "persist_to_workspace", "attach_workspace", "add_ssh_keys", "when", "unless"}


MAX_STEPS = 2000  # steps of one job, reusable commands expanded


_PARAMETER = lazy(r"<<\s*((?:parameters|pipeline)\.[\w.-]{1,200})\s*>>")


def _parameters(script: str) -> str:
    """``<< parameters.x >>`` written as the variable it is (it is no shell here-document)."""
    return _PARAMETER.sub(lambda m: "${" + re.sub(r"\W", "_", m.group(1)) + "}", script) if "<<" in script else script


def _stored(steps) -> list[tuple[str, int]]:
    """What ``store_artifacts: {path: ...}`` keeps of the job (in its own steps)."""
    out = []
    for i, raw in enumerate(steps[:200] if isinstance(steps, list) else []):
        conf = raw.get("store_artifacts") if isinstance(raw, dict) else None
        if isinstance(conf, dict) and isinstance(conf.get("path"), str):
            out.append((conf["path"], item_line(steps, i)))
    return out


def _steps(job: str, steps, commands: dict, depth: int, condition: str = "success", budget: list | None = None,
           shared: evidence_budget.Budget | None = None) -> list[Step]:
    """A job's steps: ``run`` steps, reusable ``commands:`` entries expanded (a few levels, at most
    MAX_STEPS in all), orb commands (``aws-eks/update-container-image``) kept as the orb they use.
    Every step spends from the submission's ``shared`` evidence budget, and a script is split
    into commands once however many times a command repeats it."""
    budget = budget if budget is not None else [MAX_STEPS]
    shared = shared if shared is not None else evidence_budget.Budget()
    out: list[Step] = []
    for i, raw in enumerate(steps if isinstance(steps, list) else []):
        if budget[0] <= 0 or not shared.spend("CircleCI commands"):
            break
        budget[0] -= 1
        sline = item_line(steps, i)
        name: object = None
        conf: object = None
        if isinstance(raw, str):
            name, conf = raw, {}
        elif isinstance(raw, dict) and "run" in raw:
            name, conf = "run", raw["run"]
        elif isinstance(raw, dict) and len(raw) == 1:
            name, conf = next(iter(raw.items()))
        if name is None:
            continue
        name = str(name)
        if name == "run":
            run = conf
            if isinstance(run, str):
                step = Step(f"{job}: run", sline, condition=condition)
                offset = 1 if "\n" in run.rstrip("\n") else 0
                step.commands = shared.split(_parameters(run), sline + offset, "CircleCI commands")
            elif isinstance(run, dict):
                command = run.get("command")
                when = _WHEN.get(str(run.get("when", "on_success")), "success")
                step = Step(str(run.get("name") or f"{job}: run"), sline,
                            condition=when if when != "success" else condition)
                if isinstance(command, str):
                    cline = run.line_of("command") if hasattr(run, "line_of") else sline
                    offset = 1 if "\n" in command.rstrip("\n") else 0
                    step.commands = shared.split(_parameters(command), (cline or sline) + offset, "CircleCI commands")
            else:
                continue
            out.append(step)
        elif name in commands and depth < 4:
            body = commands[name]
            inner = body.get("steps") if isinstance(body, dict) else None
            when = _WHEN.get(str(conf.get("when", "on_success")), "success") if isinstance(conf, dict) else condition
            out.extend(_steps(job, inner, commands, depth + 1, when if when != "success" else condition, budget,
                              shared))
        elif "/" in name and name not in _BUILTIN:
            out.append(Step(name, sline, condition=condition, uses=f"orb/{name}",
                            with_=conf if isinstance(conf, dict) else {}))
    return out


def read_circleci(path: str, doc, budget: evidence_budget.Budget | None = None) -> Pipeline | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return None
    budget = budget if budget is not None else evidence_budget.Budget()
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = line_of(doc, 1) or 1
    jobs: dict[str, Job] = {}
    commands = mapping(doc.get("commands"))
    for name, body in doc["jobs"].items():
        if not isinstance(body, dict):
            continue
        job = Job(str(name), line_of(body, doc["jobs"].line_of(name)) or 1)
        job.ephemeral = True  # CircleCI's docker, machine and macOS executors are made per job
        job.steps = _steps(str(name), body.get("steps"), commands, 0, shared=budget)
        job.kept = _stored(body.get("steps"))
        jobs[job.id] = job
    workflows = mapping(doc.get("workflows"))
    for wf in workflows.values():
        entries = wf.get("jobs") if isinstance(wf, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, str) and "/" in entry and entry not in jobs:
                jobs[entry] = Job(entry, 1, steps=[Step(entry, 1, uses=f"orb/{entry}")])
            if isinstance(entry, dict) and len(entry) == 1:
                (name, conf), = entry.items()
                found = jobs.get(str(name))
                if found is None and "/" in str(name):  # an orb's job (aws-ecr/build-and-push-image)
                    line = line_of(entry, 1) or 1
                    found = jobs[str(name)] = Job(str(name), line, steps=[Step(str(name), line, uses=f"orb/{name}")])
                if found is None or not isinstance(conf, dict):
                    continue
                requires = conf.get("requires")
                if isinstance(requires, list):
                    found.needs = [str(r) for r in requires]
                filters = mapping(conf.get("filters"))
                tags = mapping(filters.get("tags"))
                branches = mapping(filters.get("branches"))
                if tags.get("only") is not None:
                    pipe.triggers.setdefault("tag", line_of(entry, found.line) or found.line)
                    if str(branches.get("ignore", "")) in ("/.*/", ".*"):
                        found.tag_only = True
    pipe.jobs = list(jobs.values())
    return pipe
