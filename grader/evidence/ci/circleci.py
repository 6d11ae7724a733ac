"""CircleCI (``.circleci/config.yml``) into the pipeline model: jobs and their ``steps``
(``run`` as a string or a mapping with ``command`` and ``when: on_fail``/``always``), workflows
with ``requires`` and tag ``filters``. CircleCI builds every push."""

from __future__ import annotations

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.commands import split_script
from grader.yamlload import item_line, line_of, mapping

SYSTEM = "circleci"
NAME = "CircleCI"
WHERE = "`.circleci/config.yml`"
PREFIXES = (".circleci/",)

TERMS = {  # how a hint says it in this system
    "ci": "CircleCI", "ci_file": ".circleci/config.yml", "commit_sha": "$CIRCLE_SHA1",
    "on_change": "a workflow (CircleCI builds every push)", "on_failure": "`when: on_fail`",
    "on_tags": "workflow `filters: {tags: {only: /^v.*/}}`",
}


def matches(path: str) -> bool:
    return path == ".circleci/config.yml"


def read(sub, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    return read_circleci(path, docs[0]) if docs else None

_WHEN = {"on_fail": "failure", "always": "always", "on_success": "success"}


def read_circleci(path: str, doc) -> Pipeline | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = line_of(doc, 1) or 1
    jobs: dict[str, Job] = {}
    for name, body in doc["jobs"].items():
        if not isinstance(body, dict):
            continue
        job = Job(str(name), line_of(body, doc["jobs"].line_of(name)) or 1)
        steps = body.get("steps")
        for i, raw in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(raw, dict) or "run" not in raw:
                continue
            run = raw["run"]
            sline = item_line(steps, i)
            if isinstance(run, str):
                step = Step(f"{name}: run", sline)
                offset = 1 if "\n" in run.rstrip("\n") else 0
                step.commands = split_script(run, sline + offset)
            elif isinstance(run, dict):
                command = run.get("command")
                step = Step(str(run.get("name") or f"{name}: run"), sline,
                            condition=_WHEN.get(str(run.get("when", "on_success")), "success"))
                if isinstance(command, str):
                    cline = run.line_of("command") if hasattr(run, "line_of") else sline
                    offset = 1 if "\n" in command.rstrip("\n") else 0
                    step.commands = split_script(command, (cline or sline) + offset)
            else:
                continue
            job.steps.append(step)
        jobs[job.id] = job
    workflows = mapping(doc.get("workflows"))
    for wf in workflows.values():
        entries = wf.get("jobs") if isinstance(wf, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and len(entry) == 1:
                (name, conf), = entry.items()
                found = jobs.get(str(name))
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
