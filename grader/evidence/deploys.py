"""Deployments: where a pipeline deploys (and whether only to a throwaway environment), what runs
after it, the deployment descriptions a repository holds (manifests, charts, Terraform, hosting
platforms' configuration, Compose files that run the application), deploy scripts, GitOps
controllers that deploy the repository by themselves, and progressive-delivery controllers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import delivery, infra, manifests
from grader.evidence.ci import read_pipelines
from grader.evidence.ci.model import command_categories
from grader.evidence.ci.queries import call_text, live_steps, step_categories
from grader.evidence.shell import categories, normalise, split_script
from grader.model import Location
from grader.patterns import lazy
from grader.yamlload import mapping

if TYPE_CHECKING:
    from grader.submission import Submission


def deploy_points(sub: Submission):
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


_CONTAINER_RUN = lazy(r"^(?:docker|podman) (?:container )?run\s")


_SHORT_FLAGS = lazy(r"-[a-zA-Z]+")


def _detached_run(text: str) -> bool:
    """`docker run -d` (or `-itd`, `--detach`): a container left running after the job — a
    deploy on a machine that stays (a Jenkins agent, a self-hosted runner), a test environment
    on a hosted one."""
    if not _CONTAINER_RUN.match(text):
        return False
    return any(word == "--detach" or (_SHORT_FLAGS.fullmatch(word) and "d" in word) for word in text.split()[2:])


# A Kubernetes cluster made on the runner for the job: kind, minikube, k3d (or their actions).
_LOCAL_CLUSTER = lazy(r"^(?:kind create cluster|minikube start|k3d cluster create|ctlptl create|"
                            r"microk8s (?:start|install)|ct install)\b")


_LOCAL_CLUSTER_ACTIONS = frozenset({
    "helm/kind-action", "engineerd/setup-kind", "container-tools/kind-action", "medyagh/setup-minikube",
    "manusa/actions-setup-minikube", "absaoss/k3d-action", "nolar/setup-k3d-k3s", "debianmaster/actions-k3s",
    "jupyterhub/action-k3s-helm"})


_CLUSTER_TOOLS = frozenset({"kubectl", "helm", "helmfile", "skaffold", "kustomize", "argocd", "flux", "oc", "kapp"})


_ON_RUNNER = lazy(r"^(?:docker|podman)(?:-compose|\s+compose)\b|^(?:docker|podman)-compose\b")


_ELSEWHERE = lazy(r"(?:^|\s)(?:-H|--host|--context|-c)[\s=]|DOCKER_HOST=|docker context use\b")


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


def deploy_text(pipe, step, cmd_index):
    if cmd_index is not None:
        c = step.commands[cmd_index]
        return c.at(pipe.path), c.text
    return Location(pipe.path, step.line), call_text(step)


def manifest_evidence(sub: Submission):
    """Kubernetes workloads, Helm charts, and other deployment descriptions: Terraform, a hosting
    platform's configuration, a Compose file that builds and runs the application's services."""
    objs = [o for o in manifests.objects(sub) if o.kind in manifests.WORKLOAD_KINDS]
    charts = [f for f in sub.by_suffix("Chart.yaml") if f.endswith("Chart.yaml")]
    tf = [f for f in sub.by_suffix(".tf") if f.endswith(".tf")]
    return objs, charts, tf + [path for path, _platform in platform_configs(sub)] + compose_apps(sub)


def compose_apps(sub: Submission) -> list[str]:
    """Compose files with a service built from the repository (``build:``): the application's
    own stack, not only databases and tools pulled as images (read once per submission)."""
    cached = sub.memo("compose-apps")
    if cached is None:
        cached = sub.memo("compose-apps", sorted({rel for rel, _name, body in infra.compose_services(sub)
                                                  if body.get("build") is not None}))
    return cached


def deploy_script(sub: Submission):
    """(path, command) of a repository shell script that deploys (its commands, not its name)."""
    for rel, text in infra.shell_scripts(sub):
        for cmd in split_script(text, 1):
            if "deploy" in categories(cmd.text):
                return rel, cmd
    return None


_PROCFILE_PROCESS = lazy(r"(?m)^(?:web|worker|release)\s*:\s*\S")


def platform_configs(sub: Submission) -> list[tuple[str, str]]:
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
    for pipeline in delivery.cloud_deploy(sub).pipelines:
        if all(rel != pipeline.path for rel, _platform in found):
            found.append((pipeline.path, "Google Cloud Deploy"))
    return sub.memo("platform-configs", found)


_APPLIED = lazy(r"(?:^|\s)(?:-f|--filename|-k|--kustomize)(?:=|\s+)(\S+)")


def applies_what_exists(sub: Submission, text: str) -> bool:
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


helm_chart = _helm_chart


def gitops_sync(sub: Submission) -> tuple[manifests.K8sObject, str, str] | None:
    """The GitOps controller that deploys this repository by itself (see :func:`_gitops_sync`),
    found once per submission: the deploy step and its verification both ask."""
    cached = sub.memo("gitops-sync")
    if cached is None:
        cached = sub.memo("gitops-sync", (_gitops_sync(sub),))
    return cached[0]


def _gitops_sync(sub: Submission) -> tuple[manifests.K8sObject, str, str] | None:
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


def _repo_folder(sub: Submission, path) -> str | None:
    """``path`` as a folder of the repository, or None (not a string, templated, or absent)."""
    if not isinstance(path, str) or "{" in path or "$" in path:
        return None
    folder = path.strip().removeprefix("./").strip("/")
    if folder in ("", "."):
        return "." if sub.files else None
    prefix = folder + "/"
    return folder if any(f.startswith(prefix) for f in sub.files) else None


def after_deploy(sub: Submission, pipe, job, index, ci):
    """Commands and steps that run after a deploy on the success path: (location, text,
    categories, step)."""
    step = job.steps[index]
    for c in step.commands[(ci or 0) + 1:]:
        yield c.at(pipe.path), c.text, command_categories(c), step
    for later in job.steps[index + 1:]:
        for c in later.commands:
            yield c.at(pipe.path), c.text, command_categories(c), later
        if later.uses:
            yield Location(pipe.path, later.line), f"uses {later.uses}", _checks(later), later
    for other in pipe.jobs:
        if job.id in pipe.upstream(other):
            for later in other.steps:
                if other.condition in ("failure",):
                    continue
                for c in later.commands:
                    yield c.at(pipe.path), c.text, command_categories(c), later
                if later.uses:
                    yield Location(pipe.path, later.line), f"uses {later.uses}", _checks(later), later


def _checks(step) -> set[str]:
    """What a step after a deploy does, as far as checking the deployment goes: another
    repository's workflow named for tests (``e2e-tests.yml``) verifies nothing we can read —
    verification is never credited from a name alone."""
    cats = step_categories(step)
    return cats - {"test", "verify"} if step.elsewhere is not None else cats


def progressive_rollout(sub: Submission):
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


def gitops_waits(app: manifests.K8sObject, tool: str) -> str | None:
    """How a Flux Kustomization waits for what it applies to be healthy (``wait: true`` or
    ``healthChecks``); None when it doesn't (or it is not Flux)."""
    if tool.startswith("Flux"):
        spec = mapping(app.body.get("spec"))
        if spec.get("wait") is True or (isinstance(spec.get("healthChecks"), list) and spec["healthChecks"]):
            return "wait: true" if spec.get("wait") is True else "healthChecks"
    return None


