"""Operate: health checks, autoscaling, resource limits, runbooks."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.common import loc, plural
from grader.evidence import manifests, markdown
from grader.model import Finding

_PROBE_ACTIONS = ("httpGet", "tcpSocket", "exec", "grpc")


def _probe_ok(probe) -> bool:
    return isinstance(probe, dict) and any(isinstance(probe.get(a), dict) for a in _PROBE_ACTIONS)


def _long_running(obj) -> bool:
    return obj.kind in manifests.WORKLOAD_KINDS or obj.kind == "Pod"


@detector(
    "health-checks",
    title="Health checks",
    looks_for="Liveness and readiness probes (`httpGet`, `tcpSocket`, `exec` or `grpc`) on the "
    "containers of Kubernetes workloads (Deployment, StatefulSet, DaemonSet, Argo Rollout); "
    "credit by the share of containers with both. A Dockerfile `HEALTHCHECK` (not `NONE`) "
    "counts when there are no Kubernetes workloads.",
    why="Probes let the platform restart what is stuck and keep traffic away from what isn't "
    "ready: the first line of keeping a system running.",
)
def health_checks(sub, p):
    containers = []
    for obj in manifests.workloads(sub):
        if not _long_running(obj):
            continue
        for c in manifests.containers(obj):
            containers.append((obj, c))
    if containers:
        both = [(o, c) for o, c in containers if _probe_ok(c.get("livenessProbe")) and _probe_ok(c.get("readinessProbe"))]
        missing = [(o, c) for o, c in containers if (o, c) not in both]
        msg = f"{len(both)} of {plural(len(containers), 'container')} have liveness and readiness probes"
        if missing:
            o, c = missing[0]
            which = [n for n in ("livenessProbe", "readinessProbe") if not _probe_ok(c.get(n))]
            msg += f"; {o.name}/{c.get('name', '?')} lacks {' and '.join(which)}"
        ev = [loc(o.path, getattr(c, "line", o.line)) for o, c in (both or missing)[:3]]
        return Finding.ratio(len(both) / len(containers), msg, ev)
    for rel in manifests.dockerfiles(sub):
        for instr, args, line in manifests.dockerfile_instructions(sub, rel):
            if instr == "HEALTHCHECK" and not args.upper().startswith("NONE") and "CMD" in args.upper():
                return Finding.passed(f"{rel} has a HEALTHCHECK", [loc(rel, line)])
    return Finding.failed("no liveness/readiness probes or Docker HEALTHCHECK found")


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@detector(
    "autoscaling",
    title="Autoscaling",
    looks_for="A HorizontalPodAutoscaler (autoscaling/v1 or v2) with `maxReplicas` above "
    "`minReplicas` (default 1) and a scale target, or a KEDA `ScaledObject`.",
    why="Scaling with the load keeps latency steady at peak times and cost down at quiet ones, "
    "with nobody paged to add servers.",
)
def autoscaling(sub, p):
    weak = None
    for obj in manifests.objects(sub):
        spec = obj.body.get("spec") if isinstance(obj.body.get("spec"), dict) else {}
        if obj.kind == "HorizontalPodAutoscaler":
            lo = _int(spec.get("minReplicas", 1))
            hi = _int(spec.get("maxReplicas"))
            target = spec.get("scaleTargetRef")
            if lo is not None and hi is not None and hi > lo and isinstance(target, dict):
                return Finding.passed(
                    f"HPA {obj.name} scales {target.get('kind', '?')}/{target.get('name', '?')} from {lo} to {hi}",
                    [loc(obj.path, obj.line)])
            weak = weak or (obj, f"HPA {obj.name} can't scale (minReplicas {lo}, maxReplicas {hi})")
        if obj.kind == "ScaledObject" and "keda.sh" in obj.api_version and isinstance(spec.get("triggers"), list):
            return Finding.passed(f"KEDA ScaledObject {obj.name}", [loc(obj.path, obj.line)])
    if weak:
        return Finding.failed(weak[1], [loc(weak[0].path, weak[0].line)])
    targets = [o for o in manifests.objects(sub) if o.kind in ("Deployment", "StatefulSet", "Rollout")]
    return Finding.failed("no HorizontalPodAutoscaler found" + (f" for {targets[0].name}" if targets else ""),
                          [loc(targets[0].path, targets[0].line)] if targets else [])


@detector(
    "resource-limits",
    title="Resource requests and limits",
    looks_for="Containers of Kubernetes workloads with `resources.limits` (cpu or memory) and "
    "`resources.requests`; credit by the share of containers that have limits.",
    why="Limits keep one misbehaving service from starving its neighbours, and requests let "
    "the scheduler and the autoscaler do their jobs.",
)
def resource_limits(sub, p):
    containers = [(o, c) for o in manifests.workloads(sub) for c in manifests.containers(o)]
    if not containers:
        return Finding.failed("no Kubernetes workloads with containers found")
    good = []
    for obj, c in containers:
        res = c.get("resources") if isinstance(c.get("resources"), dict) else {}
        limits = res.get("limits") if isinstance(res.get("limits"), dict) else {}
        if limits.get("cpu") or limits.get("memory"):
            good.append((obj, c))
    msg = f"{len(good)} of {plural(len(containers), 'container')} have resource limits"
    ev = [loc(o.path, getattr(c, "line", o.line)) for o, c in (good or containers)[:3]]
    return Finding.ratio(len(good) / len(containers), msg, ev)


_RUNBOOK_PATH = re.compile(r"(^|/)(runbooks?|playbooks?)(/|[-_.][^/]*\.md$|\.md$)|runbook[^/]*\.md$", re.I)


@detector(
    "runbook",
    title="Runbooks for incidents",
    looks_for="Markdown runbooks (`runbooks/*.md`, `docs/runbook*.md`, `RUNBOOK.md`) with at "
    "least `min_sections` sections that each have real steps under them (at least "
    "`min_words` words, not a heading with nothing under it).",
    why="At 3 a.m. the on-call engineer follows the runbook, not their memory: known failures "
    "get fixed in minutes.",
    params={"min_sections": {"type": "integer", "minimum": 1, "maximum": 100},
            "min_words": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_sections": 1, "min_words": 15},
)
def runbook(sub, p):
    files = [f for f in sub.by_suffix(".md") if _RUNBOOK_PATH.search(f)]
    if not files:
        return Finding.failed("no runbook found (e.g. docs/runbooks/high-error-rate.md)")
    filled, empty = [], []
    for rel in files:
        root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            if not section.level:
                continue
            if markdown.is_filled(section.body, p["min_words"]):
                filled.append((rel, section))
            elif not section.children:
                empty.append((rel, section))
    if filled:
        msg = f"{plural(len(filled), 'runbook section')} with steps in {plural(len({r for r, _ in filled}), 'file')}"
        if empty:
            msg += f"; {len(empty)} empty (e.g. {empty[0][1].title!r})"
        return Finding.ratio(len(filled) / p["min_sections"], msg,
                             [loc(r, s.line) for r, s in filled[:3]])
    where = [loc(r, s.line) for r, s in empty[:3]] or [loc(files[0], 1)]
    return Finding.failed(f"{plural(len(files), 'runbook')} found but no section has real steps", where)
