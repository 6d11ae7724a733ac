"""Deploy: a deploy step, verification after it, a rollback that runs only on failure, and a
named deployment strategy."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.common import found, loc
from grader.evidence import infra, manifests, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import live_steps
from grader.evidence.commands import categories, normalise
from grader.model import Finding, Location
from grader.yamlload import line_of, mapping

_HELM_SAFE = re.compile(r"^helm (upgrade|install)\b.*\s--(atomic|rollback-on-failure)\b")
_HELM_WAIT = re.compile(r"^helm (upgrade|install)\b.*\s--(wait|atomic|rollback-on-failure)\b")


def deploy_points(sub):
    """(pipe, job, step index, command index or None, step) for every deploy in a pipeline."""
    for pipe, job, index, step in live_steps(read_pipelines(sub), automatic_only=False):
        if "deploy" not in step.categories():
            continue
        cmds = [i for i, c in enumerate(step.commands) if "deploy" in categories(c.text)]
        yield pipe, job, index, (cmds[0] if cmds else None), step


def _deploy_text(pipe, step, cmd_index):
    if cmd_index is not None:
        c = step.commands[cmd_index]
        return c.at(pipe.path), c.text
    return loc(pipe.path, step.line), f"uses {step.uses}"


def _manifest_evidence(sub):
    objs = [o for o in manifests.objects(sub) if o.kind in manifests.WORKLOAD_KINDS]
    charts = [f for f in sub.files if f.endswith("Chart.yaml")]
    tf = [f for f in sub.files if f.endswith(".tf")]
    return objs, charts, tf


_APPLIED = re.compile(r"(?:^|\s)(?:-f|--filename|-k|--kustomize)(?:=|\s+)(\S+)")


def _applies_what_exists(sub, text: str) -> bool:
    """False when the command applies a local path (``kubectl apply -f k8s/``) that the
    repository does not have; URLs, stdin and variables are taken on trust."""
    m = _APPLIED.search(text)
    if not m:
        return True
    target = m.group(1).strip("'\"")
    if target == "-" or "://" in target or "$" in target or "{" in target:
        return True
    target = target.removeprefix("./").rstrip("/")
    return sub.exists(target) or any(f.startswith(target + "/") for f in sub.files)


@detector(
    "deploy-step",
    title="Deployment is automated",
    looks_for="A pipeline step that deploys: `kubectl apply`/`set image`, `helm upgrade --install`, "
    "Kustomize, `argocd app sync`, `terraform apply`, `ansible-playbook`, `docker compose up`, "
    "cloud CLIs (`gcloud run deploy`, `aws ecs update-service`, `az webapp`...), or deploy actions "
    "(`azure/k8s-deploy`...), directly or through a script, a Makefile target or a local action. A deploy "
    "that only runs when started by hand (`workflow_dispatch` only, GitLab `when: manual`, a manual "
    "Bitbucket step) earns `manual_credit`; deployment manifests without anything that applies them get "
    "`manifest_credit`.",
    why="Deployments done by the pipeline are repeatable and boring; manual ones (SSH into each "
    "server) are where outages start.",
    params={"manifest_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "manual_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"manifest_credit": 0.5, "manual_credit": 0.5},
)
def deploy_step(sub, p):
    missing = None
    by_hand = None
    for pipe, job, _index, ci, step in deploy_points(sub):
        where, what = _deploy_text(pipe, step, ci)
        if not _applies_what_exists(sub, what):
            missing = missing or (where, what)
            continue
        if not pipe.automatic or job.condition == "manual" or step.condition == "manual":
            by_hand = by_hand or (job, where, what)
            continue
        return Finding.passed(f"job `{job.id}` deploys automatically: {what}", [where])
    if by_hand:
        job, where, what = by_hand
        return Finding.ratio(p["manual_credit"], f"job `{job.id}` deploys only when started by hand: {what} — "
                             "a deploy the pipeline runs by itself (after the tests pass) earns full credit", [where])
    objs, charts, tf = _manifest_evidence(sub)
    if objs or charts or tf:
        first = objs[0].path if objs else (charts or tf)[0]
        return Finding.ratio(
            p["manifest_credit"],
            "deployment manifests found but no pipeline step applies them",
            [loc(first, objs[0].line if objs else 1)],
        )
    if missing:
        return Finding.failed(f"the pipeline deploys {missing[1]!r}, but the repository has no such file or folder",
                              [missing[0]])
    return Finding.failed("no deploy step and no deployment manifests found")


def _after(sub, pipe, job, index, ci):
    """Commands and steps that run after a deploy on the success path: (location, text, step)."""
    step = job.steps[index]
    for c in step.commands[(ci or 0) + 1:]:
        yield c.at(pipe.path), c.text, step
    for later in job.steps[index + 1:]:
        for c in later.commands:
            yield c.at(pipe.path), c.text, later
        if later.uses:
            yield loc(pipe.path, later.line), f"uses {later.uses}", later
    for other in pipe.jobs:
        if job.id in pipe.upstream(other):
            for later in other.steps:
                if other.condition in ("failure",):
                    continue
                for c in later.commands:
                    yield c.at(pipe.path), c.text, later
                if later.uses:
                    yield loc(pipe.path, later.line), f"uses {later.uses}", later


@detector(
    "deploy-verification",
    title="Deployment is verified",
    looks_for="After a deploy, on the success path: `kubectl rollout status`, `kubectl wait`, "
    "`helm test`, `helm upgrade --wait/--atomic`, `argocd app wait`, a smoke-test script or an "
    "HTTP health check (`curl` of the service), in the same job after the deploy or in a job "
    "that needs it.",
    why="A deployment isn't done when the command returns: automated health checks after deploy "
    "catch a broken release before users do.",
)
def deploy_verification(sub, p):
    deploys = list(deploy_points(sub))
    if not deploys:
        return Finding.failed("no deploy step found, so nothing is verified after a deploy")
    for pipe, job, index, ci, step in deploys:
        if ci is not None and _HELM_WAIT.match(normalise(step.commands[ci].text)):
            c = step.commands[ci]
            return Finding.passed(f"`{c.text[:60]}` waits until the release is healthy", [c.at(pipe.path)])
        for where, text, later in _after(sub, pipe, job, index, ci):
            if later.condition in ("failure", "never", "cancelled"):
                continue
            if "verify" in categories(text) or (text.startswith("uses ") and "verify" in later.categories()):
                return Finding.passed(f"after the deploy in job `{job.id}`: {text[:80]}", [where])
    pipe, job, index, ci, step = deploys[0]
    where, what = _deploy_text(pipe, step, ci)
    return Finding.failed(
        f"nothing checks the deployment after `{what[:60]}` (add `kubectl rollout status` or a smoke test)",
        [where],
    )


_ROLLOUT_KINDS = {"Rollout", "Canary"}


def _progressive(sub):
    """Argo Rollouts with analysis, or Flagger canaries: automated rollback by a controller."""
    for obj in manifests.objects(sub):
        spec = mapping(obj.body.get("spec"))
        if obj.kind == "Rollout" and "argoproj.io" in obj.api_version:
            strategy = mapping(spec.get("strategy"))
            canary = strategy.get("canary") if isinstance(strategy.get("canary"), dict) else None
            bg = strategy.get("blueGreen") if isinstance(strategy.get("blueGreen"), dict) else None
            analysis = False
            if canary:
                steps = canary.get("steps") if isinstance(canary.get("steps"), list) else []
                analysis = bool(canary.get("analysis")) or any(isinstance(s, dict) and "analysis" in s for s in steps)
            if bg:
                analysis = bool(bg.get("prePromotionAnalysis") or bg.get("postPromotionAnalysis"))
            if analysis:
                return obj, "Argo Rollouts " + ("canary" if canary else "blue-green") + " with analysis"
        if obj.kind == "Canary" and "flagger.app" in obj.api_version:
            if isinstance(spec.get("analysis"), dict):
                return obj, "Flagger canary with analysis"
    return None, None


@detector(
    "rollback-on-failure",
    title="Rollback runs on failure",
    looks_for="A rollback that runs only when the deploy or its verification fails: a step "
    "`if: failure()` (or a job `if: failure()` that needs the deploy job; GitLab "
    "`when: on_failure`) running `kubectl rollout undo`, `helm rollback`, `argocd app rollback`, "
    "`kubectl argo rollouts undo/abort`; or `helm upgrade --atomic`; or a progressive-delivery "
    "controller with automated analysis (Argo Rollouts, Flagger). A rollback that runs always, "
    "a failure step that only prints logs, or a comment mentioning rollback doesn't count; a "
    "rollback workflow run by hand gets `manual_credit`.",
    why="When a release goes wrong, one automatic rollback turns an outage into a blip: the "
    "time to restore is minutes, not hours.",
    params={"manual_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"manual_credit": 0.5},
)
def rollback_on_failure(sub, p):
    deploys = list(deploy_points(sub))
    for pipe, _job, _index, ci, step in deploys:
        if ci is not None and _HELM_SAFE.match(normalise(step.commands[ci].text)):
            c = step.commands[ci]
            return Finding.passed(f"`{c.text[:60]}` rolls back by itself when the upgrade fails",
                                  [c.at(pipe.path)])
    wrong = None
    for pipe, job, index, ci, _step in deploys:
        for where, text, later in _after(sub, pipe, job, index, ci):
            if "rollback" not in categories(text):
                continue
            if later.condition == "failure":
                return Finding.passed(f"job `{job.id}`: `{text[:60]}` runs when the deploy fails", [where])
            wrong = wrong or (where, text, later.condition)
        for other in pipe.jobs:
            if other.condition == "failure" and job.id in pipe.upstream(other):
                for later in other.steps:
                    for c in later.commands:
                        if "rollback" in categories(c.text):
                            return Finding.passed(
                                f"job `{other.id}` runs `{c.text[:60]}` when `{job.id}` fails",
                                [c.at(pipe.path)])
    obj, what = _progressive(sub)
    if obj:
        return Finding.passed(f"{what}: {obj.name} rolls back automatically", [loc(obj.path, obj.line)])
    if wrong:
        where, text, cond = wrong
        return Finding.failed(
            f"`{text[:60]}` runs {'always' if cond == 'always' else 'on every deploy'}, not only on failure "
            "(give it `if: failure()` / `when: on_failure`)", [where])
    for pipe in read_pipelines(sub):
        for job in pipe.jobs:
            for step in job.steps:
                for c in step.commands:
                    if "rollback" in categories(c.text):
                        return Finding.ratio(
                            p["manual_credit"] if not pipe.automatic or job.condition == "manual" else 0.0,
                            f"`{c.text[:60]}` in {pipe.path} is a rollback run by hand, not on failure",
                            [c.at(pipe.path)])
    if deploys:
        pipe, job, index, ci, step = deploys[0]
        where, what = _deploy_text(pipe, step, ci)
        return Finding.failed("nothing rolls back when the deploy fails", [where])
    return Finding.failed("no deploy step and no rollback found")


_STRATEGY_WORDS = re.compile(r"\b(blue[- ]?green|canary|rolling(?: update)?)\b", re.I)


@detector(
    "deploy-strategy",
    title="Named deployment strategy",
    looks_for="A deployment strategy configured in manifests: a Deployment's `strategy` "
    "(`RollingUpdate` with `maxSurge`/`maxUnavailable`), an Argo Rollouts `canary` or "
    "`blueGreen` strategy, a Flagger `Canary`, or blue/green Deployments side by side. A "
    "strategy only named in the docs gets `docs_credit`.",
    why="Rolling, blue-green and canary deployments limit the blast radius of a bad release "
    "and make rollback instant.",
    params={"docs_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"docs_credit": 0.5},
)
def deploy_strategy(sub, p):
    objs = manifests.objects(sub)
    names = {o.name for o in objs if o.kind == "Deployment"}
    for obj in objs:
        spec = mapping(obj.body.get("spec"))
        strategy = spec.get("strategy") if isinstance(spec.get("strategy"), dict) else None
        if obj.kind == "Rollout" and strategy:
            kind = "canary" if "canary" in strategy else ("blue-green" if "blueGreen" in strategy else None)
            if kind:
                return Finding.passed(f"{kind} strategy (Argo Rollouts {obj.name})", [loc(obj.path, obj.line)])
        if obj.kind == "Canary" and "flagger.app" in obj.api_version:
            return Finding.passed(f"canary strategy (Flagger {obj.name})", [loc(obj.path, obj.line)])
        if obj.kind == "Deployment" and strategy:
            stype = strategy.get("type", "RollingUpdate")
            if stype == "RollingUpdate" and isinstance(strategy.get("rollingUpdate"), dict):
                settings = ", ".join(f"{k} {v}" for k, v in strategy["rollingUpdate"].items())
                return Finding.passed(f"rolling update strategy ({obj.name}: {settings})",
                                      [loc(obj.path, obj.line)])
        if obj.kind == "Deployment" and re.search(r"-(blue|green)$", obj.name):
            other = re.sub(r"-(blue|green)$", lambda m: "-green" if m.group(1) == "blue" else "-blue", obj.name)
            if other in names:
                return Finding.passed(f"blue-green strategy ({obj.name} and {other})", [loc(obj.path, obj.line)])
    for rel in sub.by_suffix(".md"):
        root = None
        if "deploy" in rel.lower() or "pipeline" in rel.lower() or rel.lower().endswith("readme.md"):
            root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            if section.level and _STRATEGY_WORDS.search(section.title) and markdown.is_filled(section.body, 5):
                return Finding.ratio(
                    p["docs_credit"],
                    f"{rel} describes a {_STRATEGY_WORDS.search(section.title).group(1).lower()} "
                    "strategy, but no manifest configures it",
                    [loc(rel, section.line)])
    return Finding.failed("no deployment strategy configured (rolling update, blue-green or canary)")


@detector(
    "deploy-tooling",
    title="Deployment tooling",
    looks_for="A deployment tool configured: Argo CD `Application`/`ApplicationSet` (source and "
    "destination), Flux `Kustomization` or `HelmRelease`, a Spinnaker pipeline (JSON with `application` "
    "and deploy `stages`), an Ansible playbook (plays with `hosts` and `tasks`/`roles`), Terraform "
    "resources, or a docker compose / Swarm stack file with services.",
    why="Declarative deployment tools (GitOps, infrastructure as code) make every environment "
    "reproducible from the repository.",
)
def deploy_tooling(sub, p):
    hits = []
    for obj in manifests.objects(sub):
        spec = mapping(obj.body.get("spec"))
        if obj.kind in ("Application", "ApplicationSet") and "argoproj.io" in obj.api_version \
                and (spec.get("source") or spec.get("sources") or spec.get("template")):
            hits.append(("Argo CD", Location(obj.path, obj.line), obj.name))
        elif obj.kind in ("Kustomization", "HelmRelease") and "toolkit.fluxcd.io" in obj.api_version:
            hits.append(("Flux", Location(obj.path, obj.line), obj.name))
    for rel, doc in infra.yaml_documents(sub):
        if isinstance(doc, list) and doc and all(isinstance(play, dict) for play in doc) \
                and any("hosts" in play and ("tasks" in play or "roles" in play) for play in doc):
            hits.append(("Ansible", Location(rel, line_of(doc, 1) or 1), rel))
    for rel in sub.by_suffix(".json"):
        if "spinnaker" in rel.lower() or "pipeline" in rel.lower():
            data = sub.json_data(rel)
            stages = data.get("stages") if isinstance(data, dict) else None
            if isinstance(stages, list) and data.get("application") and any(
                    isinstance(s, dict) and str(s.get("type", "")).lower() in ("deploy", "deploymanifest", "bake")
                    for s in stages):
                hits.append(("Spinnaker", Location(rel, 1), rel))
    for rel, line, rtype, _body in infra.terraform_resources(sub):
        hits.append(("Terraform", Location(rel, line), rtype))
        break
    swarm = False
    for rel, _svc, body in infra.compose_services(sub):
        if isinstance(body.get("deploy"), dict) and ("replicas" in body["deploy"] or "update_config" in body["deploy"]):
            swarm = True
            hits.append(("Docker Swarm stack", Location(rel, line_of(body, 1)), rel))
            break
    if not swarm:
        for rel, _svc, body in infra.compose_services(sub):
            if body.get("image") or body.get("build"):
                hits.append(("docker compose", Location(rel, line_of(body, 1)), rel))
                break
    if hits:
        return found("deployment tooling", hits)
    return Finding.failed("no deployment tooling configured (Argo CD, Flux, Spinnaker, Ansible, Terraform, compose)")


@detector(
    "progressive-delivery",
    title="Blue-green or canary set-up",
    looks_for="A blue-green or canary deployment configured: Argo Rollouts (`canary` or `blueGreen`), "
    "a Flagger `Canary`, blue and green Deployments side by side, Istio `VirtualService` routes split by "
    "`weight`, or an SMI `TrafficSplit`.",
    why="Canary and blue-green releases limit a bad version to a few users and make rollback a "
    "switch, not a redeploy.",
)
def progressive_delivery(sub, p):
    hits = []
    objs = manifests.objects(sub)
    names = {o.name for o in objs if o.kind == "Deployment"}
    for obj in objs:
        spec = mapping(obj.body.get("spec"))
        strategy = mapping(spec.get("strategy"))
        if obj.kind == "Rollout" and "argoproj.io" in obj.api_version:
            if "canary" in strategy:
                hits.append(("canary (Argo Rollouts)", Location(obj.path, obj.line), obj.name))
            elif "blueGreen" in strategy:
                hits.append(("blue-green (Argo Rollouts)", Location(obj.path, obj.line), obj.name))
        elif obj.kind == "Canary" and "flagger.app" in obj.api_version:
            hits.append(("canary (Flagger)", Location(obj.path, obj.line), obj.name))
        elif obj.kind == "Deployment" and obj.name.endswith("-blue") and obj.name[:-5] + "-green" in names:
            hits.append(("blue-green Deployments", Location(obj.path, obj.line), obj.name))
        elif obj.kind == "VirtualService" and "istio.io" in obj.api_version:
            for route in spec.get("http") or []:
                dests = route.get("route") if isinstance(route, dict) else None
                if isinstance(dests, list) and sum(1 for d in dests if isinstance(d, dict) and d.get("weight")) >= 2:
                    hits.append(("canary (Istio weights)", Location(obj.path, obj.line), obj.name))
                    break
        elif obj.kind == "TrafficSplit" and isinstance(spec.get("backends"), list) and len(spec["backends"]) >= 2:
            hits.append(("canary (SMI TrafficSplit)", Location(obj.path, obj.line), obj.name))
    if hits:
        return found("progressive delivery", hits)
    return Finding.failed("no blue-green or canary set-up configured")

