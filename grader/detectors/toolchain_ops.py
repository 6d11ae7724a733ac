"""The lesson's toolchain, part 2 (bonus checks): deployment tooling, progressive delivery,
alert routing, cloud autoscaling, backups, incident docs, disruption budgets, logging,
tracing, application metrics, SLOs, and issue links. Configured and wired in, never a word in
a README; each names the tool it found."""

from __future__ import annotations

import re

from grader.detectors import detector
from grader.detectors.toolchain_ci import _found
from grader.evidence import codescan, manifests, markdown
from grader.model import Finding, Location
from grader.yamlload import embedded_docs, line_of


def _yaml_docs(sub):
    """(path, document) for every YAML document outside CI configuration."""
    for rel in sub.yaml_files():
        if rel.startswith((".github/workflows/", ".gitlab-ci", ".circleci/")):
            continue
        for doc in sub.yaml_docs_quiet(rel) or []:
            yield rel, doc


_COMPOSE_NAME = re.compile(r"(^|/)((docker-)?compose(\.[\w-]+)?|[\w-]*stack[\w-]*)\.ya?ml$")


def _compose_services(sub):
    """(path, service name, service) of docker compose files."""
    for rel in sub.yaml_files():
        if _COMPOSE_NAME.search(rel.lower()):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            services = doc.get("services") if isinstance(doc, dict) else None
            if isinstance(services, dict):
                for svc, body in services.items():
                    if isinstance(body, dict):
                        yield rel, str(svc), body


def _images(sub):
    """(path, line, image) for container images in compose files and Kubernetes workloads."""
    for rel, _svc, body in _compose_services(sub):
        if isinstance(body.get("image"), str):
            yield rel, line_of(body, 1), body["image"]
    for obj in manifests.workloads(sub):
        for c in manifests.containers(obj):
            if isinstance(c.get("image"), str):
                yield obj.path, line_of(c, obj.line), c["image"]


# -- deploy ------------------------------------------------------------------------------------
_TF_RESOURCE = re.compile(r'^\s*resource\s+"([\w-]+)"\s+"([\w-]+)"\s*\{', re.M)


def _tf_blocks(sub):
    """(path, line, resource type, body text) of Terraform resources (brace-balanced, best effort)."""
    for rel in sub.by_suffix(".tf"):
        text = sub.read_text(rel) or ""
        for m in _TF_RESOURCE.finditer(text):
            depth, i = 1, m.end()
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            yield rel, text.count("\n", 0, m.start()) + 1, m.group(1), text[m.end():i]


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
        spec = obj.body.get("spec") if isinstance(obj.body.get("spec"), dict) else {}
        if obj.kind in ("Application", "ApplicationSet") and "argoproj.io" in obj.api_version \
                and (spec.get("source") or spec.get("sources") or spec.get("template")):
            hits.append(("Argo CD", Location(obj.path, obj.line), obj.name))
        elif obj.kind in ("Kustomization", "HelmRelease") and "toolkit.fluxcd.io" in obj.api_version:
            hits.append(("Flux", Location(obj.path, obj.line), obj.name))
    for rel, doc in _yaml_docs(sub):
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
    for rel, line, rtype, _body in _tf_blocks(sub):
        hits.append(("Terraform", Location(rel, line), rtype))
        break
    swarm = False
    for rel, _svc, body in _compose_services(sub):
        if isinstance(body.get("deploy"), dict) and ("replicas" in body["deploy"] or "update_config" in body["deploy"]):
            swarm = True
            hits.append(("Docker Swarm stack", Location(rel, line_of(body, 1)), rel))
            break
    if not swarm:
        for rel, _svc, body in _compose_services(sub):
            if body.get("image") or body.get("build"):
                hits.append(("docker compose", Location(rel, line_of(body, 1)), rel))
                break
    if hits:
        return _found("deployment tooling", hits)
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
        spec = obj.body.get("spec") if isinstance(obj.body.get("spec"), dict) else {}
        strategy = spec.get("strategy") if isinstance(spec.get("strategy"), dict) else {}
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
        return _found("progressive delivery", hits)
    return Finding.failed("no blue-green or canary set-up configured")


