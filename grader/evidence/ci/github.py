"""GitHub Actions workflows into the pipeline model: every `on:` form, `needs`, job and step
`if:` conditions, multi-line `run:` scripts, `uses:` actions and reusable workflow calls."""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING

from grader.evidence.ci.model import Job, Pipeline, Step
from grader.evidence.ci.remote import github_call
from grader.evidence.shell import split_script
from grader.patterns import lazy
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

SYSTEM = "github"
NAME = "GitHub Actions"
WHERE = "`.github/workflows/*.yml`"
PREFIXES = (".github/workflows/",)

TERMS = {  # how a hint says it in this system
    "ci": "GitHub Actions", "ci_file": ".github/workflows/ci.yml", "commit_sha": "${{ github.sha }}",
    "on_change": "`on: [push, pull_request]`", "on_failure": "`if: failure()`",
    "on_tags": "`on: push: tags: ['v*']`",
}

# Docker's samples build and push each image with their organisation's reusable workflow
_DOCKERSAMPLES_BUILD = "dockersamples/.github/.github/workflows/reusable-docker-build.yaml"
# What its actions (`uses: owner/name`, matched without @ref) do: category -> names.
ACTIONS: dict[str, tuple[str, ...]] = {
    # (an organisation's reusable build actions are read as what they run: the Prometheus
    # project's promci builds with promu crossbuild, and publishes images and release tarballs)
    "build": ("docker/build-push-action", "redhat-actions/buildah-build",
              "mr-smithers-excellent/docker-build-push", "prometheus/promci/build",
              "prometheus/promci/publish_main", "prometheus/promci/publish_release", _DOCKERSAMPLES_BUILD,
              "goreleaser/goreleaser-action", "helm/chart-releaser-action"),
    "publish": ("docker/build-push-action", "helm/chart-releaser-action", "pypa/gh-action-pypi-publish", "softprops/action-gh-release",
                "prometheus/promci/publish_main", "prometheus/promci/publish_release", _DOCKERSAMPLES_BUILD),
    "deploy": ("azure/k8s-deploy", "azure/webapps-deploy", "azure/functions-action", "deliverybot/helm",
               "wahyd4/kubectl-helm-action", "bitovi/github-actions-deploy-eks-helm",
               "helmfile/helmfile-action", "aws-actions/amazon-ecs-deploy-task-definition",
               "google-github-actions/deploy-cloudrun", "google-github-actions/deploy-appengine",
               "appleboy/ssh-action", "peaceiris/actions-gh-pages", "actions/deploy-pages",
               "akhileshns/heroku-deploy", "superfly/flyctl-actions", "amondnet/vercel-action",
               "hashicorp/tfc-workflows-github", "dawidd6/action-ansible-playbook"),
    "install": ("actions/setup-python", "actions/setup-node", "actions/setup-go", "actions/setup-java",
                "ruby/setup-ruby", "bahmutov/npm-install", "astral-sh/setup-uv"),
    "test": ("cypress-io/github-action", "gradle/gradle-build-action"),
    "release": ("softprops/action-gh-release", "actions/create-release", "ncipollo/release-action",
                "googleapis/release-please-action", "google-github-actions/release-please-action",
                "cycjimmy/semantic-release-action", "python-semantic-release/python-semantic-release",
                "goreleaser/goreleaser-action", "changesets/action", "helm/chart-releaser-action",
                "prometheus/promci/publish_release"),
    "verify": ("jtalk/url-health-check-action",),
}
# Those that run a script on a server over SSH: what they do is what the script does.
SSH_ACTIONS = frozenset({"appleboy/ssh-action", "d3lm/ssh-action", "fifsky/ssh-action", "garygrossgarten/github-action-ssh"})


def matches(path: str) -> bool:
    """A workflow directly in ``.github/workflows/`` (GitHub runs no others)."""
    low = path.lower()
    return low.startswith(".github/workflows/") and low.endswith((".yml", ".yaml")) and path.count("/") == 2


