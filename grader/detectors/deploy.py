"""Deploy: a deploy step, verification after it, a rollback that runs only on failure, and a
named deployment strategy."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.common import found, loc
from grader.evidence import infra, manifests, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import command_categories
from grader.evidence.ci.queries import live_steps, step_categories
from grader.evidence.shell import categories, normalise, split_script
from grader.model import Finding, Location
from grader.yamlload import line_of, mapping

_HELM_SAFE = re.compile(r"^helm (upgrade|install)\b.*\s--(atomic|rollback-on-failure)\b")
_HELM_WAIT = re.compile(r"^helm (upgrade|install)\b.*\s--(wait|atomic|rollback-on-failure)\b")


def deploy_points(sub):
    """(pipe, job, step index, command index or None, step, throwaway) for every deploy in a
    pipeline; ``throwaway`` says why it lasts no longer than the job (None for a real one)."""
    for pipe, job, index, step in live_steps(read_pipelines(sub), automatic_only=False):
        cmds = [i for i, c in enumerate(step.commands) if "deploy" in command_categories(c)
                or (not job.ephemeral and not c.resolved and _detached_run(normalise(c.text)))]
        if not cmds and "deploy" not in step_categories(step):
            continue
        ci = cmds[0] if cmds else None
        yield pipe, job, index, ci, step, _throwaway(job, index, ci, step)


def real_first(points):
    """Deploys to a lasting environment first, then those to a throwaway one."""
    return sorted(points, key=lambda d: d[5] is not None)


_CONTAINER_RUN = re.compile(r"^(?:docker|podman) (?:container )?run\s")
_SHORT_FLAGS = re.compile(r"-[a-zA-Z]+")


def _detached_run(text: str) -> bool:
    """`docker run -d` (or `-itd`, `--detach`): a container left running after the job — a
    deploy on a machine that stays (a Jenkins agent, a self-hosted runner), a test environment
    on a hosted one."""
    if not _CONTAINER_RUN.match(text):
        return False
    return any(word == "--detach" or (_SHORT_FLAGS.fullmatch(word) and "d" in word) for word in text.split()[2:])


# A Kubernetes cluster made on the runner for the job: kind, minikube, k3d (or their actions).
_LOCAL_CLUSTER = re.compile(r"^(?:kind create cluster|minikube start|k3d cluster create|ctlptl create|"
                            r"microk8s (?:start|install)|ct install)\b")
_LOCAL_CLUSTER_ACTIONS = frozenset({
    "helm/kind-action", "engineerd/setup-kind", "container-tools/kind-action", "medyagh/setup-minikube",
    "manusa/actions-setup-minikube", "absaoss/k3d-action", "nolar/setup-k3d-k3s", "debianmaster/actions-k3s",
    "jupyterhub/action-k3s-helm"})
_CLUSTER_TOOLS = frozenset({"kubectl", "helm", "helmfile", "skaffold", "kustomize", "argocd", "flux", "oc", "kapp"})
_ON_RUNNER = re.compile(r"^(?:docker|podman)(?:-compose|\s+compose)\b|^(?:docker|podman)-compose\b")
_ELSEWHERE = re.compile(r"(?:^|\s)(?:-H|--host|--context|-c)[\s=]|DOCKER_HOST=|docker context use\b")


def _throwaway(job, index, ci, step) -> str | None:
    """Why a deploy goes nowhere that lasts: into a cluster the job itself creates (kind,
    minikube, k3d), or `docker compose up` on a runner made for the job (a hosted runner, a
    container) — a test of the deployment, gone with the job. None for a real deploy."""
    if ci is None:
        return None  # an action deploys wherever it is configured to
    cmd = step.commands[ci]
    if cmd.remote:
        return None
    text = normalise(cmd.text)
    earlier = [c for s in job.steps[:index] for c in s.commands] + step.commands[:ci]
    tool = text.split(" ", 1)[0].rsplit("/", 1)[-1]
    if tool in _CLUSTER_TOOLS and (
            any(_LOCAL_CLUSTER.match(normalise(c.text)) for c in earlier)
            or any(s.uses and s.uses.split("@")[0].lower() in _LOCAL_CLUSTER_ACTIONS for s in job.steps[:index + 1])):
        return "into a cluster the job itself creates"
    if job.ephemeral and _ON_RUNNER.match(text) and not _ELSEWHERE.search(cmd.text) \
            and not any(_ELSEWHERE.search(c.text) for c in earlier):
        return "onto the CI runner, which is gone after the job"
    return None


def _deploy_text(pipe, step, cmd_index):
    if cmd_index is not None:
        c = step.commands[cmd_index]
        return c.at(pipe.path), c.text
    return loc(pipe.path, step.line), f"uses {step.uses}"


def _manifest_evidence(sub):
    """Kubernetes workloads, Helm charts, and other deployment descriptions: Terraform, a hosting
    platform's configuration, a Compose file that builds and runs the application's services."""
    objs = [o for o in manifests.objects(sub) if o.kind in manifests.WORKLOAD_KINDS]
    charts = [f for f in sub.files if f.endswith("Chart.yaml")]
    tf = [f for f in sub.files if f.endswith(".tf")]
    return objs, charts, tf + [path for path, _platform in platform_configs(sub)] + _compose_apps(sub)


def _compose_apps(sub) -> list[str]:
    """Compose files with a service built from the repository (``build:``): the application's
    own stack, not only databases and tools pulled as images (read once per submission)."""
    cached = sub.memo("compose-apps")
    if cached is None:
        cached = sub.memo("compose-apps", sorted({rel for rel, _name, body in infra.compose_services(sub)
                                                  if body.get("build") is not None}))
    return cached


def _deploy_script(sub):
    """(path, command) of a repository shell script that deploys (its commands, not its name)."""
    for rel, text in infra.shell_scripts(sub):
        for cmd in split_script(text, 1):
            if "deploy" in categories(cmd.text):
                return rel, cmd
    return None


_PROCFILE_PROCESS = re.compile(r"(?m)^(?:web|worker|release)\s*:\s*\S")


def platform_configs(sub) -> list[tuple[str, str]]:
    """(path, platform) of a hosting platform's deployment configuration, checked for what makes
    it one: a Heroku ``Procfile`` with a process, App Engine ``app.yaml`` with a ``runtime``,
    ``fly.toml`` with an ``app``, Render ``render.yaml`` with ``services``, ``vercel.json``,
    ``netlify.toml`` with a ``[build]``, a Serverless ``serverless.yml`` (``provider`` and
    ``functions``), an AWS SAM template, a CodeDeploy ``appspec.yml``, ``Dockerrun.aws.json``, an
    ``azure.yaml`` with services (azd), Bicep files that declare resources."""
    cached = sub.memo("platform-configs")
    if cached is not None:
        return cached
    found: list[tuple[str, str]] = []
    for rel in sub.files:
        name = rel.rsplit("/", 1)[-1]
        low = name.lower()
        if low in ("procfile",) and _PROCFILE_PROCESS.search(sub.read_text(rel) or ""):
            found.append((rel, "Heroku Procfile"))
        elif low.endswith(".bicep") and re.search(r"(?m)^resource\s+\w+\s+'", sub.read_text(rel) or ""):
            found.append((rel, "Bicep"))
        elif low in ("app.yaml", "app.yml", "render.yaml", "serverless.yml", "serverless.yaml", "appspec.yml",
                     "appspec.yaml", "template.yaml", "template.yml", "azure.yaml", "azure.yml"):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            if not isinstance(doc, dict):
                continue
            if low.startswith("app.") and doc.get("runtime"):
                found.append((rel, "App Engine"))
            elif low == "render.yaml" and isinstance(doc.get("services"), list):
                found.append((rel, "Render"))
            elif low.startswith("serverless.") and doc.get("provider") and doc.get("functions"):
                found.append((rel, "Serverless Framework"))
            elif low.startswith("appspec.") and (doc.get("hooks") or doc.get("Resources") or doc.get("files")):
                found.append((rel, "AWS CodeDeploy"))
            elif low.startswith("template.") and "AWS::Serverless" in (sub.read_text(rel) or ""):
                found.append((rel, "AWS SAM"))
            elif low.startswith("azure.") and isinstance(doc.get("services"), dict):
                found.append((rel, "Azure Developer CLI"))
        elif low == "fly.toml" and re.search(r"(?m)^app\s*=", sub.read_text(rel) or ""):
            found.append((rel, "Fly.io"))
        elif low == "netlify.toml" and re.search(r"(?m)^\[build\]", sub.read_text(rel) or ""):
            found.append((rel, "Netlify"))
        elif low in ("vercel.json", "dockerrun.aws.json") and isinstance(sub.json_data(rel), dict):
            found.append((rel, "Vercel" if low == "vercel.json" else "Elastic Beanstalk"))
    return sub.memo("platform-configs", found)


_APPLIED = re.compile(r"(?:^|\s)(?:-f|--filename|-k|--kustomize)(?:=|\s+)(\S+)")


def _applies_what_exists(sub, text: str) -> bool:
    """False when the command applies a local path (``kubectl apply -f k8s/``) that the
    repository does not have; URLs, stdin and variables are taken on trust."""
    chart = _helm_chart(text)
    if chart and chart.startswith(("./", "../")) and "$" not in chart and "{" not in chart:
        name = chart.removeprefix("./").rstrip("/")
        return name.endswith(".tgz") and sub.exists(name) or any(
            f == f"{name}/Chart.yaml" or f.endswith(f"/{name}/Chart.yaml") for f in sub.files)
    m = _APPLIED.search(text)
    if not m:
        return True
    target = m.group(1).strip("'\"")
    if target == "-" or "://" in target or "$" in target or "{" in target:
        return True
    target = target.removeprefix("./").rstrip("/")
    return sub.exists(target) or any(f.startswith(target + "/") for f in sub.files)


_HELM_VALUED = {"-n", "--namespace", "-f", "--values", "--set", "--set-string", "--set-file", "--version",
                "--repo", "--timeout", "--kube-context", "--kubeconfig", "--post-renderer", "--description"}


def _helm_chart(text: str) -> str | None:
    """The chart of ``helm upgrade --install NAME CHART`` / ``helm install NAME CHART``."""
    words = normalise(text).split()
    if len(words) < 3 or words[0] != "helm" or words[1] not in ("upgrade", "install"):
        return None
    positional, i = [], 2
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            i += 2 if word in _HELM_VALUED else 1
            continue
        positional.append(word)
        i += 1
    return positional[1].strip("'\"") if len(positional) > 1 else None


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
    "azd `azure.yaml`, Bicep, a Compose file that builds the application's services) "
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
def deploy_step(sub, p):
    missing = None
    by_hand = None
    throwaway = None
    for pipe, job, _index, ci, step, away in deploy_points(sub):
        where, what = _deploy_text(pipe, step, ci)
        if not _applies_what_exists(sub, what):
            missing = missing or (where, what)
            continue
        if away:
            throwaway = throwaway or (job, where, what, away)
            continue
        if not pipe.automatic or job.condition == "manual" or step.condition == "manual":
            by_hand = by_hand or (job, where, what)
            continue
        return Finding.passed(f"job `{job.id}` deploys automatically: {what}", [where])
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
    script = _deploy_script(sub)
    if script:
        path, cmd = script
        return Finding.ratio(p["manifest_credit"], f"{path} deploys (`{cmd.text[:60]}`), but no pipeline runs it: "
                             "a deploy run by hand — call it from the pipeline after the tests", [loc(path, cmd.line)])
    objs, charts, tf = _manifest_evidence(sub)
    if objs or charts or tf:
        first = objs[0].path if objs else (charts or tf)[0]
        platform = dict(platform_configs(sub)).get(first)
        if platform:
            msg = f"a deployment configuration ({platform}, {first}) but no pipeline step deploys it"
        elif not objs and not charts and first in _compose_apps(sub):
            msg = (f"{first} runs the application's services, but no pipeline step deploys it (a `docker "
                   "compose up` by hand) — run it on the target from the pipeline after the tests")
        else:
            msg = "deployment manifests found but no pipeline step applies them"
        return Finding.ratio(p["manifest_credit"], msg, [loc(first, objs[0].line if objs else 1)])
    if missing:
        return Finding.failed(f"the pipeline deploys {missing[1]!r}, but the repository has no such file or folder",
                              [missing[0]])
    return Finding.failed("no deploy step and no deployment manifests found")


def gitops_sync(sub) -> tuple[manifests.K8sObject, str, str] | None:
    """The GitOps controller that deploys this repository by itself (see :func:`_gitops_sync`),
    found once per submission: the deploy step and its verification both ask."""
    cached = sub.memo("gitops-sync")
    if cached is None:
        cached = sub.memo("gitops-sync", (_gitops_sync(sub),))
    return cached[0]


def _gitops_sync(sub) -> tuple[manifests.K8sObject, str, str] | None:
    """(object, tool, path) of a GitOps controller told to apply a folder of this repository by
    itself: an Argo CD ``Application`` (or an ``ApplicationSet`` template) with
    ``syncPolicy.automated``, or a Flux ``Kustomization`` that is not suspended, whose source
    ``path`` is a folder here. A path the repository does not have (a separate config
    repository) or a third-party chart is not this repository's deployment."""
    for obj in manifests.objects(sub):
        spec = mapping(obj.body.get("spec"))
        if obj.kind == "ApplicationSet" and obj.api_version.startswith("argoproj.io/"):
            spec = mapping(mapping(spec.get("template")).get("spec"))
        elif not (obj.kind == "Application" and obj.api_version.startswith("argoproj.io/")):
            if obj.kind == "Kustomization" and obj.api_version.startswith("kustomize.toolkit.fluxcd.io/") \
                    and spec.get("suspend") is not True:
                path = _repo_folder(sub, spec.get("path"))
                if path:
                    return obj, "Flux Kustomization", path
            continue
        auto = mapping(spec.get("syncPolicy")).get("automated")
        if not isinstance(auto, dict) or auto.get("enabled") is False:
            continue  # synced by hand (or `automated: null`)
        more = spec.get("sources")
        sources = [spec.get("source"), *(more if isinstance(more, list) else [])]
        for source in sources:
            path = _repo_folder(sub, mapping(source).get("path"))
            if path:
                return obj, "Argo CD Application", path
    return None


