"""GitLab CI (`.gitlab-ci.yml`) into the pipeline model: stages, `script`/`before_script`/
`after_script`, `rules`, `only`/`except`, `when`, `needs`, `extends`, local `include`s."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from grader.evidence import budget as evidence_budget
from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.ci.remote import Remote, named_call
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "gitlab"
NAME = "GitLab CI"
WHERE = "`.gitlab-ci.yml`"
PREFIXES = (".gitlab-ci",)

TERMS = {  # how a hint says it in this system
    "ci": "GitLab CI", "ci_file": ".gitlab-ci.yml", "commit_sha": "$CI_COMMIT_SHORT_SHA",
    "on_change": "no `rules` that stop it (GitLab runs every push)", "on_failure": "`when: on_failure`",
    "on_tags": "`rules: [{if: $CI_COMMIT_TAG}]`",
}

ACTIONS: dict[str, tuple[str, ...]] = {}  # no actions of its own: steps are commands
SSH_ACTIONS: frozenset[str] = frozenset()


def matches(path: str) -> bool:
    """The root ``.gitlab-ci.yml``, or one a folder down (``app/.gitlab-ci.yml``: a project
    whose CI configuration path is set to it), read only when there is no root one."""
    return path == ".gitlab-ci.yml" or (path.endswith("/.gitlab-ci.yml") and path.count("/") == 1)


def read(sub: Submission, path: str) -> Pipeline | None:
    if path != ".gitlab-ci.yml" and sub.exists(".gitlab-ci.yml"):
        return None
    docs = sub.yaml_docs(path) or []
    if not docs:
        return None
    pipe = read_gitlab(path, docs[0], includes(sub, docs[0]), budget=evidence_budget.of(sub))
    if pipe is not None:
        pipe.templates = templates(docs[0])
    return pipe

MAX_SCRIPT_LINES = 5000  # lines of one script, references followed


def _references(items: list, merged: dict, depth: int = 0, budget: list | None = None,
                shared: evidence_budget.Budget | None = None) -> list[tuple[object, int]]:
    """A script's lines with ``!reference [.job, script]`` entries replaced by the lines they
    point to (nested references followed a few levels, MAX_SCRIPT_LINES in all), each with its
    own line. Every line spends its bytes from the submission's ``shared`` budget, so one long
    script referenced a thousand times stops when the budget does."""
    budget = budget if budget is not None else [MAX_SCRIPT_LINES]
    shared = shared if shared is not None else evidence_budget.Budget()
    out: list[tuple[object, int]] = []
    for i, item in enumerate(items):
        if budget[0] <= 0 or not shared.spend("GitLab !reference", 1, len(item) if isinstance(item, str) else 0):
            break
        budget[0] -= 1
        line = items.line_of(i) if hasattr(items, "line_of") else 0
        if isinstance(item, list) and len(item) >= 2 and all(isinstance(k, str) for k in item) and depth < 4:
            node: object = merged
            for key in item:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, list):
                out.extend(_references(node, merged, depth + 1, budget, shared))
                continue
            if isinstance(node, str):
                out.append((node, line))
                continue
        if isinstance(item, list) and depth < 10:  # a nested list (from an anchor): GitLab flattens it
            out.extend(_references(item, merged, depth + 1, budget, shared))
            continue
        out.append((item, line))
    return out


_GITLAB_RESERVED = {
    "stages", "variables", "default", "include", "workflow", "image", "services", "cache",
    "before_script", "after_script", "types", "pages_default",
}


def read_gitlab(path: str, doc, includes: list | None = None,
                budget: evidence_budget.Budget | None = None) -> Pipeline | None:
    if not isinstance(doc, dict):
        return None
    budget = budget if budget is not None else evidence_budget.Budget()
    extended: dict = {}  # each job's extends merged once
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, path)
    pipe.triggers["push"] = line_of(doc, 1) or 1  # GitLab runs pipelines on every push
    merged = dict(doc)
    for extra in includes or []:
        if isinstance(extra, dict):
            for key, value in extra.items():
                merged.setdefault(key, value)
    default = mapping(merged.get("default"))
    stages = merged.get("stages")
    if not isinstance(stages, list):
        stages = ["build", "test", "deploy"]
    stage_order = {str(s): i for i, s in enumerate(stages)}
    jobs = []
    remote = remote_includes(doc)
    for key, body in merged.items():
        if not isinstance(key, str) or key in _GITLAB_RESERVED or key.startswith("."):
            continue
        if not isinstance(body, dict):
            continue
        body = _gitlab_extends(body, merged, budget=budget, key=key, memo=extended)
        call = None
        if not any(k in body for k in ("script", "trigger", "run")):
            call = _included_job(key, body, merged, remote) if remote else None
            if call is None:
                continue
        jline = line_of(body, 0) or 0
        job = Job(key, jline, stage=str(body.get("stage", "test")))
        # a job in an image runs in a container of the Docker executor, made for the job
        job.ephemeral = bool(body.get("image") or default.get("image") or merged.get("image"))
        when = str(body.get("when", "on_success"))
        job.condition = {"on_failure": "failure", "always": "always", "manual": "manual",
                         "never": "never"}.get(when, "success")
        rules = body.get("rules")
        _gitlab_rules(pipe, job, rules, body.get("only"), body.get("except"))
        needs = body.get("needs")
        if isinstance(needs, list):
            job.needs = [str(n.get("job")) if isinstance(n, dict) else str(n) for n in needs]
        if call is not None:  # its script comes from another project's include
            job.steps.append(Step(f"{key}:included", jline, condition=job.condition, elsewhere=call))
        for part in ("before_script", "script", "after_script"):
            script = body.get(part, default.get(part) if part != "script" else None)
            if script is not None and call is None:
                job.steps.append(_script_step(key, part, script, job, body, merged, budget))
        job.kept = _kept(body.get("artifacts", default.get("artifacts")), jline)
        job.on_tag, job.tag_line = job.tag_only, job.line  # GitLab: the job itself must be limited to tags
        jobs.append(job)
    jobs.extend(_component_jobs(doc, remote, stage_order))
    # Without `needs`, a GitLab job depends on every job of the earlier stages.
    for job in jobs:
        if not job.needs:
            mine = stage_order.get(job.stage or "", len(stage_order))
            job.needs = [o.id for o in jobs if stage_order.get(o.stage or "", -1) < mine]
    pipe.jobs = jobs
    return pipe


def _kept(artifacts, line: int) -> list[tuple[str, int]]:
    """The files ``artifacts: paths:`` keeps when the job succeeds (reports are read by GitLab,
    not kept as the build's output; `when: on_failure` keeps only a failure's leftovers)."""
    artifacts = mapping(artifacts)
    paths = artifacts.get("paths")
    if not isinstance(paths, list) or str(artifacts.get("when", "on_success")) == "on_failure":
        return []
    return [(p, item_line(paths, i, line_of(paths, line) or line)) for i, p in enumerate(paths[:50]) if isinstance(p, str)]


def _script_step(key: str, part: str, script, job: Job, body: dict, merged: dict,
                 budget: evidence_budget.Budget | None = None) -> Step:
    """A job's ``before_script``, ``script`` or ``after_script`` as a step (``!reference`` tags
    filled in; ``after_script`` runs whatever happened; ``allow_failure`` makes it a non-gate)."""
    budget = budget if budget is not None else evidence_budget.Budget()
    jline = job.line
    lines = _references(script if isinstance(script, list) else [script], merged, shared=budget)
    cond = "always" if part == "after_script" else job.condition
    step = Step(f"{key}:{part}", line_of(script, jline) or jline, condition=cond)
    for i, (cmd, at) in enumerate(lines):
        if isinstance(cmd, str):
            cline = at or (script.line_of(i) if isinstance(script, list) and hasattr(script, "line_of")
                           and i < len(script) else step.line)
            offset = 1 if "\n" in cmd.rstrip("\n") else 0  # a block scalar starts below its `- |`
            step.commands.extend(budget.split(cmd, (cline + offset) if cline else step.line, "a GitLab script"))
    if body.get("allow_failure") is True:  # a failure here never fails the pipeline
        step.commands = [dataclasses.replace(c, ignored=True) for c in step.commands]
    return step


def _gitlab_extends(body: dict, doc: dict, depth: int = 0, *, budget: evidence_budget.Budget | None = None,
                    key: str | None = None, active: frozenset = frozenset(), memo: dict | None = None) -> dict:
    """``body`` with what it ``extends`` merged under it. Each job's merge is worked out once
    (memoised in the submission's budget) and a job never extends itself (a cycle, or a list
    naming one job many times, stops where it closes): the work is one step per job named."""
    budget = budget if budget is not None else evidence_budget.Budget()
    parents = body.get("extends")
    if not parents or depth > 10:
        return body
    memo = memo if memo is not None else {}
    if key is not None and key in memo:
        return memo[key]
    named = [p for p in (parents if isinstance(parents, list) else [parents]) if isinstance(p, str)]
    result: dict = {}
    for parent in list(dict.fromkeys(reversed(named)))[::-1]:  # each once, where it last counts
        base = doc.get(parent)
        if not isinstance(base, dict) or parent in active or parent == key:
            continue
        if not budget.spend("GitLab extends", 1, 0):
            break
        result.update(_gitlab_extends(base, doc, depth + 1, budget=budget, key=parent, active=active | {key},
                                      memo=memo))
    result.update(body)
    if key is not None:
        memo[key] = result
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
    excluded = except_.get("refs") if isinstance(except_, dict) else except_
    if isinstance(excluded, list) and "branches" in excluded:  # runs for tags (and the like) only
        job.tag_only = True
        pipe.triggers.setdefault("tag", job.line)


def includes(sub: Submission, doc) -> list:
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


def templates(doc) -> list[tuple[str, int]]:
    """GitLab's own templates the pipeline includes (``include: template: Security/SAST...``)."""
    inc = doc.get("include") if isinstance(doc, dict) else None
    out = []
    for item in inc if isinstance(inc, list) else ([inc] if inc else []):
        template = item.get("template") if isinstance(item, dict) else None
        if isinstance(template, str):
            out.append((template, doc.line_of("include") if hasattr(doc, "line_of") else 1))
    return out