def read(sub: Submission, path: str) -> Pipeline | None:
    docs = sub.yaml_docs(path) or []
    return read_github(path, docs[0]) if docs else None  # GitHub reads one document


def github_condition(expr) -> str:
    if expr is None or expr is True:
        return "success"
    if expr is False:
        return "never"
    text = str(expr).replace("${{", "").replace("}}", "").strip()
    if text.lower() in ("false", "0"):  # `if: ${{ false }}`: switched off
        return "never"
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


def read_github(path: str, doc) -> Pipeline | None:
    if not isinstance(doc, dict) or "jobs" not in doc:
        return None
    pipe = Pipeline(SYSTEM, path, line_of(doc, 1) or 1, str(doc.get("name") or path))
    on = doc.get("on", doc.get(True))
    on_line = doc.line_of("on") if hasattr(doc, "line_of") else 1
    for event, line in _github_events(on, on_line):
        pipe.triggers.setdefault(event, line)
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return pipe
    env = mapping(doc.get("env"))
    default_dir = mapping(mapping(doc.get("defaults")).get("run")).get("working-directory")
    for job_id, body in jobs.items():
        if not isinstance(body, dict):
            continue
        job_dir = mapping(mapping(body.get("defaults")).get("run")).get("working-directory", default_dir)
        job = Job(str(job_id), line_of(body, jobs.line_of(job_id) if hasattr(jobs, "line_of") else 0) or 0)
        needs = body.get("needs")
        job.needs = [str(n) for n in needs] if isinstance(needs, list) else ([str(needs)] if needs else [])
        job.condition = github_condition(body.get("if"))
        job.ephemeral = _hosted(body.get("runs-on"))
        if isinstance(body.get("if"), str) and "refs/tags" in body["if"]:
            job.tag_only = True
        if isinstance(body.get("uses"), str):  # a reusable workflow call
            step = Step(f"uses {body['uses']}", job.line, uses=body["uses"], with_=mapping(body.get("with")))
            environment = body.get("environment")
            step.elsewhere = github_call(body["uses"], step.with_, job=f"{job_id} {body.get('name') or ''}",
                                         environment=environment.get("name") if isinstance(environment, dict)
                                         else environment)
            job.steps.append(step)
        steps = body.get("steps")
        if isinstance(steps, list):
            rows = matrix_rows(body.get("strategy"))
            for index, raw in enumerate(steps):
                if isinstance(raw, dict):
                    job.steps.append(_step(raw, steps, index, job, env, mapping(body.get("env")), job_dir, rows))
        pipe.jobs.append(job)
    return pipe


MAX_MATRIX = 8  # runs of one step read, one per distinct command line a matrix gives it


