"""Drone CI (``.drone.yml``, one pipeline per YAML document) into the pipeline model: the
pipeline's ``trigger`` (``event: [push, pull_request, tag, promote]``; none = every push),
``steps`` with ``commands``, ``depends_on``, ``when`` (``status: [failure]``, ``event: tag``)
and plugin steps (``image: plugins/docker``...)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.shell import split_script
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "drone"
NAME = "Drone CI"
WHERE = "`.drone.yml`"
PREFIXES = ()

TERMS = {
    "ci": "Drone", "ci_file": ".drone.yml", "commit_sha": "${DRONE_COMMIT_SHA}",
    "on_change": "`trigger: event: [push, pull_request]`", "on_failure": "`when: status: [failure]`",
    "on_tags": "`when: event: [tag]`",
}

# What plugins (their images) do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    "build": ("plugins/docker", "plugins/ecr", "plugins/gcr"),
    "publish": ("plugins/docker", "plugins/ecr", "plugins/gcr", "plugins/npm", "plugins/pypi"),
    "deploy": ("appleboy/drone-ssh", "appleboy/drone-scp", "plugins/ecs", "plugins/helm3",
               "pelotech/drone-helm3", "sinlead/drone-kubectl", "honestbee/drone-kubernetes"),
}
# Those that run a script on a server over SSH: what they do is what the script does.
SSH_ACTIONS = frozenset({"appleboy/drone-ssh"})
_EVENTS = {"push": "push", "pull_request": "pull_request", "tag": "tag", "promote": "manual", "cron": "schedule",
           "custom": "manual"}


def matches(path: str) -> bool:
    return path in (".drone.yml", ".drone.yaml")


def _list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for v in value.get("include") or []] if isinstance(value.get("include"), list) else []
    return [str(v) for v in value] if isinstance(value, list) else []


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = [d for d in sub.yaml_docs(path) or [] if isinstance(d, dict) and d.get("kind", "pipeline") == "pipeline"]
    if not docs:
        return None
    pipe = Pipeline(SYSTEM, path, line_of(docs[0], 1) or 1, path)
    for doc in docs:
        name = str(doc.get("name") or "default")
        line = line_of(doc, 1) or 1
        events = _list(mapping(doc.get("trigger")).get("event"))
        for event in events or ["push", "pull_request", "tag"]:
            pipe.triggers.setdefault(_EVENTS.get(event, event), line)
        steps = doc.get("steps")
        for i, raw in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(raw, dict):
                continue
            sline = line_of(raw, item_line(steps, i)) or line
            job = Job(f"{name}:{raw.get('name') or i + 1}", sline)
            job.ephemeral = str(doc.get("type") or "docker") in ("docker", "kubernetes")  # a container per step
            deps = raw.get("depends_on")
            job.needs = [f"{name}:{d}" for d in deps] if isinstance(deps, list) else []
            when = mapping(raw.get("when"))
            status = _list(when.get("status"))
            cond = "failure" if status == ["failure"] else ("always" if "failure" in status else "success")
            step_events = _list(when.get("event"))
            if step_events == ["tag"]:
                job.tag_only, job.on_tag, job.tag_line = True, True, sline
            if step_events == ["promote"]:
                cond = "manual"
            image = str(raw.get("image") or "")
            step = Step(str(raw.get("name") or image), sline, condition=cond,
                        uses=image.split(":", 1)[0] if not raw.get("commands") else None,
                        with_=mapping(raw.get("settings")))
            commands = raw.get("commands")
            for j, cmd in enumerate(commands if isinstance(commands, list) else []):
                if isinstance(cmd, str):
                    step.commands.extend(split_script(cmd, item_line(commands, j) or sline))
            script = step.with_.get("script")
            if step.uses in SSH_ACTIONS and isinstance(script, (list, str)):  # drone-ssh: run on the server
                for j, cmd in enumerate(script if isinstance(script, list) else [script]):
                    if isinstance(cmd, str):
                        step.commands.extend(dataclasses.replace(c, remote=True) for c in
                                             split_script(cmd, (item_line(script, j) if isinstance(script, list)
                                                                else 0) or sline))
            job.condition = cond if cond in ("failure", "manual") else "success"
            job.steps.append(step)
            pipe.jobs.append(job)
    return pipe
