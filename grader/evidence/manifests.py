"""Kubernetes objects (multi-document YAML, ``List`` items)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader import yamlload
from grader.evidence import budget as evidence_budget
from grader.evidence import helm
from grader.evidence.ci import ci_files
from grader.yamlload import line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout", "DeploymentConfig"}
# Manifests kept as examples or templates to fill in (`deployment.yaml.example`): the objects
# the learner wrote, even if a script substitutes values before applying them.
EXAMPLE_SUFFIXES = (".yaml.example", ".yml.example", ".yaml.tpl", ".yml.tpl", ".yaml.template", ".yml.template",
                    ".yaml.tmpl", ".yml.tmpl")


@dataclass(frozen=True, slots=True)
class K8sObject:
    kind: str
    api_version: str
    name: str
    path: str
    line: int
    body: dict


def objects(sub: Submission) -> list[K8sObject]:
    """Every Kubernetes-shaped object (``apiVersion`` + ``kind``) in the submission's YAML
    (example and template copies included)."""
    cached = sub.memo("k8s")
    if cached is not None:
        return cached
    found: list[K8sObject] = []
    pipelines = ci_files(sub)
    # (not pipelines: a pipeline is not a manifest)
    candidates = [rel for rel in [*sub.yaml_files(), *sub.by_suffix(*EXAMPLE_SUFFIXES)] if rel not in pipelines]
    sub.expect(candidates)
    for rel in candidates:
        text = sub.read_text(rel)
        if not text or "kind" not in text or "apiVersion" not in text:
            continue  # no Kubernetes object can be in it: don't parse
        chart = helm.chart_root(rel, sub.file_set)
        docs = _helm_docs(sub, rel, chart) if chart is not None else sub.yaml_docs_quiet(rel)
        for doc in docs or []:
            _collect(doc, rel, found)
    evidence_budget.note(sub)
    return sub.memo("k8s", found)


def _helm_docs(sub: Submission, rel: str, chart: str) -> list:
    """A chart template's documents, read best effort (see grader.evidence.helm)."""
    text = sub.read_text(rel)
    if text is None:
        return []
    if "{{" not in text:
        return sub.yaml_docs_quiet(rel) or []
    values = _chart_values(sub, chart)
    docs = []
    for part in helm.render(text, values, evidence_budget.of(sub)).split("\n---"):
        try:
            docs.extend(yamlload.load_all(part))
        except yamlload.YamlError:
            continue  # best effort: a template we can't read is skipped, not reported
    return docs


def _chart_values(sub: Submission, chart: str) -> dict:
    """The chart's ``values.yaml``, with its per-environment files (``values-prod.yaml``,
    ``values.production.yaml``, ``environments/*.yaml`` beside it) merged over it: a value only an
    environment sets is still seen."""
    cached = sub.memo(f"helm-values:{chart}")
    if cached is not None:
        return cached
    prefix = f"{chart}/" if chart else ""
    base = f"{prefix}values.yaml"
    extra = sorted(f for f in sub.files if f.startswith(prefix) and f != base and f.count("/") == base.count("/")
                   and re.fullmatch(r"values[-._][\w.-]+\.ya?ml", f.rsplit("/", 1)[-1]))
    merged: dict = {}
    for rel in ([base] if sub.exists(base) else []) + extra:
        docs = sub.yaml_docs_quiet(rel)
        if docs and isinstance(docs[0], dict):
            _merge(merged, docs[0])
    return sub.memo(f"helm-values:{chart}", merged)


def _merge(into: dict, more: dict, depth: int = 0) -> None:
    """``more`` over ``into``, mappings merged key by key (new mappings are copies: the parsed
    files stay as they were read)."""
    for key, value in more.items():
        if isinstance(value, dict) and depth < 20:
            target = into.get(key)
            if not isinstance(target, dict):
                target = into[key] = {}
            _merge(target, value, depth + 1)
        else:
            into[key] = value


def _collect(doc, rel: str, found: list) -> None:
    if not isinstance(doc, dict):
        return
    kind, api = doc.get("kind"), doc.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api, str):
        return
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            _collect(item, rel, found)
        return
    meta = mapping(doc.get("metadata"))
    found.append(K8sObject(kind, api, str(meta.get("name", "?")), rel, line_of(doc, 1) or 1, doc))


def containers(obj: K8sObject) -> list[dict]:
    """The containers of a workload's pod template (CronJob and Job included)."""
    spec = obj.body.get("spec")
    if not isinstance(spec, dict):
        return []
    if obj.kind == "CronJob":
        spec = _dig(spec, "jobTemplate", "spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    if obj.kind == "Pod":
        pod = spec
    items = pod.get("containers") if isinstance(pod, dict) else None
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def workloads(sub: Submission) -> list[K8sObject]:
    return [o for o in objects(sub) if o.kind in WORKLOAD_KINDS or o.kind in ("Pod", "Job", "CronJob")]


def _dig(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