# -- operate -----------------------------------------------------------------------------------
_ONCALL = {"pagerduty_configs": "PagerDuty", "opsgenie_configs": "Opsgenie", "victorops_configs": "VictorOps",
           "pagerdutyConfigs": "PagerDuty", "opsgenieConfigs": "Opsgenie", "victoropsConfigs": "VictorOps"}
_CHAT = {"slack_configs": "Slack", "msteams_configs": "Microsoft Teams", "email_configs": "e-mail",
         "webhook_configs": "webhook", "slackConfigs": "Slack", "emailConfigs": "e-mail", "webhookConfigs": "webhook"}


def _alertmanager_configs(value, depth=0):
    """Alertmanager configurations (route + receivers) anywhere in a document, as text or YAML."""
    if depth > 8:
        return
    if isinstance(value, dict):
        if isinstance(value.get("route"), dict) and isinstance(value.get("receivers"), list):
            yield value
            return
        for child in value.values():
            if isinstance(child, (dict, list)):
                yield from _alertmanager_configs(child, depth + 1)
            elif isinstance(child, str) and "receivers:" in child and "route:" in child and len(child) < 200_000:
                for doc in embedded_docs(child):
                    yield from _alertmanager_configs(doc, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _alertmanager_configs(item, depth + 1)


@detector(
    "alert-routing",
    title="Alerts routed to on-call",
    looks_for="An Alertmanager configuration (a `route` and `receivers`, in its own file, a Helm values "
    "file, a ConfigMap or an `AlertmanagerConfig` resource) with a receiver that pages an on-call tool "
    "(PagerDuty, Opsgenie, VictorOps) — full credit — or only chat/e-mail receivers — half.",
    why="An alert nobody receives is noise; routing pages to the on-call rotation closes the "
    "monitor-to-operate loop.",
)
def alert_routing(sub, p):
    paging, chat = [], []
    for rel, doc in _yaml_docs(sub):
        candidates = list(_alertmanager_configs(doc))
        if isinstance(doc, dict) and doc.get("kind") == "AlertmanagerConfig" and isinstance(doc.get("spec"), dict):
            spec = doc["spec"]
            if isinstance(spec.get("receivers"), list):
                candidates.append({"route": spec.get("route") or {}, "receivers": spec["receivers"]})
        for conf in candidates:
            for recv in conf["receivers"]:
                if not isinstance(recv, dict):
                    continue
                for key, tool in _ONCALL.items():
                    if recv.get(key):
                        paging.append((tool, Location(rel, line_of(recv, 1) or 1), str(recv.get("name"))))
                for key, tool in _CHAT.items():
                    if recv.get(key):
                        chat.append((tool, Location(rel, line_of(recv, 1) or 1), str(recv.get("name"))))
    if paging:
        return _found("alerts routed to on-call", paging + chat)
    if chat:
        return _found("alerts routed", chat, 0.5, " (no on-call tool such as PagerDuty or Opsgenie)")
    return Finding.failed("no Alertmanager routing found")


def _tf_int(body: str, key: str) -> int | None:
    m = re.search(rf"^\s*{key}\s*=\s*(\d+)\s*$", body, re.M)
    return int(m.group(1)) if m else None


@detector(
    "cloud-autoscaling",
    title="Autoscaling outside Kubernetes",
    looks_for="Cloud autoscaling in Terraform: an `aws_autoscaling_group` (`max_size` above `min_size`), "
    "`aws_appautoscaling_target` (`max_capacity` above `min_capacity`), a Google "
    "`google_compute_(region_)autoscaler` or an Azure `azurerm_monitor_autoscale_setting`.",
    why="Scaling the fleet with demand keeps the service fast at peak and cheap at night.",
)
def cloud_autoscaling(sub, p):
    hits = []
    for rel, line, rtype, body in _tf_blocks(sub):
        ok = False
        if rtype == "aws_autoscaling_group":
            lo, hi = _tf_int(body, "min_size"), _tf_int(body, "max_size")
            ok = lo is not None and hi is not None and hi > lo
            name = "AWS Auto Scaling group"
        elif rtype == "aws_appautoscaling_target":
            lo, hi = _tf_int(body, "min_capacity"), _tf_int(body, "max_capacity")
            ok = lo is not None and hi is not None and hi > lo
            name = "AWS Application Auto Scaling"
        elif rtype in ("google_compute_autoscaler", "google_compute_region_autoscaler"):
            ok = _tf_int(body, "max_replicas") is not None
            name = "Google Compute autoscaler"
        elif rtype == "azurerm_monitor_autoscale_setting":
            ok = _tf_int(body, "maximum") is not None
            name = "Azure autoscale"
        if ok:
            hits.append((name, Location(rel, line), rtype))
    if hits:
        return _found("cloud autoscaling", hits)
    return Finding.failed("no cloud autoscaling configured in Terraform")


_DUMP = re.compile(r"\b(pg_dump(all)?|mysqldump|mongodump|redis-cli\b.*--rdb|velero backup|restic backup|"
                   r"etcdctl snapshot save|borg create|rclone (copy|sync)|aws s3 (cp|sync))\b")


def _runs_dump(container: dict) -> str | None:
    """The dump tool a container's command would run (``sh -c '...'`` scripts read as shell)."""
    from grader.evidence.commands import _NOT_RUN, normalise, split_script

    parts = [str(x) for key in ("command", "args") for x in (container.get(key) or [])
             if isinstance(container.get(key), list)]
    if len(parts) >= 2 and parts[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and parts[1] == "-c":
        script = " ".join(parts[2:])
    else:
        script = " ".join(parts)
    for cmd in split_script(script, 1):
        text = normalise(cmd.text)
        m = _DUMP.search(text)
        if m and not _NOT_RUN.match(text):
            return m.group(1)
    return None


@detector(
    "backups",
    title="Backups",
    looks_for="Backups that run on a schedule: a Kubernetes `CronJob` whose container runs a dump "
    "(`pg_dump`, `mysqldump`, `mongodump`, `restic`, `velero backup`, `etcdctl snapshot save`...), a "
    "Velero `Schedule`, a scheduled CI workflow that dumps, or Terraform backup resources "
    "(`aws_backup_plan`, `backup_retention_period` above 0).",
    why="Backups you have tested are the difference between an incident and a catastrophe.",
)
def backups(sub, p):
    hits = []
    for obj in manifests.objects(sub):
        if obj.kind == "CronJob":
            for c in manifests.containers(obj):
                dump = _runs_dump(c)
                if dump:
                    hits.append((f"CronJob ({dump})", Location(obj.path, obj.line), obj.name))
        elif obj.kind == "Schedule" and "velero.io" in obj.api_version:
            hits.append(("Velero", Location(obj.path, obj.line), obj.name))
    for rel, line, rtype, body in _tf_blocks(sub):
        if rtype == "aws_backup_plan" or (_tf_int(body, "backup_retention_period") or 0) > 0:
            hits.append(("Terraform backups", Location(rel, line), rtype))
    from grader.evidence.pipeline import read_pipelines

    for pipe in read_pipelines(sub):
        if "schedule" in pipe.triggers:
            for job in pipe.jobs:
                for step in job.steps:
                    for c in step.commands:
                        m = _DUMP.search(c.text)
                        if m and not c.text.lstrip().startswith(("echo", "printf")):
                            hits.append((f"scheduled CI ({m.group(1)})", Location(pipe.path, c.line), c.text))
    if hits:
        return _found("backups", hits)
    return Finding.failed("no scheduled backups found")


_PIR_PATH = re.compile(r"post[-_ ]?mortem|post[-_ ]?incident|incident[-_ ]?(review|report|template)|retrospective", re.I)
_PIR_SECTIONS = ("timeline", "impact", "root cause", "action item", "what went well", "detection", "resolution",
                 "contributing factor", "lessons")
_ONCALL_PATH = re.compile(r"on[-_ ]?call", re.I)


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
def incident_docs(sub, p):
    pir, oncall = [], []
    for rel in sub.by_suffix(".md"):
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
        return _found("incident docs", hits, 0.5 * bool(pir) + 0.5 * bool(oncall),
                      "" if pir and oncall else (" (no on-call guide)" if pir else " (no post-incident template)"))
    return Finding.failed("no post-incident review template or on-call guide")


@detector(
    "disruption-budget",
    title="Pod disruption budget",
    looks_for="A `PodDisruptionBudget` with `minAvailable` or `maxUnavailable` and a selector.",
    why="A disruption budget keeps enough replicas serving while nodes are drained or upgraded.",
)
def disruption_budget(sub, p):
    hits = []
    for obj in manifests.objects(sub):
        spec = obj.body.get("spec") if isinstance(obj.body.get("spec"), dict) else {}
        if obj.kind == "PodDisruptionBudget" and ("minAvailable" in spec or "maxUnavailable" in spec) \
                and isinstance(spec.get("selector"), dict):
            hits.append(("PodDisruptionBudget", Location(obj.path, obj.line), obj.name))
    if hits:
        return _found("disruption budget", hits)
    return Finding.failed("no PodDisruptionBudget")


# -- monitor -----------------------------------------------------------------------------------
_LOG_IMAGES = {"elasticsearch": "Elasticsearch", "kibana": "Kibana", "logstash": "Logstash", "fluentd": "Fluentd",
               "filebeat": "Filebeat", "grafana/loki": "Loki", "grafana/promtail": "Promtail",
               "fluent-bit": "Fluent Bit", "fluent/fluent-bit": "Fluent Bit", "opensearch": "OpenSearch"}


@detector(
    "logging-stack",
    title="Centralised logging",
    looks_for="A logging stack deployed or configured: ELK/EFK (Elasticsearch with Kibana and "
    "Logstash/Fluentd/Filebeat images in compose or Kubernetes), Loki (a Loki config with "
    "`schema_config`, or Promtail `clients`), or Fluent Bit (`fluent-bit.conf` with `[INPUT]` and "
    "`[OUTPUT]`, or its image).",
    why="Centralised, searchable logs are how an incident is diagnosed in minutes instead of by "
    "SSH-ing into pods.",
)
def logging_stack(sub, p):
    hits = []
    for rel, line, image in _images(sub):
        base = image.split("@")[0].rsplit(":", 1)[0].lower()
        for key, name in _LOG_IMAGES.items():
            if base.endswith(key) or f"/{key}" in base:
                hits.append((name, Location(rel, line), image))
                break
    for rel, doc in _yaml_docs(sub):
        if isinstance(doc, dict) and isinstance(doc.get("schema_config"), dict):
            hits.append(("Loki", Location(rel, 1), rel))
        elif isinstance(doc, dict) and isinstance(doc.get("clients"), list) and isinstance(doc.get("scrape_configs"), list):
            hits.append(("Promtail", Location(rel, 1), rel))
    for rel in sub.files:
        if rel.lower().endswith(("fluent-bit.conf", "fluentbit.conf")):
            text = sub.read_text(rel) or ""
            if re.search(r"^\s*\[INPUT\]", text, re.M | re.I) and re.search(r"^\s*\[OUTPUT\]", text, re.M | re.I):
                hits.append(("Fluent Bit", Location(rel, 1), rel))
    names = {h[0] for h in hits}
    if names & {"Elasticsearch", "OpenSearch"} and names & {"Kibana"} and names & {"Logstash", "Fluentd", "Filebeat", "Fluent Bit"}:
        hits.insert(0, ("ELK/EFK stack", hits[0][1], ""))
    if hits:
        return _found("logging", hits)
    return Finding.failed("no logging stack (ELK/EFK, Loki, Fluent Bit) configured")


_TRACE_IMPORTS = {"opentelemetry": "OpenTelemetry", "@opentelemetry/": "OpenTelemetry", "go.opentelemetry.io/otel": "OpenTelemetry",
                  "io.opentelemetry": "OpenTelemetry", "jaeger_client": "Jaeger", "jaeger-client": "Jaeger",
                  "github.com/uber/jaeger-client-go": "Jaeger", "py_zipkin": "Zipkin", "zipkin": "Zipkin",
                  "brave": "Zipkin", "github.com/openzipkin/": "Zipkin"}


@detector(
    "tracing",
    title="Distributed tracing",
    looks_for="Tracing wired in: an OpenTelemetry Collector config (`receivers`, `exporters` and a "
    "`service.pipelines.traces`), OpenTelemetry/Jaeger/Zipkin SDKs imported in application code, or "
    "Jaeger/Zipkin/OTel collector images deployed.",
    why="Traces show where a slow request spends its time across services: the 'why' behind a "
    "latency alert.",
)
def tracing(sub, p):
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _TRACE_IMPORTS)]
    for rel, doc in _yaml_docs(sub):
        service = doc.get("service") if isinstance(doc, dict) else None
        pipelines = service.get("pipelines") if isinstance(service, dict) else None
        if isinstance(pipelines, dict) and any(str(k).startswith("traces") for k in pipelines) \
                and isinstance(doc.get("receivers"), dict) and isinstance(doc.get("exporters"), dict):
            hits.append(("OpenTelemetry Collector", Location(rel, 1), rel))
    for rel, line, image in _images(sub):
        low = image.lower()
        if "jaegertracing/" in low:
            hits.append(("Jaeger", Location(rel, line), image))
        elif "openzipkin/zipkin" in low:
            hits.append(("Zipkin", Location(rel, line), image))
        elif "opentelemetry-collector" in low:
            hits.append(("OpenTelemetry Collector", Location(rel, line), image))
    if hits:
        return _found("tracing", hits)
    return Finding.failed("no tracing (OpenTelemetry, Jaeger, Zipkin) configured or instrumented")


