"""Delivery tools' own configuration, read as what it does (never run): Skaffold
(``skaffold.yaml``: the images it builds, the manifests it applies, its status check and
``verify`` containers), Google Cloud Deploy (``DeliveryPipeline`` stages, ``Target`` approvals,
verification and canary strategies, ``Automation`` repair rules that roll back) and AWS CodeDeploy
(an ``appspec.yml``'s lifecycle hooks and the scripts they run; a deployment group's automatic
rollback and blue/green or canary configuration, in Terraform, CloudFormation or the CDK).

A delivery tool's configuration does something only when a pipeline runs the tool: a
``skaffold run``, a ``gcloud deploy releases create --delivery-pipeline NAME``, an ``aws deploy
create-deployment`` (or a CodePipeline CodeDeploy action). :func:`deploy_tool` says which tool a
pipeline's deploy command runs, so the deploy checks ask the right configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.evidence.delivery.clouddeploy import (
    CloudDeploy,
    DeliveryPipeline,
    Stage,
    cloud_deploy,
    delivery_pipeline,
    released_pipelines,
)
from grader.evidence.delivery.codedeploy import (
    VALIDATION_EVENTS,
    AppSpec,
    DeploymentGroup,
    Hook,
    appspecs,
    deployment_groups,
    hook_check,
)
from grader.evidence.delivery.common import (
    MAX_DOCS,
    MAX_ITEMS,
    STATUS_CHECK_OFF,
    deploy_tool,
    released_pipeline,
)
from grader.evidence.delivery.skaffold import (
    SkaffoldConfig,
    fnmatch_path,
    skaffold_applies,
    skaffold_configs,
    skaffold_for,
    versioned_tags,
)
from grader.evidence.shell import normalise
from grader.model import Location

if TYPE_CHECKING:
    from grader.submission import Submission

__all__ = ["MAX_DOCS", "MAX_ITEMS", "VALIDATION_EVENTS", "AppSpec", "CloudDeploy", "DeliveryPipeline",
           "DeploymentGroup", "Hook", "SkaffoldConfig", "Stage", "appspecs", "cloud_deploy", "config_rollbacks",
           "config_strategies", "delivery_pipeline", "deploy_tool", "deployment_groups", "fnmatch_path", "hook_check",
           "release_path", "released_pipeline", "released_pipelines", "skaffold_applies", "skaffold_configs", "skaffold_for",
           "tool_verification", "versioned_tags"]


def tool_verification(sub: Submission, text: str) -> tuple[bool, str, Location] | None:
    """How the delivery tool a deploy command runs verifies what it deployed, from its own
    configuration: (verified?, what, where); None when the command runs no such tool or the
    repository holds none of its configuration. A ``False`` answer says what is missing or faked."""
    tool = deploy_tool(text)
    if tool == "skaffold":
        configs = skaffold_for(sub, text)
        if not configs:
            return None
        conf = configs[0]
        if STATUS_CHECK_OFF.search(text):
            return False, f"`{text.strip()[:50]}` turns Skaffold's status check off (`--status-check=false`)", \
                Location(conf.path, conf.line)
        off = next((c for c in configs if c.status_check and c.status_check[0] is False), None)
        if off is not None:
            return False, f"{off.path}: `deploy.statusCheck: false` — Skaffold does not wait for the rollout", \
                Location(off.path, off.status_check[1] if off.status_check else off.line)
        return True, (f"`skaffold {normalise(text).split()[1]}` waits until what {conf.path} deploys is healthy "
                      "(Skaffold's status check, `deploy.statusCheck`, on by default)"), Location(conf.path, conf.line)
    if tool == "clouddeploy":
        pipeline = delivery_pipeline(sub, text)
        if pipeline is None:
            return None
        verifying = [s for s in pipeline.stages if s.verify]
        if not verifying:
            return False, (f"{pipeline.path}: no stage of DeliveryPipeline {pipeline.name} verifies its deployment "
                           "(`strategy.standard.verify: true`)"), Location(pipeline.path, pipeline.line)
        stage = verifying[0]
        tests = [(c, name, line) for c in skaffold_for(sub, text) for name, line in c.verify]
        if not tests:
            return False, (f"{pipeline.path}: stage {stage.target} has `verify: true`, but no Skaffold config has "
                           "`verify:` containers to run"), Location(pipeline.path, stage.line)
        conf, name, _line = tests[0]
        return True, (f"{pipeline.path}: target {stage.target} verify: true — Cloud Deploy runs {conf.path}'s "
                      f"verify container {name} after each rollout"), Location(pipeline.path, stage.line)
    if tool == "codedeploy":
        problem = None
        for spec in appspecs(sub):
            for hook in spec.hooks:
                if hook.event not in VALIDATION_EVENTS:
                    continue
                ok, what, where = hook_check(sub, spec, hook)
                if ok:
                    return True, f"{spec.path}: the {hook.event} hook runs after each CodeDeploy deployment: {what}", \
                        where
                problem = problem or (False, f"{spec.path}: the {hook.event} hook checks nothing: {what}", where)
        if problem is None and appspecs(sub):
            spec = appspecs(sub)[0]
            problem = (False, f"{spec.path} has no {' or '.join(VALIDATION_EVENTS[:2])} hook to check the service",
                       Location(spec.path, spec.line))
        return problem
    return None


def config_rollbacks(sub: Submission, deploys) -> list[tuple[bool, bool, str, Location]]:
    """(rolls back on failure?, run by a pipeline's deploy?, what, where) of the rollbacks a
    delivery tool is configured with: a Cloud Deploy ``Automation`` whose repair rule rolls back,
    a CodeDeploy deployment group with automatic rollback on ``DEPLOYMENT_FAILURE``. Configured
    but faked (a repair rule that only retries, rollback events without a failed deployment)
    comes with ``False``."""
    out: list[tuple[bool, bool, str, Location]] = []
    deploys = list(deploys)
    released = {p.name for p, _point in released_pipelines(sub, deploys)}
    for rel, line, name, pipeline, rollback, promotes, suspended in cloud_deploy(sub).automations:
        used = pipeline in released or (not pipeline and bool(released))
        if rollback and not suspended:
            out.append((True, used, f"{rel}: Automation {name} rolls a failed rollout back "
                                    "(`repairRolloutRule` with a `rollback` repair phase)", Location(rel, line)))
        else:
            why = "is suspended" if suspended else ("only promotes" if promotes else "only retries") + \
                ", no repair phase rolls back"
            out.append((False, used, f"{rel}: Automation {name} {why}", Location(rel, line)))
    codedeploy = any(ci is not None and deploy_tool(step.commands[ci].text) == "codedeploy"
                     for _pipe, _job, _index, ci, step, _away in deploys)
    for group in deployment_groups(sub):
        if group.rollback is None:
            continue
        what = (f"{group.path}: {group.source} CodeDeploy deployment group {group.name} "
                + ("rolls back automatically when a deployment fails" if group.rollback else
                   "has automatic rollback configured, but not on DEPLOYMENT_FAILURE (or disabled)")
                + f" ({group.rollback_stanza})")
        out.append((group.rollback, codedeploy, what, Location(group.path, group.line)))
    return out


def config_strategies(sub: Submission) -> list[tuple[str, Location]]:
    """(what, where) of deployment strategies a delivery tool is configured with: a Cloud Deploy
    stage with a ``canary`` strategy, a CodeDeploy deployment group that deploys blue/green or by
    a canary or linear configuration."""
    out: list[tuple[str, Location]] = []
    for pipeline in cloud_deploy(sub).pipelines:
        for stage in pipeline.stages:
            if stage.strategy == "canary":
                out.append((f"canary strategy ({pipeline.path}: Cloud Deploy stage {stage.target})",
                            Location(pipeline.path, stage.line)))
    for group in deployment_groups(sub):
        if group.strategy:
            out.append((f"{group.strategy} strategy ({group.path}: {group.source} CodeDeploy deployment group "
                        f"{group.name}: {group.strategy_stanza})", Location(group.path, group.line)))
    return out


def release_path(sub: Submission, text: str) -> str:
    """What a ``gcloud deploy releases create`` goes through, for a message: `` — promoted through
    clouddeploy.yaml: staging → prod (target prod requires approval; verify: true on staging)``; empty when the
    repository does not hold the DeliveryPipeline."""
    pipeline = delivery_pipeline(sub, text) if deploy_tool(text) == "clouddeploy" else None
    if pipeline is None or not pipeline.stages:
        return ""
    approvals = cloud_deploy(sub).approvals
    notes = [f"target {s.target} requires approval" for s in pipeline.stages if s.target in approvals]
    notes += [f"verify: true on {s.target}" for s in pipeline.stages if s.verify]
    notes += [f"canary on {s.target}" for s in pipeline.stages if s.strategy == "canary"]
    said = f" ({'; '.join(notes[:4])})" if notes else ""
    return f" — promoted through {pipeline.path}: {' → '.join(s.target for s in pipeline.stages[:6])}{said}"
