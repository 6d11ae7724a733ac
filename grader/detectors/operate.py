"""Operate: health checks, autoscaling, resource limits, runbooks."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, loc, plural
from grader.evidence import alerts, dockerfile, infra, manifests, markdown, wiring
from grader.evidence.ci import read_pipelines
from grader.evidence.operations import (
    DUMP,
    GUIDE_PATH,
    RUNBOOK_PATH,
    cloud_health_checks,
    runbooks_by_content,
    runs_dump,
    runs_somewhere,
    supervisors,
)
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission
from grader.yamlload import line_of, mapping

_UNAPPLIED = {"unapplied_credit": {"type": "number", "minimum": 0, "maximum": 1}}


def _applied(sub: Submission, finding: Finding, p: Params) -> Finding:
    """``finding`` about Kubernetes manifests, at ``unapplied_credit`` when nothing applies them
    (manifest ↔ pipeline), the missing link said."""
    paths = sorted({where.path for where in finding.evidence if getattr(where, "path", None)})
    if finding.fraction <= 0 or wiring.manifests_applier(sub, paths) is not None:
        return finding
    applier = wiring.manifests_applier(sub)
    if applier is not None:  # Skaffold applies what its configuration names, and these are not among them
        return Finding.ratio(finding.fraction * p["unapplied_credit"], finding.message + f"; manifest ↔ pipeline: "
                             f"{applier} applies only the manifests its Skaffold configuration names, not these",
                             finding.evidence)
    return Finding.ratio(finding.fraction * p["unapplied_credit"], finding.message + "; manifest ↔ pipeline: nothing "
                         "applies these manifests (no pipeline deploy, deploy script, GitOps controller, Makefile "
                         "recipe or Skaffold)", finding.evidence)


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
    "credit by the share of containers with both (one of the two counts half). Without Kubernetes workloads: a Dockerfile "
    "`HEALTHCHECK` (not `NONE`), or Docker Compose `healthcheck`s (by the share of services); a "
    "Compose restart policy alone earns `restart_credit`. Without those: a health check the platform "
    "runs, written as infrastructure code (a load balancer target group's `health_check`, an ECS "
    "container `healthCheck`, an App Service `health_check_path`, Cloud Run probes, Terraform "
    "`kubernetes_deployment` probes, a health check resource), or in a PaaS's own configuration (Fly.io "
    "`fly.toml` checks, a Render `healthCheckPath`). Last, a systemd unit that restarts "
    "its service (`Restart=always`/`on-failure`...) earns `restart_credit`. Probes in manifests that "
    "nothing applies (no pipeline deploy, deploy script, GitOps controller, Makefile recipe or Skaffold; "
    "Skaffold, run by a pipeline or by Cloud Deploy, applies only the files its `skaffold.yaml` names) "
    "count `unapplied_credit`.",
    why="Probes let the platform restart what is stuck and keep traffic away from what isn't "
    "ready: the first line of keeping a system running.",
    params={"restart_credit": {"type": "number", "minimum": 0, "maximum": 1}, **_UNAPPLIED},
    defaults={"restart_credit": 1 / 3, "unapplied_credit": 0.5},
)
def health_checks(sub: Submission, p: Params) -> Finding:
    containers = []
    for obj in manifests.workloads(sub):
        if not _long_running(obj):
            continue
        for c in manifests.containers(obj):
            containers.append((obj, c))
    if containers:
        both = [(o, c) for o, c in containers if _probe_ok(c.get("livenessProbe")) and _probe_ok(c.get("readinessProbe"))]
        missing = [(o, c) for o, c in containers if (o, c) not in both]
        msg = (f"{len(both)} of {plural(len(containers), 'container')} "
               f"{'has' if len(containers) == 1 else 'have'} liveness and readiness probes")
        if missing:
            o, c = missing[0]
            which = [n for n in ("livenessProbe", "readinessProbe") if not _probe_ok(c.get(n))]
            msg += f"; {o.name}/{c.get('name', '?')} lacks {' and '.join(which)}"
        ev = [loc(o.path, getattr(c, "line", o.line)) for o, c in (both or missing)[:3]]
        # one real probe and the other absent counts half; a faked one (`livenessProbe: {}`) spoils it
        one = [(o, c) for o, c in missing
               if any(_probe_ok(c.get(k)) and c.get(other) is None
                      for k, other in (("livenessProbe", "readinessProbe"), ("readinessProbe", "livenessProbe")))]
        if one:
            msg += f" ({len(one)} more with one of the two)"
        return _applied(sub, Finding.ratio((len(both) + 0.5 * len(one)) / len(containers), msg, ev), p)
    for rel in dockerfile.dockerfiles(sub):
        for ins in dockerfile.instructions(sub, rel):
            if ins.name == "HEALTHCHECK" and not ins.args.upper().startswith("NONE") and "CMD" in ins.args.upper():
                return Finding.passed(f"{rel} has a HEALTHCHECK", [loc(rel, ins.line)])
    services = _running_services(sub)
    if services:
        checked = [(rel, name, body) for rel, name, body in services if _compose_healthcheck(body)]
        restarted = [(rel, name, body) for rel, name, body in services if _compose_restarts(body)]
        if checked:
            rel, name, body = checked[0]
            return Finding.ratio(len(checked) / len(services), f"{len(checked)} of {plural(len(services), 'Compose service')} "
                                 f"{'has' if len(services) == 1 else 'have'} a healthcheck ({name} in {rel})",
                                 [loc(rel, line_of(body, 1))])
        if restarted:
            rel, name, body = restarted[0]
            return Finding.ratio(p["restart_credit"], f"Compose restarts crashed services ({name}: restart "
                                 f"policy in {rel}), but nothing checks that they are healthy", [loc(rel, line_of(body, 1))])
    cloud = cloud_health_checks(sub)
    if cloud:
        what, rel, line = cloud[0]
        return Finding.passed(f"the platform checks the service's health: {what} in {rel}", [loc(rel, line)])
    units = infra.systemd_restarts(sub)
    if units:
        rel, line, policy = units[0]
        return Finding.ratio(p["restart_credit"], f"systemd restarts the service when it dies (Restart={policy} in "
                             f"{rel}), but nothing checks that it is healthy", [loc(rel, line)])
    return Finding.failed("no liveness/readiness probes, Docker HEALTHCHECK, Compose healthcheck or platform "
                          "health check found")


@detector(
    "restart-policy",
    title="Services restarted when they fail",
    looks_for="Something that restarts the service when it dies, wherever it runs: Kubernetes "
    "workloads (their controllers restart containers; a Pod with `restartPolicy: Never` does not), a "
    "Compose `restart:` policy (`always`, `unless-stopped`, `on-failure`) or a Swarm "
    "`deploy.restart_policy` (not `condition: none`), a systemd unit with `Restart=`, pm2 (an "
    "ecosystem file whose apps name a script, or `pm2 start`/`pm2-runtime` run by a Dockerfile, a "
    "package.json script or a shell script), or a supervisord program that restarts. A policy of "
    "`no`, `Restart=no` or a command that is only printed does not count. Kubernetes workloads that "
    "nothing applies count `unapplied_credit`.",
    why="A process that crashes at 3 a.m. should be back before anyone is paged: supervision is the "
    "first thing that keeps a service running, on any platform.",
    params=_UNAPPLIED,
    defaults={"unapplied_credit": 0.5},
)
def restart_policy(sub: Submission, p: Params) -> Finding:
    hits = supervisors(sub)
    if not hits:
        return Finding.failed("nothing restarts the service when it dies (no Kubernetes workload, Compose/Swarm "
                              "restart policy, systemd Restart=, pm2 or supervisord)")
    other = [h for h in hits if not h[0].startswith("Kubernetes")]
    what, rel, line = (other or hits)[0]
    more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
    finding = Finding.passed(f"{what} in {rel}{more}", [loc(r, n) for _, r, n in (other or hits)[:3]])
    return finding if other else _applied(sub, finding, p)


def _running_services(sub: Submission) -> list:
    """Compose services that run the system (a dev container's Compose file is a workstation)."""
    return [s for s in infra.compose_services(sub) if not s[0].startswith(".devcontainer/")]


def _compose_healthcheck(body: dict) -> bool:
    check = body.get("healthcheck")
    return isinstance(check, dict) and not check.get("disable") and bool(check.get("test")) and \
        check.get("test") not in (["NONE"], "NONE")


def _compose_restarts(body: dict) -> bool:
    policy = str(body.get("restart", "")).lower()
    deploy = mapping(body.get("deploy"))
    return policy in ("always", "unless-stopped", "on-failure") or policy.startswith("on-failure") or \
        bool(mapping(deploy.get("restart_policy")))


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@detector(
    "autoscaling",
    title="Autoscaling",
    looks_for="A HorizontalPodAutoscaler (autoscaling/v1 or v2) with `maxReplicas` above "
    "`minReplicas` (default 1) and a scale target, or a KEDA `ScaledObject`; `unapplied_credit` when "
    "nothing applies the manifests.",
    why="Scaling with the load keeps latency steady at peak times and cost down at quiet ones, "
    "with nobody paged to add servers.",
    params=_UNAPPLIED,
    defaults={"unapplied_credit": 0.5},
)
def autoscaling(sub: Submission, p: Params) -> Finding:
    weak = None
    for obj in manifests.objects(sub):
        spec = mapping(obj.body.get("spec"))
        if obj.kind == "HorizontalPodAutoscaler":
            lo = _int(spec.get("minReplicas", 1))
            hi = _int(spec.get("maxReplicas"))
            target = spec.get("scaleTargetRef")
            if lo is not None and hi is not None and hi > lo and isinstance(target, dict):
                return _applied(sub, Finding.passed(
                    f"HPA {obj.name} scales {target.get('kind', '?')}/{target.get('name', '?')} from {lo} to {hi}",
                    [loc(obj.path, obj.line)]), p)
            weak = weak or (obj, f"HPA {obj.name} can't scale (minReplicas {lo}, maxReplicas {hi})")
        if obj.kind == "ScaledObject" and "keda.sh" in obj.api_version and isinstance(spec.get("triggers"), list):
            return _applied(sub, Finding.passed(f"KEDA ScaledObject {obj.name}", [loc(obj.path, obj.line)]), p)
    if weak:
        return Finding.failed(weak[1], [loc(weak[0].path, weak[0].line)])
    targets = [o for o in manifests.objects(sub) if o.kind in ("Deployment", "StatefulSet", "Rollout")]
    return Finding.failed("no HorizontalPodAutoscaler found" + (f" for {targets[0].name}" if targets else ""),
                          [loc(targets[0].path, targets[0].line)] if targets else [])


@detector(
    "resource-limits",
    title="Resource requests and limits",
    looks_for="Containers of Kubernetes workloads with `resources.limits` (cpu or memory) and "
    "`resources.requests`; credit by the share of containers that have limits. Without Kubernetes "
    "workloads, Docker Compose services with `deploy.resources.limits`, `mem_limit` or `cpus`. Limits in "
    "manifests that nothing applies count `unapplied_credit`.",
    why="Limits keep one misbehaving service from starving its neighbours, and requests let "
    "the scheduler and the autoscaler do their jobs.",
    params=_UNAPPLIED,
    defaults={"unapplied_credit": 0.5},
)
def resource_limits(sub: Submission, p: Params) -> Finding:
    containers = [(o, c) for o in manifests.workloads(sub) for c in manifests.containers(o)]
    if not containers:
        services = _running_services(sub)
        limited = [(rel, name, body) for rel, name, body in services if _compose_limits(body)]
        if limited:
            rel, name, body = limited[0]
            return Finding.ratio(len(limited) / len(services), f"{len(limited)} of {plural(len(services), 'Compose service')} "
                                 f"{'has' if len(services) == 1 else 'have'} resource limits ({name} in {rel})",
                                 [loc(rel, line_of(body, 1))])
        return Finding.failed("no Kubernetes workloads with containers, and no Compose service with limits")
    good = []
    for obj, c in containers:
        res = mapping(c.get("resources"))
        limits = mapping(res.get("limits"))
        if limits.get("cpu") or limits.get("memory"):
            good.append((obj, c))
    msg = f"{len(good)} of {plural(len(containers), 'container')} {'has' if len(containers) == 1 else 'have'} resource limits"
    ev = [loc(o.path, getattr(c, "line", o.line)) for o, c in (good or containers)[:3]]
    return _applied(sub, Finding.ratio(len(good) / len(containers), msg, ev), p)


def _compose_limits(body: dict) -> bool:
    limits = mapping(mapping(mapping(body.get("deploy")).get("resources")).get("limits"))
    return bool(limits.get("cpus") or limits.get("memory") or body.get("mem_limit") or body.get("cpus"))


@detector(
    "runbook",
    title="Runbooks for incidents",
    looks_for="Markdown runbooks (`runbooks/*.md`, `docs/runbook*.md`, `RUNBOOK.md`; upgrade and operations "
    "guides — `UPGRADING.md`, `docs/upgrade*.md`, `docs/operations.md` — when the repository runs a service: "
    "a Dockerfile, Compose services, Kubernetes workloads, a systemd unit or pm2) with at "
    "least `min_sections` sections that each have real steps under them (at least "
    "`min_words` words, not a heading with nothing under it). Without such files, runbooks are "
    "recognised by content in any Markdown file: an operational heading (symptoms, diagnosis, "
    "mitigation, rollback, escalation, troubleshooting...) over at least two numbered steps holding "
    "commands. Instructions kept for AI coding assistants (`CLAUDE.md`, `AGENTS.md`, `.agent/skills/`, "
    "`.cursor/`, `.github/copilot-instructions.md`) are not runbooks.",
    why="At 3 a.m. the on-call engineer follows the runbook, not their memory: known failures "
    "get fixed in minutes.",
    params={"min_sections": {"type": "integer", "minimum": 1, "maximum": 100},
            "min_words": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_sections": 1, "min_words": 15},
)
def runbook(sub: Submission, p: Params) -> Finding:
    files = [f for f in markdown.prose_files(sub) if RUNBOOK_PATH.search(f)]
    guides = [f for f in markdown.prose_files(sub) if GUIDE_PATH.search(f) and not RUNBOOK_PATH.search(f)]
    files += guides if guides and runs_somewhere(sub) else []
    if not files:
        by_content = runbooks_by_content(sub)
        if by_content:
            return Finding.ratio(len(by_content) / p["min_sections"],
                                 f"{plural(len(by_content), 'runbook section')} (operational headings with numbered "
                                 f"command steps) in {plural(len({r for r, _ in by_content}), 'file')}",
                                 [loc(r, sec.line) for r, sec in by_content[:3]])
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


_ONCALL = {"pagerduty_configs": "PagerDuty", "opsgenie_configs": "Opsgenie", "victorops_configs": "VictorOps",
           "pagerdutyConfigs": "PagerDuty", "opsgenieConfigs": "Opsgenie", "victoropsConfigs": "VictorOps"}


_CHAT = {"slack_configs": "Slack", "msteams_configs": "Microsoft Teams", "email_configs": "e-mail",
         "webhook_configs": "webhook", "slackConfigs": "Slack", "emailConfigs": "e-mail", "webhookConfigs": "webhook",
         "msteamsConfigs": "Microsoft Teams", "telegram_configs": "Telegram", "discord_configs": "Discord",
         "pushover_configs": "Pushover", "sns_configs": "Amazon SNS", "webex_configs": "Webex", "wechat_configs": "WeChat"}


@detector(
    "alert-routing",
    title="Alerts routed to on-call",
    looks_for="An Alertmanager configuration (a `route` and `receivers`, in its own file, a Helm values "
    "file, a ConfigMap or an `AlertmanagerConfig` resource) with a receiver that pages an on-call tool "
    "(PagerDuty, Opsgenie, VictorOps) — full credit — or only chat/e-mail receivers — half. An "
    "Alertmanager whose receivers send nowhere (no integration) or back to itself (a webhook to "
    "`localhost:9093` or the `alertmanager` service) earns `nowhere_credit`, and the finding says so.",
    why="An alert nobody receives is noise; routing pages to the on-call rotation closes the "
    "monitor-to-operate loop.",
    params={"nowhere_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"nowhere_credit": 0.25},
)
def alert_routing(sub: Submission, p: Params) -> Finding:
    paging, chat, nowhere = [], [], []
    for rel, recv in _receivers(sub):
        where = Location(rel, line_of(recv, 1) or 1)
        real, looped = wiring.receiver_destinations(recv)
        paging += [(_ONCALL[k], where, str(recv.get("name"))) for k in real if k in _ONCALL]
        chat += [(_CHAT[k], where, str(recv.get("name"))) for k in real if k in _CHAT]
        if not real:
            nowhere.append((where, "back to Alertmanager itself" if looped else "nowhere"))
    if paging:
        return found("alerts routed to on-call", paging + chat)
    if chat:
        return found("alerts routed", chat, 0.5, " (no on-call tool such as PagerDuty or Opsgenie)")
    if nowhere:
        where, how = nowhere[0]
        return Finding.ratio(p["nowhere_credit"], f"Alertmanager ↔ receiver: an Alertmanager is configured, but its "
                             f"receivers send alerts {how} ({where.path})", [w for w, _ in nowhere[:3]])
    return Finding.failed("no Alertmanager routing found")


def _receivers(sub: Submission):
    """(path, receiver) of every Alertmanager configuration's receivers."""
    for rel, doc in infra.yaml_documents(sub):
        candidates = list(alerts.alertmanager_configs(doc))
        if isinstance(doc, dict) and doc.get("kind") == "AlertmanagerConfig" and isinstance(doc.get("spec"), dict):
            spec = doc["spec"]
            if isinstance(spec.get("receivers"), list):
                candidates.append({"route": spec.get("route") or {}, "receivers": spec["receivers"]})
        for conf in candidates:
            yield from ((rel, recv) for recv in conf["receivers"] if isinstance(recv, dict))


@detector(
    "cloud-autoscaling",
    title="Autoscaling outside Kubernetes",
    looks_for="Cloud autoscaling in Terraform: an `aws_autoscaling_group` (`max_size` above `min_size`), "
    "`aws_appautoscaling_target` (`max_capacity` above `min_capacity`), a Google "
    "`google_compute_(region_)autoscaler` or an Azure `azurerm_monitor_autoscale_setting`.",
    why="Scaling the fleet with demand keeps the service fast at peak and cheap at night.",
)
def cloud_autoscaling(sub: Submission, p: Params) -> Finding:
    hits = []
    for rel, line, rtype, body in infra.terraform_resources(sub):
        ok = False
        if rtype == "aws_autoscaling_group":
            lo, hi = infra.terraform_int(body, "min_size"), infra.terraform_int(body, "max_size")
            ok = lo is not None and hi is not None and hi > lo
            name = "AWS Auto Scaling group"
        elif rtype == "aws_appautoscaling_target":
            lo, hi = infra.terraform_int(body, "min_capacity"), infra.terraform_int(body, "max_capacity")
            ok = lo is not None and hi is not None and hi > lo
            name = "AWS Application Auto Scaling"
        elif rtype in ("google_compute_autoscaler", "google_compute_region_autoscaler"):
            ok = infra.terraform_int(body, "max_replicas") is not None
            name = "Google Compute autoscaler"
        elif rtype == "azurerm_monitor_autoscale_setting":
            ok = infra.terraform_int(body, "maximum") is not None
            name = "Azure autoscale"
        if ok:
            hits.append((name, Location(rel, line), rtype))
    if hits:
        return found("cloud autoscaling", hits)
    return Finding.failed("no cloud autoscaling configured in Terraform")


@detector(
    "backups",
    title="Backups",
    looks_for="Backups that run on a schedule: a Kubernetes `CronJob` whose container runs a dump "
    "(`pg_dump`, `mysqldump`, `mongodump`, `restic`, `velero backup`, `etcdctl snapshot save`...), a "
    "Velero `Schedule`, a scheduled CI workflow that dumps, or Terraform backup resources "
    "(`aws_backup_plan`, `backup_retention_period` above 0).",
    why="Backups you have tested are the difference between an incident and a catastrophe.",
)
def backups(sub: Submission, p: Params) -> Finding:
    hits = []
    for obj in manifests.objects(sub):
        if obj.kind == "CronJob":
            for c in manifests.containers(obj):
                dump = runs_dump(c)
                if dump:
                    hits.append((f"CronJob ({dump})", Location(obj.path, obj.line), obj.name))
        elif obj.kind == "Schedule" and "velero.io" in obj.api_version:
            hits.append(("Velero", Location(obj.path, obj.line), obj.name))
    for rel, line, rtype, body in infra.terraform_resources(sub):
        if rtype == "aws_backup_plan" or (infra.terraform_int(body, "backup_retention_period") or 0) > 0:
            hits.append(("Terraform backups", Location(rel, line), rtype))
    for pipe in read_pipelines(sub):
        if "schedule" in pipe.triggers:
            for job in pipe.jobs:
                for step in job.steps:
                    for cmd in step.commands:
                        m = DUMP.search(cmd.text)
                        if m and not cmd.text.lstrip().startswith(("echo", "printf")):
                            hits.append((f"scheduled CI ({m.group(1)})", cmd.at(pipe.path), cmd.text))
    if hits:
        return found("backups", hits)
    return Finding.failed("no scheduled backups found")


_PIR_PATH = lazy(r"post[-_ ]?mortem|post[-_ ]?incident|incident[-_ ]?(review|report|template)|retrospective", re.I)


_PIR_SECTIONS = ("timeline", "impact", "root cause", "action item", "what went well", "detection", "resolution",
                 "contributing factor", "lessons")


_ONCALL_PATH = lazy(r"on[-_ ]?call", re.I)


@detector(
    "incident-docs",
    title="On-call and post-incident docs",
    looks_for="A post-incident review template (a Markdown file named postmortem / post-incident / "
    "incident-review with at least three of the sections timeline, impact, root cause, action items, "
    "detection, resolution, lessons) and on-call documentation (an on-call file with real content about "
    "rotation and escalation). Half the credit each.",
    why="Blameless reviews and a clear on-call process are how operations feed learning back into "
    "planning.",
)
def incident_docs(sub: Submission, p: Params) -> Finding:
    pir, oncall = [], []
    for rel in markdown.prose_files(sub):
        root = None
        if _PIR_PATH.search(rel):
            root = markdown.document(sub, rel)
            if root is not None:
                titles = " ".join(s.title.lower() for s in root.walk())
                if sum(1 for k in _PIR_SECTIONS if k in titles) >= 3:
                    pir.append(("post-incident review template", Location(rel, 1), rel))
        if _ONCALL_PATH.search(rel):
            root = root or markdown.document(sub, rel)
            if root is not None:
                text = root.all_text().lower()
                if markdown.is_filled(text, 30) and re.search(r"escalat|rotation|pager|schedule|handover|shift", text):
                    oncall.append(("on-call guide", Location(rel, 1), rel))
    hits = pir[:1] + oncall[:1]
    if hits:
        return found("incident docs", hits, 0.5 * bool(pir) + 0.5 * bool(oncall),
                      "" if pir and oncall else (" (no on-call guide)" if pir else " (no post-incident template)"))
    return Finding.failed("no post-incident review template or on-call guide")


@detector(
    "disruption-budget",
    title="Pod disruption budget",
    looks_for="A `PodDisruptionBudget` with `minAvailable` or `maxUnavailable` and a selector.",
    why="A disruption budget keeps enough replicas serving while nodes are drained or upgraded.",
)
def disruption_budget(sub: Submission, p: Params) -> Finding:
    hits = []
    for obj in manifests.objects(sub):
        spec = mapping(obj.body.get("spec"))
        if obj.kind == "PodDisruptionBudget" and ("minAvailable" in spec or "maxUnavailable" in spec) \
                and isinstance(spec.get("selector"), dict):
            hits.append(("PodDisruptionBudget", Location(obj.path, obj.line), obj.name))
    if hits:
        return found("disruption budget", hits)
    return Finding.failed("no PodDisruptionBudget")