_METRIC_IMPORTS = {"prometheus_client": "Prometheus client (Python)", "prom-client": "prom-client",
                   "github.com/prometheus/client_golang": "Prometheus client (Go)", "io.prometheus": "Prometheus client (Java)",
                   "io.micrometer": "Micrometer", "prometheus_fastapi_instrumentator": "Prometheus FastAPI instrumentator",
                   "prometheus_flask_exporter": "Prometheus Flask exporter", "express-prom-bundle": "express-prom-bundle",
                   "opentelemetry.metrics": "OpenTelemetry metrics"}
_METRICS_ROUTE = re.compile(r"""['"]/metrics['"]""")


@detector(
    "app-metrics",
    title="Application metrics",
    looks_for="Metrics exposed by the application itself: a Prometheus client library (Python "
    "`prometheus_client`, Node `prom-client`, Go `client_golang`, Micrometer...) imported in application "
    "code, or a `/metrics` route served by the code.",
    why="RED metrics (rate, errors, duration) from inside the service are what symptom-based alerts "
    "and dashboards are built on.",
)
def app_metrics(sub, p):
    from grader.evidence.testfiles import is_test_path

    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _METRIC_IMPORTS)]
    for sf in codescan.sources(sub):
        if is_test_path(sf.path):
            continue
        m = _METRICS_ROUTE.search(sf.text)
        if m:
            hits.append(("/metrics endpoint", Location(sf.path, sf.text.count("\n", 0, m.start()) + 1), ""))
    if hits:
        return _found("application metrics", hits)
    return Finding.failed("the application exposes no metrics (no Prometheus client, no /metrics route)")