def remote_includes(doc) -> list[tuple[str, str, str, dict, int]]:
    """(where, file, ref, inputs, line) of what the pipeline includes from elsewhere: another
    project's files (``project:`` with ``file:`` and ``ref:``), a URL (``remote:``), a CI/CD
    component (``component: host/group/project/name@version`` with ``inputs:``). Never fetched."""
    inc = doc.get("include") if isinstance(doc, dict) else None
    items = inc if isinstance(inc, list) else ([inc] if inc else [])
    out: list[tuple[str, str, str, dict, int]] = []
    for i, item in enumerate(items[:20]):
        line = items.line_of(i) if isinstance(items, list) and hasattr(items, "line_of") else 1
        if isinstance(item, str) and re.match(r"^https?://", item):
            item = {"remote": item}
        if not isinstance(item, dict):
            continue
        inputs = mapping(item.get("inputs"))
        if isinstance(item.get("project"), str):
            files = item.get("file")
            for file in (files if isinstance(files, list) else [files])[:20]:
                if isinstance(file, str):
                    out.append((item["project"], file, str(item.get("ref") or ""), inputs, line))
        elif isinstance(item.get("remote"), str):
            url = item["remote"]
            out.append(("", url.rsplit("/", 1)[-1], "", inputs, line))
        elif isinstance(item.get("component"), str):
            name, _, version = item["component"].partition("@")
            where, _, comp = name.rpartition("/")
            out.append((where.split("/", 1)[-1] if "/" in where else where, comp, version, inputs, line or 1))
    return out