def postsync_hook(sub: Submission, path: str) -> manifests.K8sObject | None:
    """An Argo CD ``PostSync`` hook in the synced folder ``path``: a Job or Pod that runs after
    each sync."""
    prefix = "" if path == "." else path + "/"
    for obj in manifests.objects(sub):
        if obj.kind not in ("Job", "Pod") or not obj.path.startswith(prefix):
            continue
        hook = str(mapping(mapping(obj.body.get("metadata")).get("annotations")).get("argocd.argoproj.io/hook", ""))
        if "PostSync" in hook.split(","):
            return obj
    return None


_ENV_WORDS = {"dev": "development", "develop": "development", "development": "development", "test": "test",
              "qa": "test", "uat": "staging", "stage": "staging", "staging": "staging", "preprod": "staging",
              "pre-prod": "staging", "prod": "production", "production": "production", "live": "production"}


def deploy_environments(sub: Submission) -> list[tuple[str, Location]]:
    """(environment, where) of the lasting environments the pipelines deploy to: a deploy job's
    own ``environment:`` (GitHub Actions, GitLab CI: a name or ``{name: ...}``), else the
    environment its job id names (``deploy-staging``, ``deploy_prod``); a Cloud Deploy release
    reaches the targets of its DeliveryPipeline's stages, in order."""
    out: list[tuple[str, Location]] = []
    seen: set[tuple[str, str]] = set()
    for pipe, job, _index, ci, step, throwaway in deploy_points(sub):
        if throwaway is None and ci is not None and delivery.deploy_tool(step.commands[ci].text) == "clouddeploy":
            pipeline = delivery.delivery_pipeline(sub, step.commands[ci].text)
            if pipeline is not None and pipeline.stages:
                for stage in pipeline.stages:  # a release is promoted through its stages
                    parts = re.split(r"[^a-z]+", stage.target.lower())
                    target = next((_ENV_WORDS[w] for w in parts if w in _ENV_WORDS), stage.target)
                    if ("clouddeploy", target) not in seen:
                        seen.add(("clouddeploy", target))
                        out.append((target, Location(pipeline.path, stage.line)))
                continue
        if throwaway is not None or (pipe.path, job.id) in seen:
            continue
        seen.add((pipe.path, job.id))
        name = _declared_environment(sub, pipe.path, job.id)
        if name is None:
            words = re.split(r"[^a-z]+", job.id.lower())
            name = next((_ENV_WORDS[w] for w in words if w in _ENV_WORDS), None)
        if name:
            out.append((name, Location(pipe.path, job.line)))
    return out


def _declared_environment(sub: Submission, path: str, job_id: str) -> str | None:
    doc = (sub.yaml_docs_quiet(path) or [None])[0]
    if not isinstance(doc, dict):
        return None
    jobs = doc.get("jobs") if isinstance(doc.get("jobs"), dict) else doc
    body = jobs.get(job_id) if isinstance(jobs, dict) else None
    env = body.get("environment") if isinstance(body, dict) else None
    if isinstance(env, dict):
        env = env.get("name")
    if not isinstance(env, str) or not env.strip():
        return None
    name = env.strip().lower()
    return _ENV_WORDS.get(name, name)