_SLO_HEADING = re.compile(r"\bSLOs?\b|service[- ]level objective", re.I)
_PERCENT = re.compile(r"\b\d{2}(\.\d+)?\s?%")
_WINDOW = re.compile(r"\b\d+\s?(d|days?|weeks?|w|h|hours?)\b|\b(rolling|calendar|monthly|weekly|quarterly)\b", re.I)


@detector(
    "slo",
    title="Service-level objectives",
    looks_for="SLOs defined: Sloth (`sloth.slok.dev` `PrometheusServiceLevel`, or `version: prometheus/v1` "
    "with `slos`), OpenSLO (`apiVersion: openslo/v1`, `kind: SLO`), Pyrra (`ServiceLevelObjective` with a "
    "target and a window), or an SLO section in the docs with an objective (`99.9%`) and a window "
    "(`30 days`).",
    why="An SLO turns 'is it reliable enough?' into a number the team plans against, with an error "
    "budget that decides between features and fixes.",
)
def slo(sub, p):
    hits = []
    for rel, doc in _yaml_docs(sub):
        if not isinstance(doc, dict):
            continue
        api, kind = str(doc.get("apiVersion", "")), doc.get("kind")
        if "sloth.slok.dev" in api or (str(doc.get("version", "")).startswith("prometheus/v") and isinstance(doc.get("slos"), list)):
            hits.append(("Sloth", Location(rel, line_of(doc, 1) or 1), rel))
        elif api.startswith("openslo/") and kind == "SLO":
            hits.append(("OpenSLO", Location(rel, line_of(doc, 1) or 1), rel))
        elif "pyrra.dev" in api and kind == "ServiceLevelObjective":
            hits.append(("Pyrra", Location(rel, line_of(doc, 1) or 1), rel))
    for rel in sub.by_suffix(".md"):
        if rel.startswith("exercises/module-01/exercise-04/task"):
            continue
        if not _SLO_HEADING.search(sub.read_text(rel) or ""):
            continue
        root = markdown.document(sub, rel)
        if root is None:
            continue
        for section in root.walk():
            if section.level and _SLO_HEADING.search(section.title):
                text = section.all_text()
                if _PERCENT.search(text) and _WINDOW.search(text):
                    hits.append(("SLO document", Location(rel, section.line), rel))
                    break
    if hits:
        return _found("SLOs", hits)
    return Finding.failed("no SLO definitions (Sloth, OpenSLO, Pyrra, or an SLO doc with objectives and windows)")