def matrix_rows(strategy) -> list[dict[str, str]]:
    """The runs a job's ``strategy.matrix`` makes, as the plain values each gives its variables:
    the combinations of its lists, then its ``include`` entries (bounded)."""
    matrix = mapping(mapping(strategy).get("matrix"))
    rows: list[dict[str, str]] = [{}]
    for key, values in list(matrix.items())[:10]:
        if key in ("include", "exclude") or not isinstance(values, list):
            continue
        plain = [str(v) for v in values[:MAX_MATRIX] if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
        if plain:
            rows = [{**row, str(key): value} for row in rows for value in plain][: 2 * MAX_MATRIX]
    include = matrix.get("include")
    for item in include[: 2 * MAX_MATRIX] if isinstance(include, list) else []:
        if isinstance(item, dict):
            rows.append({str(k): str(v) for k, v in item.items()
                         if isinstance(v, (str, int, float)) and not isinstance(v, bool)})
    return [row for row in rows if row]


_MATRIX_REF = lazy(r"\$\{\{\s*matrix\.([A-Za-z_][\w-]*)\s*\}\}")


def _matrix_runs(run: str, rows: list[dict[str, str]]) -> list[str]:
    """The command lines a ``run:`` script is across the job's matrix (``poe ${{ matrix.task }}``
    with tasks check and lint: ``poe check``, ``poe lint``); values that are plain words replace
    their references, at most :data:`MAX_MATRIX` distinct scripts; the script as written when
    nothing of the matrix is known."""
    if "matrix." not in run or not rows:
        return [run]
    def value(row: dict[str, str], ref: re.Match) -> str:
        plain = row.get(ref.group(1), "")
        return plain if re.fullmatch(r"[\w./:@+-]+", plain) else ref.group(0)

    scripts: list[str] = []
    for row in rows:
        text = _MATRIX_REF.sub(functools.partial(value, row), run)
        if text not in scripts:
            scripts.append(text)
        if len(scripts) >= MAX_MATRIX:
            break
    return scripts or [run]


def _step(raw: dict, steps: list, index: int, job: Job, env: dict, job_env: dict, job_dir,
          rows: list[dict[str, str]] | None = None) -> Step:
    """One step of a job: its condition, its action and inputs, the script it runs (a `run:`,
    across the job's matrix, or the script an SSH action runs on the server), its working directory."""
    sline = line_of(raw, item_line(steps, index)) or job.line
    step = Step(
        str(raw.get("name") or raw.get("uses") or raw.get("id") or f"step {index + 1}"),
        sline,
        condition=github_condition(raw.get("if")),
        uses=raw.get("uses") if isinstance(raw.get("uses"), str) else None,
        with_=mapping(raw.get("with")),
        workdir=str(raw.get("working-directory") or job_dir or ""),
    )
    if step.uses and not isinstance(raw.get("run"), str):  # an action of another repository
        step.elsewhere = github_call(step.uses, step.with_)
    run = raw.get("run")
    script = step.with_.get("script")
    if step.uses and step.uses.split("@")[0].lower() in SSH_ACTIONS and isinstance(script, str) \
            and not _only_expression(script):  # a script kept in a secret: unknown
        # the script an SSH action runs on the server
        wline = raw["with"].line_of("script") if hasattr(raw["with"], "line_of") else sline
        offset = 1 if "\n" in script.rstrip("\n") else 0
        step.commands = [dataclasses.replace(c, remote=True)
                         for c in split_script(script, (wline or sline) + offset)]
    if isinstance(run, str):
        run_line = raw.line_of("run") if hasattr(raw, "line_of") else sline
        # block scalars (| and >) start on the line after the key
        offset = 1 if "\n" in run.rstrip("\n") else 0
        script_env = _with_env(run, env, job_env, mapping(raw.get("env")))
        step.commands = [c for variant in _matrix_runs(script_env, rows or [])
                         for c in split_script(variant, (run_line or sline) + offset)]
        if raw.get("continue-on-error") is True and not _fails_later(steps, index, raw.get("id")):
            # a failure here never stops the job
            step.commands = [dataclasses.replace(c, ignored=True) for c in step.commands]
    return step


_EXITS = lazy(r"^(?:exit\s+(?:[1-9]\d*|\$\S+)|false)\s*$")


def _fails_later(steps: list, index: int, step_id) -> bool:
    """Is a ``continue-on-error`` step's failure only deferred: a later step of the job runs when
    its outcome is a failure (``if: steps.<id>.outcome == 'failure'``) and fails the job
    (``exit 1``, or ``core.setFailed`` in ``actions/github-script``)? Then it still gates."""
    if not isinstance(step_id, str) or not step_id:
        return False
    failed = re.compile(rf"steps\.{re.escape(step_id)}\.(?:outcome|conclusion)\s*"
                        r"(?:==\s*['\"]failure['\"]|!=\s*['\"]success['\"])")
    for later in steps[index + 1:]:
        if not isinstance(later, dict) or not failed.search(str(later.get("if") or "")):
            continue
        run = later.get("run")
        if isinstance(run, str) and any(_EXITS.match(c.text) for c in split_script(run, 1)):
            return True
        script = mapping(later.get("with")).get("script")
        if str(later.get("uses") or "").startswith("actions/github-script") and "setFailed" in str(script):
            return True
    return False


def _only_expression(text: str) -> bool:
    """``${{ secrets.SCRIPT }}`` and nothing else: what runs is not in the repository."""
    text = text.strip()
    return text.startswith("${{") and text.endswith("}}") and "}}" not in text[3:-2]


def _hosted(runs_on) -> bool:
    """A GitHub-hosted runner (a fresh virtual machine per job): any ``runs-on`` that does not
    name a self-hosted runner or a runner group."""
    if isinstance(runs_on, dict):
        if runs_on.get("group"):
            return False
        runs_on = runs_on.get("labels")
    labels = [runs_on] if isinstance(runs_on, str) else (runs_on if isinstance(runs_on, list) else [])
    return bool(labels) and not any("self-hosted" in str(label).lower() for label in labels)


_ENV_REF = lazy(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _with_env(run: str, *envs: dict) -> str:
    """``${{ env.CARGO }} test`` as it runs: ``env`` values of the workflow, job and step that
    are plain words replace their references (an expression or a secret stays as written)."""
    if "${{" not in run:
        return run
    values: dict[str, str] = {}
    for env in envs:
        for key, value in env.items():
            if isinstance(value, (str, int, float)) and re.fullmatch(r"[\w./:@+-]+", str(value)):
                values[str(key)] = str(value)
    return _ENV_REF.sub(lambda m: values.get(m.group(1), m.group(0)), run)


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
            if name == "push" and isinstance(conf, dict) and conf.get("tags") is not None and version_tags(conf["tags"]):
                yield "tag", eline


_NOT_A_VERSION = lazy(r"^[A-Za-z][\w-]*[-_/]?\*?$")


def version_tags(patterns) -> bool:
    """Can the tag filter match a version tag? `v*`, `*`, `[0-9]+.*`, `release-*` can; filters of
    names alone (`test-env*`, `staging-*`, `deploy`) deploy environments: they are no releases."""
    items = patterns if isinstance(patterns, list) else [patterns]
    for item in items:
        text = str(item).strip()
        if not _NOT_A_VERSION.match(text) or text.lower().startswith(("v", "release", "rel-")):
            return True
    return not items


def _github_event_name(event: str, conf) -> str:
    event = event.strip()
    if event == "push" and isinstance(conf, dict):
        if conf.get("tags") is not None and conf.get("branches") is None and conf.get("paths") is None:
            return "tag" if version_tags(conf["tags"]) else "push"
    if event in ("pull_request", "pull_request_target", "merge_group"):
        return "pull_request"
    if event == "release":
        return "release"
    return event


def link(github: list[Pipeline]) -> None:
    """A workflow run only by ``workflow_call`` or ``workflow_run`` is as automatic as the
    workflows that call it or that it follows."""
    # Who calls whom, indexed once: linking is linear in the workflows and their steps (2,000
    # reusable workflows are not 2,000 scans of every step of every workflow).
    calls: dict[str, list[Pipeline]] = {}
    for p in github:
        for callee in {s.uses.split("@")[0].removeprefix("./") for j in p.jobs for s in j.steps if s.uses}:
            calls.setdefault(callee, []).append(p)
    automatic = sum(1 for p in github if p.automatic)
    for _ in range(3):  # calls may chain
        for pipe in github:
            if pipe.automatic:
                continue
            callers = [p for p in calls.get(pipe.path, ()) if p.automatic]
            followed = "workflow_run" in pipe.triggers and automatic > 0
            if callers or followed:
                line = pipe.triggers.get("workflow_call", pipe.triggers.get("workflow_run", pipe.line))
                source = {t for p in callers for t in p.triggers} or {"push"}
                for trig in source & {"push", "pull_request", "tag"}:
                    pipe.triggers.setdefault(trig, line)
                if pipe.automatic:
                    automatic += 1
