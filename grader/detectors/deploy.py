"""Deploy: a deploy step, verification after it, a rollback that runs only on failure, and a
named deployment strategy."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, loc
from grader.evidence import delivery, infra, manifests, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import command_categories
from grader.evidence.deploys import (
    after_deploy,
    applies_what_exists,
    compose_apps,
    deploy_environments,
    deploy_points,
    deploy_script,
    deploy_text,
    gitops_sync,
    gitops_waits,
    manifest_evidence,
    platform_configs,
    postsync_hook,
    progressive_rollout,
    real_first,
)
from grader.evidence.shell import normalise
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission
from grader.yamlload import line_of, mapping

_HELM_SAFE = lazy(r"^helm (upgrade|install)\b.*\s--(atomic|rollback-on-failure)\b")
_HELM_WAIT = lazy(r"^helm (upgrade|install)\b.*\s--(wait|atomic|rollback-on-failure)\b")


@detector(
    "deploy-step",
    title="Deployment is automated",
    looks_for="A pipeline step that deploys: `kubectl apply`/`set image`, `helm upgrade --install`, "
    "Kustomize, `argocd app sync`, `terraform apply`, `ansible-playbook`, `docker compose up` or "
    "`docker stack deploy`, cloud CLIs (`gcloud run deploy`, `aws ecs update-service`, `az webapp`...), "
    "Maven/Gradle deploy plugins (`azure-webapp:deploy`, `appengine:deploy`, Mule `-DmuleDeploy`), "
    "deploy actions (`azure/k8s-deploy`...), or commands run on a server over SSH (`ssh host 'docker "
    "compose up -d'`, `appleboy/ssh-action`, a `pm2 restart` there), files copied onto a server or "
    "a bucket that serves them (`rsync`/`scp` to `host:path`, `aws s3 sync`, `gh-pages`), directly or "
    "through a script (its wrapper functions read as what they run), a "
    "Makefile target or a local action; `docker run -d` on a runner that stays (a Jenkins agent, a "
    "self-hosted runner). A deploy that only runs when started by hand (`workflow_dispatch` "
    "only, GitLab `when: manual`, a manual Bitbucket step) earns `manual_credit`; one that only reaches a "
    "throwaway environment (a kind/minikube/k3d cluster the job creates, `docker compose up` on the "
    "hosted runner) tests the deployment and earns `throwaway_credit`; deployment manifests (Kubernetes, "
    "Helm, Terraform, or a platform's configuration: a Heroku `Procfile`, App Engine `app.yaml`, "
    "`fly.toml`, `render.yaml`, `vercel.json`, `netlify.toml`, Serverless, SAM, CodeDeploy `appspec.yml`, "
    "azd `azure.yaml`, Bicep, a Cloud Deploy `DeliveryPipeline` nothing releases into, a Compose file "
    "that builds the application's services) "
    "without anything that applies them get `manifest_credit`. A GitOps controller that applies a "
    "folder of the repository by itself deploys automatically too: an Argo CD `Application` (or "
    "`ApplicationSet`) with `syncPolicy.automated`, or a Flux `Kustomization` that is not suspended, "
    "whose `path` is in the repository.",
    why="Deployments done by the pipeline are repeatable and boring; manual ones (SSH into each "
    "server) are where outages start.",
    params={"manifest_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "manual_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "throwaway_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"manifest_credit": 0.5, "manual_credit": 0.5, "throwaway_credit": 0.5},
)
def deploy_step(sub: Submission, p: Params) -> Finding:
    missing = None
    by_hand = None
    throwaway = None
    for pipe, job, _index, ci, step, away in deploy_points(sub):
        where, what = deploy_text(pipe, step, ci)
        if not applies_what_exists(sub, what):
            missing = missing or (where, what)
            continue
        if away:
            throwaway = throwaway or (job, where, what, away)
            continue
        if not pipe.automatic or job.condition == "manual" or step.condition == "manual":
            by_hand = by_hand or (job, where, what)
            continue
        promoted = delivery.release_path(sub, what)  # (a Cloud Deploy release: its stages)
        return Finding.passed(f"job `{job.id}` deploys automatically: {what}{promoted}", [where])
    gitops = gitops_sync(sub)
    if gitops:
        obj, tool, path = gitops
        return Finding.passed(f"{tool} {obj.name!r} deploys {path}/ automatically: every change merged there "
                              "is applied to the cluster (GitOps)", [loc(obj.path, obj.line)])
    if by_hand:
        job, where, what = by_hand
        return Finding.ratio(p["manual_credit"], f"job `{job.id}` deploys only when someone starts or approves it by "
                             f"hand: {what} — a deploy the pipeline runs by itself (after the tests pass) earns full "
                             "credit", [where])
    if throwaway:
        job, where, what, away = throwaway
        return Finding.ratio(p["throwaway_credit"], f"job `{job.id}` deploys only {away} (`{what[:60]}`): that "
                             "tests the deployment — deploy to a lasting environment (staging, production) for "
                             "full credit", [where])
    script = deploy_script(sub)
    if script:
        path, cmd = script
        return Finding.ratio(p["manifest_credit"], f"{path} deploys (`{cmd.text[:60]}`), but no pipeline runs it: "
                             "a deploy run by hand — call it from the pipeline after the tests", [loc(path, cmd.line)])
    objs, charts, tf = manifest_evidence(sub)
    if objs or charts or tf:
        first = objs[0].path if objs else (charts or tf)[0]
        platform = dict(platform_configs(sub)).get(first)
        if platform:
            msg = f"a deployment configuration ({platform}, {first}) but no pipeline step deploys it"
        elif not objs and not charts and first in compose_apps(sub):
            msg = (f"{first} runs the application's services, but no pipeline step deploys it (a `docker "
                   "compose up` by hand) — run it on the target from the pipeline after the tests")
        else:
            msg = "deployment manifests found but no pipeline step applies them"
        return Finding.ratio(p["manifest_credit"], msg, [loc(first, objs[0].line if objs else 1)])
    if missing:
        return Finding.failed(f"the pipeline deploys {missing[1]!r}, but the repository has no such file or folder",
                              [missing[0]])
    return Finding.failed("no deploy step and no deployment manifests found")


def _gitops_verified(sub: Submission, app: manifests.K8sObject, tool: str, path: str) -> Finding:
    """Verification of a GitOps deploy (see :func:`grader.evidence.deploys.gitops_waits` and
    :func:`~grader.evidence.deploys.postsync_hook`)."""
    waits = gitops_waits(app, tool)
    if waits:
        return Finding.passed(f"{tool} {app.name!r} waits for what it applies to be healthy ({waits})",
                              [loc(app.path, app.line)])
    hook = postsync_hook(sub, path)
    if hook:
        return Finding.passed(f"{hook.kind} {hook.name!r} runs as a PostSync hook after each {tool} sync of "
                              f"{path}/", [loc(hook.path, hook.line)])
    return Finding.failed(f"{tool} {app.name!r} applies {path}/ by itself, but nothing checks the service after "
                          "a sync (an Argo CD PostSync hook Job with a smoke test, Flux `wait: true`)",
                          [loc(app.path, app.line)])


def _aimed_at_a_target(text: str) -> bool:
    """Is a test run aimed at a deployed host: a URL that is not the runner's own, a variable
    naming a URL, host or endpoint (`BASE_URL=$STAGING_URL npm test`), a `--base-url`/`--host`?"""
    if _REMOTE_URL.search(text) or _TARGET_OPTION.search(text):
        return True
    return any(name.upper().endswith(_TARGET_NAMES) for name in _VARIABLE.findall(text))


_REMOTE_URL = lazy(r"https?://(?!localhost\b|127\.0\.0\.1\b|0\.0\.0\.0\b)")
_TARGET_OPTION = lazy(r"(?:^|\s)--(?:base-?url|baseurl|host|url|target|endpoint)\b", re.I)
_VARIABLE = lazy(r"\$\{?\{?\s*([\w.]+)")
_TARGET_NAMES = ("URL", "HOST", "HOSTNAME", "ENDPOINT", "DOMAIN", "BASE_URL", "API")


# End-to-end and smoke suites run after a deploy test the deployment itself (unit tests don't).
_END_TO_END = lazy(r"(?i)\b(?:playwright|cypress|newman|k6|e2e|end-to-end|smoke|acceptance)\b")


@detector(
    "deploy-verification",
    title="Deployment is verified",
    looks_for="After a deploy, on the success path: `kubectl rollout status`, `kubectl wait`, "
    "`helm test`, `helm upgrade --wait/--atomic`, `argocd app wait`, a smoke-test script or an "
    "HTTP health check (`curl` of the service), an end-to-end or smoke suite (Playwright, Cypress, "
    "Newman, `npm run test:e2e`) or any test suite aimed at the deployed host (a URL, a `*_URL`/`*_HOST` "
    "variable, `--base-url`), in the same job after the deploy or in a job "
    "that needs it. Another deploy (a second deploy hook) is not a check, nor a `curl` that writes "
    "(`-d`, `-X POST`: a flag put into a key-value store). Checks of a throwaway "
    "deployment only (a cluster the job creates) earn `throwaway_credit`. A GitOps deploy is verified "
    "by an Argo CD `PostSync` hook (a Job in the synced folder) or a Flux Kustomization that waits for "
    "health (`wait: true`, `healthChecks`). A delivery tool's own configuration counts when the pipeline "
    "runs the tool: `skaffold run`/`deploy` waits for the rollout (Skaffold's status check, unless "
    "`statusCheck: false`); a Cloud Deploy release into a DeliveryPipeline with a stage that has "
    "`verify: true` and a Skaffold `verify:` container; a CodeDeploy deployment whose `appspec.yml` "
    "`ValidateService`/`AfterAllowTraffic` hook runs a script in the repository that checks the service "
    "(or a Lambda function the repository defines) — a hook whose script is missing or checks nothing "
    "does not count.",
    why="A deployment isn't done when the command returns: automated health checks after deploy "
    "catch a broken release before users do.",
    params={"throwaway_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"throwaway_credit": 0.5},
)
def deploy_verification(sub: Submission, p: Params) -> Finding:
    deploys = real_first(deploy_points(sub))
    if not deploys:
        gitops = gitops_sync(sub)
        if gitops:
            return _gitops_verified(sub, *gitops)
        return Finding.failed("no deploy step found, so nothing is verified after a deploy")
    note = None  # what a delivery tool's configuration leaves unchecked (or fakes)
    for pipe, job, index, ci, step, away in deploys:
        credit = p["throwaway_credit"] if away else 1.0
        tail = f" — but only of a deployment {away}" if away else ""
        if ci is not None and _HELM_WAIT.match(normalise(step.commands[ci].text)):
            c = step.commands[ci]
            return Finding.ratio(credit, f"`{c.text[:60]}` waits until the release is healthy{tail}", [c.at(pipe.path)])
        configured = delivery.tool_verification(sub, step.commands[ci].text) if ci is not None else None
        if configured and configured[0]:
            return Finding.ratio(credit, configured[1] + tail, [step.commands[ci].at(pipe.path), configured[2]])
        if configured:
            note = note or configured
        aimed: set[int] = set()  # steps whose commands point their tests at a deployed host
        for where, text, cats, later in after_deploy(sub, pipe, job, index, ci):
            if later.condition in ("failure", "never", "cancelled") or "deploy" in cats:
                continue
            if _aimed_at_a_target(text):
                aimed.add(id(later))
            if "verify" in cats or ("test" in cats and (_END_TO_END.search(text) or id(later) in aimed)):
                return Finding.ratio(credit, f"after the deploy in job `{job.id}`: {text[:80]}{tail}", [where])
    pipe, job, index, ci, step, _away = deploys[0]
    where, what = deploy_text(pipe, step, ci)
    if note:
        return Finding.failed(f"nothing checks the deployment after `{what[:60]}`: {note[1]}", [where, note[2]])
    return Finding.failed(
        f"nothing checks the deployment after `{what[:60]}` (add `kubectl rollout status` or a smoke test)",
        [where],
    )


@detector(
    "rollback-on-failure",
    title="Rollback runs on failure",
    looks_for="A rollback that runs only when the deploy or its verification fails: a step "
    "`if: failure()` (or a job `if: failure()` that needs the deploy job; GitLab "
    "`when: on_failure`) running `kubectl rollout undo`, `helm rollback`, `argocd app rollback`, "
    "`kubectl argo rollouts undo/abort`, `docker service rollback`; or `helm upgrade --atomic`; or a "
    "Swarm service whose `update_config` has `failure_action: rollback`; or, on failure only, a "
    "teardown of the new environment or a migration revert (`aws cloudformation delete-stack`, "
    "`terraform destroy`, `helm uninstall`, `typeorm migration:revert`...); or a progressive-delivery "
    "controller with automated analysis (Argo Rollouts, Flagger); or a delivery tool configured to roll "
    "back a failed deployment: a Cloud Deploy `Automation` whose `repairRolloutRule` has a `rollback` "
    "repair phase, a CodeDeploy deployment group with automatic rollback on `DEPLOYMENT_FAILURE` "
    "(Terraform `auto_rollback_configuration`, CloudFormation `AutoRollbackConfiguration`, the CDK) — "
    "`manual_credit` when no pipeline deploys through it. A rollback that runs always, "
    "a failure step that only prints logs, or a comment mentioning rollback doesn't count; a "
    "rollback workflow run by hand gets `manual_credit`; one that only guards a throwaway deployment (a "
    "cluster the job creates) gets `throwaway_credit`.",
    why="When a release goes wrong, one automatic rollback turns an outage into a blip: the "
    "time to restore is minutes, not hours.",
    params={"manual_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "throwaway_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"manual_credit": 0.5, "throwaway_credit": 0.5},
)
def rollback_on_failure(sub: Submission, p: Params) -> Finding:
    deploys = real_first(deploy_points(sub))
    for pipe, _job, _index, ci, step, away in deploys:
        if ci is not None and _HELM_SAFE.match(normalise(step.commands[ci].text)):
            c = step.commands[ci]
            return Finding.ratio(p["throwaway_credit"] if away else 1.0,
                                 f"`{c.text[:60]}` rolls back by itself when the upgrade fails"
                                 + (f" — but only in a deployment {away}" if away else ""), [c.at(pipe.path)])
    wrong = None
    for pipe, job, index, ci, _step, away in deploys:
        credit = p["throwaway_credit"] if away else 1.0
        tail = f" — but only in a deployment {away}" if away else ""
        for where, text, cats, later in after_deploy(sub, pipe, job, index, ci):
            undo = "undo" in cats and later.condition == "failure"  # teardown, migrations reverted
            if "rollback" not in cats and not undo:
                continue
            if later.condition == "failure":
                return Finding.ratio(credit, f"job `{job.id}`: `{text[:60]}` runs when the deploy fails{tail}", [where])
            wrong = wrong or (where, text, later.condition)
        for other in pipe.jobs:
            if other.condition == "failure" and job.id in pipe.upstream(other):
                for later in other.steps:
                    for c in later.commands:
                        if command_categories(c) & {"rollback", "undo"}:
                            return Finding.ratio(
                                credit, f"job `{other.id}` runs `{c.text[:60]}` when `{job.id}` fails{tail}",
                                [c.at(pipe.path)])
    obj, what = progressive_rollout(sub)
    if obj:
        return Finding.passed(f"{what}: {obj.name} rolls back automatically", [loc(obj.path, obj.line)])
    configured = sorted(delivery.config_rollbacks(sub, deploys), key=lambda c: (not c[0], not c[1]))
    if configured and configured[0][0]:
        return _configured_rollback(configured[0], p)
    for rel, name, body in infra.compose_services(sub):
        update = mapping(mapping(body.get("deploy")).get("update_config"))
        if str(update.get("failure_action", "")).lower() == "rollback":
            return Finding.passed(f"Swarm service {name} rolls back by itself when an update fails "
                                  "(`update_config: failure_action: rollback`)", [loc(rel, line_of(body, 1) or 1)])
    if wrong:
        where, text, cond = wrong
        return Finding.failed(
            f"`{text[:60]}` runs {'always' if cond == 'always' else 'on every deploy'}, not only on failure "
            "(give it `if: failure()` / `when: on_failure`)", [where])
    for pipe in read_pipelines(sub):
        for job in pipe.jobs:
            for step in job.steps:
                for c in step.commands:
                    if "rollback" in command_categories(c):
                        return Finding.ratio(
                            p["manual_credit"] if not pipe.automatic or job.condition == "manual" else 0.0,
                            f"`{c.text[:60]}` in {pipe.path} is a rollback run by hand, not on failure",
                            [c.at(pipe.path)])
    said, shown = (f": {configured[0][2]}", [configured[0][3]]) if configured else ("", [])
    if deploys:
        pipe, job, index, ci, step, _away = deploys[0]
        where, what = deploy_text(pipe, step, ci)
        return Finding.failed(f"nothing rolls back when the deploy fails{said}", [where, *shown])
    return Finding.failed(f"no deploy step and no rollback found{said}", shown)


def _configured_rollback(configured, p: Params) -> Finding:
    """A delivery tool configured to roll back a failed deployment: full credit when a pipeline
    deploys through it, ``manual_credit`` when only a release started by hand would be."""
    _ok, used, what, where = configured
    if used:
        return Finding.passed(what, [where])
    return Finding.ratio(p["manual_credit"], f"{what} — but no pipeline deploys through it (a release started "
                         "by hand)", [where])


_STRATEGY_WORDS = lazy(r"\b(blue[- ]?green|canary|rolling(?: update)?)\b", re.I)


@detector(
    "deploy-strategy",
    title="Named deployment strategy",
    looks_for="A deployment strategy configured in manifests: a Deployment's `strategy` "
    "(`RollingUpdate` with `maxSurge`/`maxUnavailable`), an Argo Rollouts `canary` or "
    "`blueGreen` strategy, a Flagger `Canary`, blue/green Deployments side by side, or a Swarm "
    "service's `deploy.update_config` (parallelism, order, failure action), a Cloud Deploy stage with a "
    "`canary` strategy, a CodeDeploy deployment group that deploys blue/green (`BLUE_GREEN`, "
    "`BlueGreenDeploymentConfiguration`) or by a canary or linear configuration "
    "(`CodeDeployDefault.ECSCanary…`). A "
    "strategy only named in the docs gets `docs_credit`.",
    why="Rolling, blue-green and canary deployments limit the blast radius of a bad release "
    "and make rollback instant.",
    params={"docs_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"docs_credit": 0.5},
)
def deploy_strategy(sub: Submission, p: Params) -> Finding:
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
    for rel, name, body in infra.compose_services(sub):
        update = mapping(mapping(body.get("deploy")).get("update_config"))
        swarm = {k: update[k] for k in ("parallelism", "order", "delay", "failure_action") if k in update}
        if swarm:
            text = ", ".join(f"{k} {v}" for k, v in swarm.items())
            return Finding.passed(f"rolling update strategy (Swarm service {name}: {text})",
                                  [loc(rel, line_of(body, 1) or 1)])
    for what, where in delivery.config_strategies(sub):
        return Finding.passed(what, [where])
    for rel in markdown.prose_files(sub):
        root = None
        if "deploy" in rel.lower() or "pipeline" in rel.lower() or rel.lower().endswith("readme.md"):
            root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            named = _STRATEGY_WORDS.search(section.title) if section.level else None
            if named and markdown.is_filled(section.body, 5):
                return Finding.ratio(
                    p["docs_credit"],
                    f"{rel} describes a {named.group(1).lower()} "
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
def deploy_tooling(sub: Submission, p: Params) -> Finding:
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
    "`weight`, an SMI `TrafficSplit`, a Cloud Deploy stage with a `canary` strategy, or a CodeDeploy "
    "deployment group that deploys blue/green or shifts traffic by a canary or linear configuration.",
    why="Canary and blue-green releases limit a bad version to a few users and make rollback a "
    "switch, not a redeploy.",
)
def progressive_delivery(sub: Submission, p: Params) -> Finding:
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
    for what, where in delivery.config_strategies(sub):  # Cloud Deploy canary, CodeDeploy blue/green...
        tool = "Cloud Deploy" if "Cloud Deploy" in what else "CodeDeploy"
        hits.append((f"{what.split(' strategy (', 1)[0]} ({tool})", where, what))
    if hits:
        return found("progressive delivery", hits)
    return Finding.failed("no blue-green or canary set-up configured")


@detector(
    "deploy-environments",
    title="Deploys promoted through environments",
    looks_for="The pipeline's deploys reach more than one lasting environment (e.g. staging, then "
    "production): each deploy job's `environment:` (GitHub Actions, GitLab CI), else the environment its "
    "job id names (`deploy-staging`, `deploy_prod`); a Cloud Deploy release (`gcloud deploy releases "
    "create --delivery-pipeline NAME`) reaches the targets of that DeliveryPipeline's `serialPipeline.stages`, "
    "in order (a target with `requireApproval: true` is a gate). One environment earns `single_credit`. An "
    "environment on a job that deploys nothing, or a deploy to a throwaway cluster, does not count.",
    why="A change that reaches production only after the same artifact ran in staging is tested where "
    "it will run; one environment means every deploy is the first in production.",
    params={"single_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"single_credit": 0.5},
)
def deploy_environments_check(sub: Submission, p: Params) -> Finding:
    envs = deploy_environments(sub)
    names = sorted({name for name, _ in envs})
    if len(names) >= 2:
        gates = sorted(delivery.cloud_deploy(sub).approvals) if any(
            where.path == p.path for _, where in envs for p in delivery.cloud_deploy(sub).pipelines) else []
        gated = f" (Cloud Deploy: target {', '.join(gates[:3])} requires approval)" if gates else ""
        return Finding.passed(f"the pipeline deploys to {len(names)} environments: {', '.join(names[:5])}{gated}",
                              [where for _, where in envs[:3]])
    if names:
        return Finding.ratio(p["single_credit"], f"the pipeline deploys to one environment ({names[0]}): deploy "
                             "to a staging environment before production", [envs[0][1]])
    return Finding.failed("no pipeline deploy names the environment it reaches (e.g. `environment: staging`, "
                          "then `environment: production`)")