# -- plan ----------------------------------------------------------------------------------------
_ISSUE_REF = re.compile(r"(?<![\w/])(#\d+|GH-\d+|[A-Z][A-Z0-9]{1,9}-\d+)\b")
_PR_LINK = re.compile(r"\b(closes|fixes|resolves|related issue|issue link|jira)\b", re.I)


@detector(
    "issue-links",
    title="Work linked to issues",
    looks_for="Commits that reference issues (`#12`, `GH-12`, Jira keys like `SHOP-42`) — at least "
    "`min_commits` — or a pull-request template that asks for the issue (`Closes #`, `Fixes #`, a Jira "
    "field). Half the credit each.",
    why="Linking every change to the issue it serves makes work traceable from plan to production "
    "and back.",
    params={"min_commits": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_commits": 3},
)
def issue_links(sub, p):
    hits = []
    facts = sub.git
    refs = [c for c in facts.commits if _ISSUE_REF.search(c.subject)] if facts.is_git and not facts.error else []
    if refs:
        kind = "Jira" if any(re.search(r"[A-Z][A-Z0-9]+-\d+", c.subject) for c in refs) else "GitHub Issues"
        hits.append((kind, Location(f"commit {refs[0].sha[:10]}"), refs[0].subject))
    template = None
    for rel in sub.glob(".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE/*.md",
                        "docs/pull_request_template.md", ".gitlab/merge_request_templates/*.md"):
        text = sub.read_text(rel) or ""
        m = _PR_LINK.search(text)
        if m:
            template = ("pull-request template link", Location(rel, text.count("\n", 0, m.start()) + 1), rel)
            hits.append(template)
            break
    if hits:
        commit_part = 0.5 * min(1.0, len(refs) / p["min_commits"])
        return _found("issue links", hits, commit_part + (0.5 if template else 0.0),
                      f" ({len(refs)} commit(s) reference issues)")
    return Finding.failed("no commit references an issue and the pull-request template asks for none")