def _gitops_verified(sub, app: manifests.K8sObject, tool: str, path: str) -> Finding:
    """Verification of a GitOps deploy: an Argo CD ``PostSync`` hook (a Job or Pod in the synced
    folder that runs after each sync), or a Flux Kustomization that waits for what it applies to
    be healthy (``wait: true`` or ``healthChecks``)."""
    if tool.startswith("Flux"):
        spec = mapping(app.body.get("spec"))
        if spec.get("wait") is True or (isinstance(spec.get("healthChecks"), list) and spec["healthChecks"]):
            return Finding.passed(f"{tool} {app.name!r} waits for what it applies to be healthy "
                                  f"({'wait: true' if spec.get('wait') is True else 'healthChecks'})",
                                  [loc(app.path, app.line)])
    prefix = "" if path == "." else path + "/"
    for obj in manifests.objects(sub):
        if obj.kind not in ("Job", "Pod") or not obj.path.startswith(prefix):
            continue
        hook = str(mapping(mapping(obj.body.get("metadata")).get("annotations")).get("argocd.argoproj.io/hook", ""))
        if "PostSync" in hook.split(","):
            return Finding.passed(f"{obj.kind} {obj.name!r} runs as a PostSync hook after each {tool} sync of "
                                  f"{path}/", [loc(obj.path, obj.line)])
    return Finding.failed(f"{tool} {app.name!r} applies {path}/ by itself, but nothing checks the service after "
                          "a sync (an Argo CD PostSync hook Job with a smoke test, Flux `wait: true`)",
                          [loc(app.path, app.line)])


