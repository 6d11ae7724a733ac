"""Google Cloud Deploy resources (``apiVersion: deploy.cloud.google.com/…``, in
``clouddeploy.yaml`` or any YAML file): ``DeliveryPipeline`` stages and their strategies,
``Target`` approvals, ``Automation`` rules that promote or repair (roll back) a rollout."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence.delivery.common import MAX_DOCS, deploy_tool, items, released_pipeline
from grader.yamlload import item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission


@dataclass(slots=True)
class Stage:
    target: str
    line: int
    strategy: str  # "standard", "canary" (or "custom canary")
    verify: bool


@dataclass(slots=True)
class DeliveryPipeline:
    name: str
    path: str
    line: int
    stages: list[Stage]
    suspended: bool


@dataclass(slots=True)
class CloudDeploy:
    pipelines: list[DeliveryPipeline] = field(default_factory=list)
    approvals: dict[str, tuple[str, int]] = field(default_factory=dict)  # target -> (path, line)
    targets: dict[str, tuple[str, int]] = field(default_factory=dict)
    # (path, line, automation name, pipeline it selects or "" for any, rollback?, promotes?, suspended)
    automations: list[tuple[str, int, str, str, bool, bool, bool]] = field(default_factory=list)


def cloud_deploy(sub: Submission) -> CloudDeploy:
    """The repository's Cloud Deploy resources (``apiVersion: deploy.cloud.google.com/…``), read
    once per submission."""
    cached = sub.memo("cloud-deploy")
    if cached is None:
        cached = sub.memo("cloud-deploy", _cloud_deploy(sub))
    return cached


def _cloud_deploy(sub: Submission) -> CloudDeploy:
    out = CloudDeploy()
    for rel in sub.yaml_files():
        if "deploy.cloud.google.com" not in (sub.read_text(rel) or ""):
            continue
        for doc in (sub.yaml_docs_quiet(rel) or [])[:MAX_DOCS]:
            if not isinstance(doc, dict) or not str(doc.get("apiVersion", "")).startswith("deploy.cloud.google.com/"):
                continue
            kind, line = doc.get("kind"), line_of(doc, 1) or 1
            name = str(mapping(doc.get("metadata")).get("name") or "")
            if kind == "DeliveryPipeline":
                stages = []
                serial = mapping(doc.get("serialPipeline"))
                for i, stage in enumerate(items(serial.get("stages"))):
                    stage = mapping(stage)
                    if isinstance(stage.get("targetId"), str):
                        strategy, verify = _stage_strategy(mapping(stage.get("strategy")))
                        stages.append(Stage(stage["targetId"], item_line(serial.get("stages"), i, line), strategy, verify))
                out.pipelines.append(DeliveryPipeline(name, rel, line, stages, doc.get("suspended") is True))
            elif kind == "Target":
                out.targets[name] = (rel, line)
                if doc.get("requireApproval") is True:
                    out.approvals[name] = (rel, line)
            elif kind == "Automation":
                out.automations.append(_automation(rel, line, name, doc))
    return out


def _stage_strategy(strategy: dict) -> tuple[str, bool]:
    """(``standard``/``canary``, verify) of a stage's strategy (``standard.verify``,
    ``canary.canaryDeployment.verify``, ``canary.customCanaryDeployment.phaseConfigs[].verify``)."""
    if isinstance(strategy.get("canary"), dict):
        canary = strategy["canary"]
        verify = mapping(canary.get("canaryDeployment")).get("verify") is True or any(
            mapping(phase).get("verify") is True
            for phase in items(mapping(canary.get("customCanaryDeployment")).get("phaseConfigs")))
        return "canary", verify
    return "standard", mapping(strategy.get("standard")).get("verify") is True


def _automation(rel: str, line: int, name: str, doc: dict) -> tuple[str, int, str, str, bool, bool, bool]:
    """An Automation: which pipeline it selects, whether a repair rule rolls back a failed rollout
    (``repairRolloutRule.repairPhases[].rollback``, or the older ``repairModes``), whether it
    promotes."""
    pipeline = name.split("/", 1)[0] if "/" in name else ""
    rollback = promotes = False
    for rule in items(doc.get("rules")):
        rule = mapping(rule)
        repair = mapping(rule.get("repairRolloutRule"))
        phases = items(repair.get("repairPhases")) + items(repair.get("repairModes"))
        if any(isinstance(mapping(phase).get("rollback"), dict) or "rollback" in mapping(phase) for phase in phases):
            rollback = True
        if rule.get("promoteReleaseRule") is not None:
            promotes = True
    return rel, line, name, pipeline, rollback, promotes, doc.get("suspended") is True


def delivery_pipeline(sub: Submission, text: str) -> DeliveryPipeline | None:
    """The DeliveryPipeline a ``gcloud deploy releases create`` releases into: the one it names,
    or the repository's only one when the name is a variable; None when the repository holds
    no such pipeline."""
    pipelines = cloud_deploy(sub).pipelines
    name = released_pipeline(text)
    if name is not None:
        return next((p for p in pipelines if p.name == name), None)
    return pipelines[0] if len(pipelines) == 1 else None


def released_pipelines(sub: Submission, deploys) -> list[tuple[DeliveryPipeline, object]]:
    """(DeliveryPipeline, deploy point) for each pipeline a deploy step releases into."""
    out: list[tuple[DeliveryPipeline, object]] = []
    for point in deploys:
        pipe, _job, _index, ci, step, _away = point
        if ci is None or deploy_tool(step.commands[ci].text) != "clouddeploy":
            continue
        found = delivery_pipeline(sub, step.commands[ci].text)
        if found is not None and all(found is not p for p, _ in out):
            out.append((found, point))
    return out
