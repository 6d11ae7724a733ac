"""One pipeline model for several CI systems.

A :class:`Pipeline` has triggers, jobs with their dependencies, and ordered steps with the
commands they would run and the condition they run under. GitHub Actions and GitLab CI are
read here; other systems plug in by adding a reader to :data:`READERS`.

Conditions are normalised to one of ``success`` (the default: runs when everything before
succeeded), ``failure`` (runs only when something before failed), ``always`` (runs either way)
and ``manual``/``never``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.evidence.commands import Command, action_categories, categories, split_script
from grader.yamlload import line_of

GITHUB_DIR = ".github/workflows/"


@dataclass
class Step:
    name: str
    line: int
    condition: str = "success"
    uses: str | None = None
    with_: dict = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)

    def categories(self) -> set[str]:
        found = set(action_categories(self.uses)) if self.uses else set()
        if self.uses and self.uses.split("@")[0].lower() == "docker/build-push-action":
            if str(self.with_.get("push", "")).lower() not in ("true", "${{ true }}"):
                found.discard("publish")
        for cmd in self.commands:
            found |= categories(cmd.text)
        return found

    def commands_in(self, category: str) -> list[Command]:
        return [c for c in self.commands if category in categories(c.text)]


@dataclass
class Job:
    id: str
    line: int
    needs: list[str] = field(default_factory=list)
    condition: str = "success"
    steps: list[Step] = field(default_factory=list)
    stage: str | None = None
    environment: str | None = None
    tag_only: bool = False  # runs only for tag pipelines


@dataclass
class Pipeline:
    system: str  # github | gitlab
    path: str
    line: int
    name: str
    triggers: dict[str, int] = field(default_factory=dict)  # trigger -> line
    jobs: list[Job] = field(default_factory=list)

    @property
    def automatic(self) -> bool:
        return bool(set(self.triggers) & {"push", "pull_request", "tag", "merge_request"})

    def job(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def upstream(self, job: Job) -> set[str]:
        """Ids of every job ``job`` needs, directly or not."""
        seen: set[str] = set()
        pending = list(job.needs)
        while pending:
            jid = pending.pop()
            if jid in seen:
                continue
            seen.add(jid)
            other = self.job(jid)
            if other:
                pending.extend(other.needs)
        return seen


def github_condition(expr) -> str:
    if expr is None or expr is True:
        return "success"
    if expr is False:
        return "never"
    text = str(expr).replace("${{", "").replace("}}", "").strip()
    if re.search(r"\balways\(\)", text):
        if re.search(r"!\s*always\(\)", text):
            return "never"
        return "always"
    if re.search(r"\bfailure\(\)", text):
        if re.search(r"!\s*failure\(\)", text):
            return "success"
        return "failure"
    if re.search(r"\bcancelled\(\)", text) and not re.search(r"!\s*cancelled\(\)", text):
        return "cancelled"
    return "success"


# -- GitHub Actions -------------------------------------------------------------------
def read_github(path: str, doc) -> Pipeline | None:
    if not isinstance(doc, dict) or "jobs" not in doc:
        return None
    pipe = Pipeline("github", path, line_of(doc, 1) or 1, str(doc.get("name") or path))
    on = doc.get("on", doc.get(True))
    on_line = doc.line_of("on") if hasattr(doc, "line_of") else 1
    for event, line in _github_events(on, on_line):
        pipe.triggers.setdefault(event, line)
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return pipe
    for job_id, body in jobs.items():
        if not isinstance(body, dict):
            continue
        job = Job(str(job_id), line_of(body, jobs.line_of(job_id) if hasattr(jobs, "line_of") else 0) or 0)
        needs = body.get("needs")
        job.needs = [str(n) for n in needs] if isinstance(needs, list) else ([str(needs)] if needs else [])
        job.condition = github_condition(body.get("if"))
        env = body.get("environment")
        job.environment = str(env.get("name")) if isinstance(env, dict) else (str(env) if env else None)
        if isinstance(body.get("if"), str) and "refs/tags" in body["if"]:
            job.tag_only = True
        if isinstance(body.get("uses"), str):  # a reusable workflow call
            step = Step(f"uses {body['uses']}", job.line, uses=body["uses"])
            job.steps.append(step)
        steps = body.get("steps")
        if isinstance(steps, list):
            for index, raw in enumerate(steps):
                if not isinstance(raw, dict):
                    continue
                sline = line_of(raw, steps.line_of(index)) or job.line
                step = Step(
                    str(raw.get("name") or raw.get("uses") or raw.get("id") or f"step {index + 1}"),
                    sline,
                    condition=github_condition(raw.get("if")),
                    uses=raw.get("uses") if isinstance(raw.get("uses"), str) else None,
                    with_=raw.get("with") if isinstance(raw.get("with"), dict) else {},
                )
                run = raw.get("run")
                if isinstance(run, str):
                    run_line = raw.line_of("run") if hasattr(raw, "line_of") else sline
                    # block scalars (| and >) start on the line after the key
                    offset = 1 if "\n" in run.rstrip("\n") else 0
                    step.commands = split_script(run, (run_line or sline) + offset)
                job.steps.append(step)
        pipe.jobs.append(job)
    return pipe


def _github_events(on, line):
    if isinstance(on, str):
        yield _github_event_name(on, None), line
    elif isinstance(on, list):
        for i, item in enumerate(on):
            if isinstance(item, str):
                yield _github_event_name(item, None), on.line_of(i) if hasattr(on, "line_of") else line
    elif isinstance(on, dict):
        for event, conf in on.items():
            eline = on.line_of(event) if hasattr(on, "line_of") else line
            name = _github_event_name(str(event), conf)
            yield name, eline
            if name == "push" and isinstance(conf, dict) and conf.get("tags") is not None:
                yield "tag", eline


def _github_event_name(event: str, conf) -> str:
    event = event.strip()
    if event == "push" and isinstance(conf, dict):
        if conf.get("tags") is not None and conf.get("branches") is None and conf.get("paths") is None:
            return "tag"
    if event in ("pull_request", "pull_request_target", "merge_group"):
        return "pull_request"
    if event == "release":
        return "release"
    return event


# -- GitLab CI ------------------------------------------------------------------------
_GITLAB_RESERVED = {
    "stages", "variables", "default", "include", "workflow", "image", "services", "cache",
    "before_script", "after_script", "types", "pages_default",
}


def read_gitlab(path: str, doc, includes: list | None = None) -> Pipeline | None:
    if not isinstance(doc, dict):
        return None
    pipe = Pipeline("gitlab", path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = line_of(doc, 1) or 1  # GitLab runs pipelines on every push
    merged = dict(doc)
    for extra in includes or []:
        if isinstance(extra, dict):
            for key, value in extra.items():
                merged.setdefault(key, value)
    default = merged.get("default") if isinstance(merged.get("default"), dict) else {}
    stages = merged.get("stages") if isinstance(merged.get("stages"), list) else [
        "build", "test", "deploy"]
    stage_order = {str(s): i for i, s in enumerate(stages)}
    jobs = []
    for key, body in merged.items():
        if not isinstance(key, str) or key in _GITLAB_RESERVED or key.startswith("."):
            continue
        if not isinstance(body, dict):
            continue
        body = _gitlab_extends(body, merged)
        if not any(k in body for k in ("script", "trigger", "run")):
            continue
        jline = line_of(body, 0) or 0
        job = Job(key, jline, stage=str(body.get("stage", "test")))
        when = str(body.get("when", "on_success"))
        job.condition = {"on_failure": "failure", "always": "always", "manual": "manual",
                         "never": "never"}.get(when, "success")
        rules = body.get("rules")
        _gitlab_rules(pipe, job, rules, body.get("only"), body.get("except"))
        env = body.get("environment")
        job.environment = str(env.get("name")) if isinstance(env, dict) else (str(env) if env else None)
        needs = body.get("needs")
        if isinstance(needs, list):
            job.needs = [str(n.get("job")) if isinstance(n, dict) else str(n) for n in needs]
        for part in ("before_script", "script", "after_script"):
            script = body.get(part, default.get(part) if part != "script" else None)
            if script is None:
                continue
            lines = script if isinstance(script, list) else [script]
            cond = "always" if part == "after_script" else job.condition
            step = Step(f"{key}:{part}", line_of(script, jline) or jline, condition=cond)
            for i, cmd in enumerate(lines):
                if isinstance(cmd, str):
                    cline = script.line_of(i) if isinstance(script, list) and hasattr(script, "line_of") else step.line
                    step.commands.extend(split_script(cmd, cline))
            job.steps.append(step)
        jobs.append(job)
    # Without `needs`, a GitLab job depends on every job of the earlier stages.
    for job in jobs:
        if not job.needs:
            mine = stage_order.get(job.stage or "", len(stage_order))
            job.needs = [o.id for o in jobs if stage_order.get(o.stage or "", -1) < mine]
    pipe.jobs = jobs
    return pipe


def _gitlab_extends(body: dict, doc: dict, depth: int = 0) -> dict:
    parents = body.get("extends")
    if not parents or depth > 10:
        return body
    result: dict = {}
    for parent in parents if isinstance(parents, list) else [parents]:
        base = doc.get(parent) if isinstance(parent, str) else None
        if isinstance(base, dict):
            result.update(_gitlab_extends(base, doc, depth + 1))
    result.update(body)
    return result


def _gitlab_rules(pipe: Pipeline, job: Job, rules, only, except_) -> None:
    text_rules = []
    if isinstance(rules, list):
        for rule in rules:
            if isinstance(rule, dict):
                cond = str(rule.get("if", ""))
                text_rules.append(cond)
                when = rule.get("when")
                if when == "on_failure":
                    job.condition = "failure"
                if "merge_request_event" in cond:
                    pipe.triggers.setdefault("merge_request", line_of(rule, job.line) or job.line)
                    pipe.triggers.setdefault("pull_request", line_of(rule, job.line) or job.line)
                if "CI_COMMIT_TAG" in cond and "==" not in cond.split("CI_COMMIT_TAG")[0][-3:]:
                    pipe.triggers.setdefault("tag", line_of(rule, job.line) or job.line)
        if text_rules and all("CI_COMMIT_TAG" in r and "null" not in r for r in text_rules):
            job.tag_only = True
    for spec in (only,):
        refs = spec.get("refs") if isinstance(spec, dict) else spec
        if isinstance(refs, list) and refs:
            if "tags" in refs:
                pipe.triggers.setdefault("tag", job.line)
                if all(r == "tags" or str(r).startswith("/") for r in refs):
                    job.tag_only = True
            if "merge_requests" in refs:
                pipe.triggers.setdefault("pull_request", job.line)


def read_pipelines(sub) -> list[Pipeline]:
    """Every pipeline in the submission that its CI system would actually run."""
    cached = sub.memo("pipelines")
    if cached is not None:
        return cached
    pipes: list[Pipeline] = []
    for rel in sub.files:
        low = rel.lower()
        if low.startswith(GITHUB_DIR) and low.endswith((".yml", ".yaml")) and rel.count("/") == 2:
            for doc in sub.yaml_docs(rel) or []:
                pipe = read_github(rel, doc)
                if pipe:
                    pipes.append(pipe)
                break  # GitHub reads the first document only
        elif rel == ".gitlab-ci.yml":
            docs = sub.yaml_docs(rel) or []
            if docs:
                pipe = read_gitlab(rel, docs[0], _gitlab_includes(sub, docs[0]))
                if pipe:
                    pipes.append(pipe)
    return sub.memo("pipelines", pipes)


def _gitlab_includes(sub, doc) -> list:
    inc = doc.get("include") if isinstance(doc, dict) else None
    items = inc if isinstance(inc, list) else ([inc] if inc else [])
    out = []
    for item in items[:20]:
        local = item.get("local") if isinstance(item, dict) else item
        if isinstance(local, str) and not re.match(r"^[a-z]+://", local):
            rel = local.lstrip("/")
            if sub.exists(rel):
                docs = sub.yaml_docs(rel) or []
                if docs:
                    out.append(docs[0])
    return out