def _repo_folder(sub, path) -> str | None:
    """``path`` as a folder of the repository, or None (not a string, templated, or absent)."""
    if not isinstance(path, str) or "{" in path or "$" in path:
        return None
    folder = path.strip().removeprefix("./").strip("/")
    if folder in ("", "."):
        return "." if sub.files else None
    prefix = folder + "/"
    return folder if any(f.startswith(prefix) for f in sub.files) else None


def _after(sub, pipe, job, index, ci):
    """Commands and steps that run after a deploy on the success path: (location, text,
    categories, step)."""
    step = job.steps[index]
    for c in step.commands[(ci or 0) + 1:]:
        yield c.at(pipe.path), c.text, command_categories(c), step
    for later in job.steps[index + 1:]:
        for c in later.commands:
            yield c.at(pipe.path), c.text, command_categories(c), later
        if later.uses:
            yield loc(pipe.path, later.line), f"uses {later.uses}", step_categories(later), later
    for other in pipe.jobs:
        if job.id in pipe.upstream(other):
            for later in other.steps:
                if other.condition in ("failure",):
                    continue
                for c in later.commands:
                    yield c.at(pipe.path), c.text, command_categories(c), later
                if later.uses:
                    yield loc(pipe.path, later.line), f"uses {later.uses}", step_categories(later), later