def _included_job(key: str, body: dict, merged: dict, remote: list) -> Remote | None:
    """What a job with no script of its own runs when the pipeline includes another project's
    files: its ``extends`` template (one the repository does not define) or the job itself comes
    from there — read from the template's and the job's names, its stage, its variables and its
    ``environment``."""
    parents = body.get("extends")
    named = [p for p in (parents if isinstance(parents, list) else [parents]) if isinstance(p, str)]
    elsewhere = [p for p in named if not isinstance(merged.get(p), dict)]
    if named and not elsewhere:
        return None  # every template it extends is here, and none gives it a script
    env = body.get("environment")
    env = env.get("name") if isinstance(env, dict) else env
    variables = mapping(body.get("variables"))
    stage = str(body.get("stage") or "")
    if elsewhere:  # read from the templates' names
        call = named_call("", f"{' '.join(p.strip('.') for p in elsewhere)}.yml", "", variables, job=key,
                          stage=stage, environment=env)
    else:  # the job itself is defined there: read from the included files' names
        call = next((c for w, f, r, *_ in remote if (c := named_call(w, f, r, variables, job=key, stage=stage,
                                                                        environment=env))), None)
    if call is None:
        return None
    # the included file whose name says what the job does (else the first)
    where, file, ref = next(((w, f, r) for w, f, r, *_ in remote if set(call.categories) & _named(w, f, r)),
                            remote[0][:3])
    return Remote(where, file.rsplit("/", 1)[-1], ref, call.categories, call.guessed)


def _named(where: str, file: str, ref: str) -> set[str]:
    """What an included file's name alone says it does."""
    call = named_call(where, file, ref, {})
    return set(call.categories) if call else set()


def _component_jobs(doc, remote: list, stage_order: dict) -> list[Job]:
    """A CI/CD component included with its inputs adds the jobs it defines: one job per component,
    read from its name and inputs (``stage``, ``environment``...)."""
    jobs = []
    include = doc.get("include") if isinstance(doc, dict) else None
    components = {str(i.get("component")).partition("@")[0].rpartition("/")[2]
                  for i in (include if isinstance(include, list) else [include]) if isinstance(i, dict)
                  and isinstance(i.get("component"), str)}
    for where, file, ref, inputs, line in remote:
        if file not in components:
            continue
        stage = str(inputs.get("stage") or "")
        call = named_call(where, file, ref, inputs, stage=stage, environment=inputs.get("environment"))
        if call is None:
            continue
        job = Job(f"component {file}", line, stage=stage or "test")
        job.steps.append(Step(f"component {file}", line, elsewhere=call))
        jobs.append(job)
    return jobs