# End-to-end and smoke suites run after a deploy test the deployment itself (unit tests don't).
_END_TO_END = re.compile(r"(?i)\b(?:playwright|cypress|newman|k6|e2e|end-to-end|smoke|acceptance)\b")


@detector(
    "deploy-verification",
    title="Deployment is verified",
    looks_for="After a deploy, on the success path: `kubectl rollout status`, `kubectl wait`, "
    "`helm test`, `helm upgrade --wait/--atomic`, `argocd app wait`, a smoke-test script or an "
    "HTTP health check (`curl` of the service), an end-to-end or smoke suite (Playwright, Cypress, "
    "Newman, `npm run test:e2e`), in the same job after the deploy or in a job "
    "that needs it. Another deploy (a second deploy hook) is not a check. Checks of a throwaway "
    "deployment only (a cluster the job creates) earn `throwaway_credit`. A GitOps deploy is verified "
    "by an Argo CD `PostSync` hook (a Job in the synced folder) or a Flux Kustomization that waits for "
    "health (`wait: true`, `healthChecks`).",
    why="A deployment isn't done when the command returns: automated health checks after deploy "
    "catch a broken release before users do.",
    params={"throwaway_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"throwaway_credit": 0.5},
)
def deploy_verification(sub, p):
    deploys = real_first(deploy_points(sub))
    if not deploys:
        gitops = gitops_sync(sub)
        if gitops:
            return _gitops_verified(sub, *gitops)
        return Finding.failed("no deploy step found, so nothing is verified after a deploy")
    for pipe, job, index, ci, step, away in deploys:
        credit = p["throwaway_credit"] if away else 1.0
        tail = f" — but only of a deployment {away}" if away else ""
        if ci is not None and _HELM_WAIT.match(normalise(step.commands[ci].text)):
            c = step.commands[ci]
            return Finding.ratio(credit, f"`{c.text[:60]}` waits until the release is healthy{tail}", [c.at(pipe.path)])
        for where, text, cats, later in _after(sub, pipe, job, index, ci):
            if later.condition in ("failure", "never", "cancelled") or "deploy" in cats:
                continue
            if "verify" in cats or ("test" in cats and _END_TO_END.search(text)):
                return Finding.ratio(credit, f"after the deploy in job `{job.id}`: {text[:80]}{tail}", [where])
    pipe, job, index, ci, step, _away = deploys[0]
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
    "`kubectl argo rollouts undo/abort`, `docker service rollback`; or `helm upgrade --atomic`; or a "
    "Swarm service whose `update_config` has `failure_action: rollback`; or a progressive-delivery "
    "controller with automated analysis (Argo Rollouts, Flagger). A rollback that runs always, "
    "a failure step that only prints logs, or a comment mentioning rollback doesn't count; a "
    "rollback workflow run by hand gets `manual_credit`; one that only guards a throwaway deployment (a "
    "cluster the job creates) gets `throwaway_credit`.",
    why="When a release goes wrong, one automatic rollback turns an outage into a blip: the "
    "time to restore is minutes, not hours.",
    params={"manual_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "throwaway_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"manual_credit": 0.5, "throwaway_credit": 0.5},
)
def rollback_on_failure(sub, p):
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
        for where, text, cats, later in _after(sub, pipe, job, index, ci):
            if "rollback" not in cats:
                continue
            if later.condition == "failure":
                return Finding.ratio(credit, f"job `{job.id}`: `{text[:60]}` runs when the deploy fails{tail}", [where])
            wrong = wrong or (where, text, later.condition)
        for other in pipe.jobs:
            if other.condition == "failure" and job.id in pipe.upstream(other):
                for later in other.steps:
                    for c in later.commands:
                        if "rollback" in command_categories(c):
                            return Finding.ratio(
                                credit, f"job `{other.id}` runs `{c.text[:60]}` when `{job.id}` fails{tail}",
                                [c.at(pipe.path)])
    obj, what = _progressive(sub)
    if obj:
        return Finding.passed(f"{what}: {obj.name} rolls back automatically", [loc(obj.path, obj.line)])
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
    if deploys:
        pipe, job, index, ci, step, _away = deploys[0]
        where, what = _deploy_text(pipe, step, ci)
        return Finding.failed("nothing rolls back when the deploy fails", [where])
    return Finding.failed("no deploy step and no rollback found")


_STRATEGY_WORDS = re.compile(r"\b(blue[- ]?green|canary|rolling(?: update)?)\b", re.I)


@detector(
    "deploy-strategy",
    title="Named deployment strategy",
    looks_for="A deployment strategy configured in manifests: a Deployment's `strategy` "
    "(`RollingUpdate` with `maxSurge`/`maxUnavailable`), an Argo Rollouts `canary` or "
    "`blueGreen` strategy, a Flagger `Canary`, blue/green Deployments side by side, or a Swarm "
    "service's `deploy.update_config` (parallelism, order, failure action). A "
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
    for rel, name, body in infra.compose_services(sub):
        update = mapping(mapping(body.get("deploy")).get("update_config"))
        settings = {k: update[k] for k in ("parallelism", "order", "delay", "failure_action") if k in update}
        if settings:
            text = ", ".join(f"{k} {v}" for k, v in settings.items())
            return Finding.passed(f"rolling update strategy (Swarm service {name}: {text})",
                                  [loc(rel, line_of(body, 1) or 1)])
    for rel in markdown.prose_files(sub):
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

