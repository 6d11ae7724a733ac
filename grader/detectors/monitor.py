"""Monitor: metrics collected, Prometheus alert rules and Grafana dashboards (and the rest of
the observability toolchain as bonus checks)."""

from __future__ import annotations

import re

from grader.detectors import Params, detector
from grader.detectors.common import found, loc, plural
from grader.evidence import (
    alerts,
    cloudmonitor,
    codescan,
    infra,
    jsonnet,
    manifests,
    markdown,
    sharedcharts,
    wiring,
)
from grader.evidence.observability import (
    APM_IMPORTS,
    app_metrics_exposed,
    check_runbook,
    grafana_dashboard,
    idle_collectors,
    imported_dashboards,
    metric_agents,
    monitoring_charts,
    otel_metrics,
    scrape_jobs,
    uptime_checks,
    with_embedded,
)
from grader.model import Finding, Location
from grader.patterns import lazy
from grader.submission import Submission
from grader.yamlload import line_of, mapping


@detector(
    "alert-rules",
    title="Alert rules",
    looks_for="Prometheus alerting rules, found by content (rule files, `PrometheusRule` "
    "resources, rule groups embedded in other YAML, the alert objects of Jsonnet mixins read without "
    "evaluating them). A rule is well formed with an `alert` name, "
    "a non-empty `expr` that is plausible PromQL, a valid `for` duration, a `severity` label and a "
    "`summary` or `description` annotation. Cloud alarms written as infrastructure code count the "
    "same way (Terraform `aws_cloudwatch_metric_alarm`, `azurerm_monitor_metric_alert`, "
    "`google_monitoring_alert_policy`, `datadog_monitor`; CloudFormation `AWS::CloudWatch::Alarm`): "
    "a metric or query, a threshold condition, how long it must hold, a description (and a severity "
    "where the cloud has one). Credit by the share of well-formed rules; at least `min_rules` are "
    "needed. A rule on metrics nothing in the repository exports (no instrumentation in the code "
    "registering them, no well-known exporter deployed for their prefix — `node_` node_exporter, "
    "`probe_` blackbox, `kube_`/`container_` Kubernetes itself —, no recording rule producing them; "
    "`up` wherever something is scraped) counts `unexported_credit`, and the finding names the missing "
    "link. Recording rules are not alerts; `groups: []` is nothing. Without any, uptime checks "
    "that alert when the live service stops answering earn `synthetic_credit`: a scheduled pipeline "
    "whose step probes a URL and fails when it is down (`on: schedule` + `curl -f`), an Upptime "
    "`.upptimerc.yml` with sites, or cloud uptime checks as infrastructure code "
    "(`google_monitoring_uptime_check_config`, `aws_synthetics_canary`, Application Insights web tests, "
    "`datadog_synthetics_test`). Alerts a Helm chart switches on in a shared chart it depends on and "
    "that is not held here (values `prometheusRule`/`alerts` with `enabled: true`, or an alerting chart such "
    "as `generic-prometheus-alerts` as a dependency) earn `dependency_credit`: the rules cannot be read.",
    why="Alerts on symptoms (error rate, latency) page a human only when users are hurt, and "
    "`for:` keeps a single bad scrape from waking anyone.",
    params={"min_rules": {"type": "integer", "minimum": 1, "maximum": 1000},
            "require_runbook": {"type": "boolean"},
            "synthetic_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "unexported_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "dependency_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"min_rules": 2, "require_runbook": False, "synthetic_credit": 0.5, "unexported_credit": 0.5,
              "dependency_credit": 0.5},
)
def alert_rules(sub: Submission, p: Params) -> Finding:
    scan = alerts.scan(sub)
    rules = scan.alerts + cloudmonitor.alarms(sub)
    for rule in rules:
        check_runbook(sub, rule, p["require_runbook"])
    if not rules:
        if scan.group_files:
            rel, line = scan.group_files[0]
            extra = f" ({plural(scan.recording, 'recording rule')} only)" if scan.recording else ""
            return Finding.failed(f"rule groups in {rel} hold no alerting rules{extra}", [loc(rel, line)])
        shared = _shared(sub, "alert")
        if shared:
            return Finding.ratio(p["dependency_credit"], f"no alert rules here, but {shared[0]}", shared[1])
        uptime = uptime_checks(sub)
        if uptime:
            what, where = uptime[0]
            return Finding.ratio(p["synthetic_credit"], f"no alert rules, but an uptime check alerts when the service "
                                 f"stops answering: {what} — add rules on error rate and latency too", [where])
        return Finding.failed("no alerting rules found (Prometheus rules or cloud alarms)")
    good = [r for r in rules if r.well_formed]
    bad = [r for r in rules if not r.well_formed]
    unwired = [(r, missing) for r in good for missing in [wiring.unexported(sub, r.expr)] if missing]
    credit = len(good) - len(unwired) * (1 - p["unexported_credit"])
    share = credit / len(rules)
    count = min(1.0, credit / p["min_rules"])
    msg = f"{len(good)} of {plural(len(rules), 'alert rule')} well formed"
    if len(good) < p["min_rules"]:
        msg += f" (needs {p['min_rules']})"
    if bad:
        msg += f"; {bad[0].name}: {'; '.join(bad[0].problems)}"
    if unwired:
        rule, missing = unwired[0]
        msg += (f"; alert metric ↔ exporter: nothing in the repository exports {', '.join(f'`{m}`' for m in missing[:3])}"
                f" ({rule.name}{f' and {len(unwired) - 1} more rule(s)' if len(unwired) > 1 else ''}): no code "
                "registers it, no exporter for it is deployed")
    ev = [loc(r.path, r.line) for r in (bad[:2] + [u for u, _ in unwired[:2]] + good[:2])]
    return Finding.ratio(min(share, count), msg, ev[:5])


@detector(
    "dashboards",
    title="Dashboards",
    looks_for="Grafana dashboards (JSON, or JSON inside a ConfigMap) with at least `min_panels` "
    "panels that query something (a target with a non-empty `expr`/`query`), or cloud dashboards "
    "in infrastructure code (`aws_cloudwatch_dashboard`, `google_monitoring_dashboard`, Azure portal "
    "dashboards, `datadog_dashboard`, CloudFormation `AWS::CloudWatch::Dashboard`) or kept as their own JSON "
    "(Google Cloud Monitoring `displayName` with a `mosaicLayout`/`gridLayout`, CloudWatch `widgets`), or "
    "Grafonnet dashboards of a Jsonnet mixin (read, never evaluated), with as many "
    "widgets that chart a metric. A dashboard imported from grafana.com by its ID counts too: a "
    "`gnetId` in the Grafana (or kube-prometheus-stack) chart's values, a grafana-operator "
    "`GrafanaDashboard` with `grafanaCom.id`, or its download by an Ansible `get_url` task or by "
    "curl/wget in a shell script. A Grafana dashboard file that nothing provisions into Grafana (no "
    "provisioning file, no Compose volume or Dockerfile COPY of it, no Kustomize generator, Helm "
    "`.Files` or ConfigMap, no Terraform `grafana_dashboard` or upload to Grafana's API) counts "
    "`unprovisioned_credit`, and the finding says so.",
    why="A dashboard of the service's rate, errors and duration is where an incident is "
    "diagnosed and where a release is watched.",
    params={"min_panels": {"type": "integer", "minimum": 1, "maximum": 1000},
            "unprovisioned_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"min_panels": 2, "unprovisioned_credit": 0.5},
)
def dashboards(sub: Submission, p: Params) -> Finding:
    best = grafana = grafana_dashboard(sub)
    line = 1
    for rel, at, name, charts in [*cloudmonitor.dashboards(sub), *jsonnet.dashboards(sub)]:
        if best is None or charts > best[1]:
            best, line = (rel, charts, name, charts), at
    if best is None or best[1] < p["min_panels"]:
        imported = imported_dashboards(sub)
        if imported:
            rel, at, _, how = imported[0]
            ids = sorted({ident for _, _, ident, _ in imported}, key=int)
            return Finding.ratio(1.0, f"{plural(len(ids), 'dashboard')} imported from grafana.com by ID "
                                 f"({', '.join(ids[:5])}), {how} in {rel}:{at}",
                                 [loc(r, a) for r, a, _, _ in imported[:3]])
    if best is None:
        return Finding.failed("no dashboard found (Grafana, or a cloud dashboard in infrastructure code)")
    rel, n, title, total = best
    msg = f"dashboard {title!r} in {rel}: {n} of {plural(total, 'panel')} query data"
    fraction = min(1.0, n / p["min_panels"])
    if best is grafana and wiring.dashboard_provisioner(sub, rel) is None:
        fraction *= p["unprovisioned_credit"]
        msg += ("; dashboard ↔ provisioning: nothing loads it into Grafana (no provisioning file, volume, "
                "ConfigMap, Terraform or API upload)")
    return Finding.ratio(fraction, msg, [loc(rel, line)])


_LOG_IMAGES = {"elasticsearch": "Elasticsearch", "kibana": "Kibana", "logstash": "Logstash", "fluentd": "Fluentd",
               "filebeat": "Filebeat", "grafana/loki": "Loki", "grafana/promtail": "Promtail",
               "fluent-bit": "Fluent Bit", "fluent/fluent-bit": "Fluent Bit", "opensearch": "OpenSearch"}


@detector(
    "logging-stack",
    title="Centralised logging",
    looks_for="A logging stack deployed or configured: ELK/EFK (Elasticsearch with Kibana and "
    "Logstash/Fluentd/Filebeat images in compose or Kubernetes), Loki (a Loki config with "
    "`schema_config`, or Promtail `clients`), Fluent Bit (`fluent-bit.conf` with `[INPUT]` and "
    "`[OUTPUT]`, or its image), a Logstash pipeline (`input { … }` and an `output { … }` that sends "
    "somewhere other than stdout), or a logging chart installed with `helm install`/`helm upgrade "
    "--install` or a Terraform `helm_release` (loki-stack, Loki, Promtail, Fluent Bit, Elasticsearch).",
    why="Centralised, searchable logs are how an incident is diagnosed in minutes instead of by "
    "SSH-ing into pods.",
)
def logging_stack(sub: Submission, p: Params) -> Finding:
    hits = []
    for rel, line, image in infra.images(sub):
        base = image.split("@")[0].rsplit(":", 1)[0].lower()
        for key, name in _LOG_IMAGES.items():
            if base.endswith(key) or f"/{key}" in base:
                hits.append((name, Location(rel, line), image))
                break
    for rel, doc in infra.yaml_documents(sub):
        if isinstance(doc, dict) and isinstance(doc.get("schema_config"), dict):
            hits.append(("Loki", Location(rel, 1), rel))
        elif isinstance(doc, dict) and isinstance(doc.get("clients"), list) and isinstance(doc.get("scrape_configs"), list):
            hits.append(("Promtail", Location(rel, 1), rel))
    for rel in sub.by_suffix("fluent-bit.conf", "fluentbit.conf"):
        if rel.lower().endswith(("fluent-bit.conf", "fluentbit.conf")):
            text = sub.read_text(rel) or ""
            if re.search(r"^\s*\[INPUT\]", text, re.M | re.I) and re.search(r"^\s*\[OUTPUT\]", text, re.M | re.I):
                hits.append(("Fluent Bit", Location(rel, 1), rel))
    hits += _logstash_pipelines(sub)
    hits += [(f"{chart} chart", where, chart) for chart, what, where in monitoring_charts(sub) if what == "logs"]
    names = {h[0] for h in hits}
    if names & {"Elasticsearch", "OpenSearch"} and names & {"Kibana"} and names & {"Logstash", "Fluentd", "Filebeat", "Fluent Bit"}:
        hits.insert(0, ("ELK/EFK stack", hits[0][1], ""))
    if hits:
        return found("logging", hits)
    return Finding.failed("no logging stack (ELK/EFK, Loki, Fluent Bit) configured")


_LOGSTASH_SECTION = lazy(r"(?m)^[ \t]*(input|filter|output)[ \t]*\{")
_LOGSTASH_PLUGIN = lazy(r"(?m)^[ \t]*([a-z_]+)[ \t]*\{")


def _logstash_pipelines(sub: Submission) -> list[tuple[str, Location, str]]:
    """Logstash pipeline configurations (``*.conf``): an ``input`` section and an ``output``
    section that sends the events somewhere other than ``stdout`` (Elasticsearch, a file, a
    queue). Comments are dropped first, so a commented-out pipeline is none."""
    hits = []
    for rel in sub.by_suffix(".conf"):
        text = sub.read_text(rel) or ""
        if "output" not in text or "input" not in text:
            continue
        code = "\n".join(line.split("#", 1)[0] for line in text.splitlines()[:5000])
        sections = [(m.group(1), m.start(), m.end()) for m in _LOGSTASH_SECTION.finditer(code)]
        if "input" not in {name for name, _, _ in sections}:
            continue
        for i, (name, _, end) in enumerate(sections):
            if name != "output":
                continue
            stop = sections[i + 1][1] if i + 1 < len(sections) else len(code)
            plugins = [m.group(1) for m in _LOGSTASH_PLUGIN.finditer(code, end, stop)][:20]
            sinks = [p for p in plugins if p not in ("stdout", "if", "else")]
            if sinks:
                line = code.count("\n", 0, end) + 1
                hits.append(("Logstash", Location(rel, line), f"output to {sinks[0]}"))
                break
    return hits


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
def tracing(sub: Submission, p: Params) -> Finding:
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _TRACE_IMPORTS)]
    for rel, doc in infra.yaml_documents(sub):
        service = doc.get("service") if isinstance(doc, dict) else None
        pipelines = service.get("pipelines") if isinstance(service, dict) else None
        if isinstance(pipelines, dict) and any(str(k).startswith("traces") for k in pipelines) \
                and isinstance(doc.get("receivers"), dict) and isinstance(doc.get("exporters"), dict):
            hits.append(("OpenTelemetry Collector", Location(rel, 1), rel))
    for rel, line, image in infra.images(sub):
        low = image.lower()
        if "jaegertracing/" in low:
            hits.append(("Jaeger", Location(rel, line), image))
        elif "openzipkin/zipkin" in low:
            hits.append(("Zipkin", Location(rel, line), image))
        elif "opentelemetry-collector" in low:
            hits.append(("OpenTelemetry Collector", Location(rel, line), image))
    if hits:
        return found("tracing", hits)
    return Finding.failed("no tracing (OpenTelemetry, Jaeger, Zipkin) configured or instrumented")


@detector(
    "app-metrics",
    title="Application metrics",
    looks_for="Metrics exposed by the application itself: a Prometheus client library (Python "
    "`prometheus_client`, Node `prom-client`, Go `client_golang`, Micrometer...) imported in application "
    "code, or a `/metrics` route served by the code.",
    why="RED metrics (rate, errors, duration) from inside the service are what symptom-based alerts "
    "and dashboards are built on.",
)
def app_metrics(sub: Submission, p: Params) -> Finding:
    hits = app_metrics_exposed(sub)
    if hits:
        return found("application metrics", hits)
    return Finding.failed("the application exposes no metrics (no Prometheus client, no /metrics route)")


_SLO_HEADING = lazy(r"\bSLOs?\b|service[- ]level objective", re.I)


_PERCENT = lazy(r"\b\d{2}(\.\d+)?\s?%")


_WINDOW = lazy(r"\b\d+\s?(d|days?|weeks?|w|h|hours?)\b|\b(rolling|calendar|monthly|weekly|quarterly)\b", re.I)


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
def slo(sub: Submission, p: Params) -> Finding:
    hits = []
    for rel, doc in infra.yaml_documents(sub):
        if not isinstance(doc, dict):
            continue
        api, kind = str(doc.get("apiVersion", "")), doc.get("kind")
        if "sloth.slok.dev" in api or (str(doc.get("version", "")).startswith("prometheus/v") and isinstance(doc.get("slos"), list)):
            hits.append(("Sloth", Location(rel, line_of(doc, 1) or 1), rel))
        elif api.startswith("openslo/") and kind == "SLO":
            hits.append(("OpenSLO", Location(rel, line_of(doc, 1) or 1), rel))
        elif "pyrra.dev" in api and kind == "ServiceLevelObjective":
            hits.append(("Pyrra", Location(rel, line_of(doc, 1) or 1), rel))
    for rel in markdown.prose_files(sub):
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
        return found("SLOs", hits)
    return Finding.failed("no SLO definitions (Sloth, OpenSLO, Pyrra, or an SLO doc with objectives and windows)")


_MONITOR_KINDS = {"ServiceMonitor": "ServiceMonitor", "PodMonitor": "PodMonitor", "PodMonitoring": "PodMonitoring (GMP)",
                  "ScrapeConfig": "ScrapeConfig", "VMServiceScrape": "VMServiceScrape", "VMPodScrape": "VMPodScrape"}


@detector(
    "metrics-collection",
    title="Metrics are collected",
    looks_for="Something that collects the service's metrics: a Prometheus `scrape_configs` job with "
    "targets or service discovery, a `ServiceMonitor`/`PodMonitor` (or GMP `PodMonitoring`, "
    "VictoriaMetrics scrapes) — Helm templates included —, pods annotated `prometheus.io/scrape: "
    "\"true\"`, an OpenTelemetry Collector pipeline with receivers and exporters, or a metrics agent "
    "(a Telegraf configuration with inputs and outputs, a CloudWatch agent configuration, a Datadog, "
    "Telegraf, Heapster or Metricbeat container, CloudWatch Container Insights switched on for an ECS cluster in CDK, "
    "Terraform or CloudFormation), or an APM agent the application imports (Application "
    "Insights, Azure Monitor, Datadog, New Relic, Elastic APM), which sends its metrics itself. Metrics exposed by "
    "the application (`/metrics`, a Prometheus client, Spring Boot's actuator with Micrometer's Prometheus "
    "registry) that nothing collects earn `exposed_credit`, and so does collection pointed at nothing of the "
    "service: a Prometheus server run with no scrape job of ours, a monitoring chart installed "
    "(kube-prometheus-stack, `helm install` or a Terraform `helm_release`), an exporter (node_exporter, "
    "blackbox, cAdvisor) run as a container or by a systemd unit. A `serviceMonitor`/`podMonitor`/`metrics` "
    "switched on (`enabled: true`) in the values of a shared Helm chart the repository's chart depends on, not "
    "held here, earns `dependency_credit`: what it renders cannot be read.",
    why="Alerts and dashboards are only as good as the metrics behind them: something has to scrape "
    "the service, continuously, before anyone can see it fail.",
    params={"exposed_credit": {"type": "number", "minimum": 0, "maximum": 1},
            "dependency_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"exposed_credit": 0.5, "dependency_credit": 0.5},
)
def metrics_collection(sub: Submission, p: Params) -> Finding:
    hits = []
    for rel, doc in infra.yaml_documents(sub):
        if not isinstance(doc, dict):
            continue
        for inner, line in with_embedded(doc):
            jobs = scrape_jobs(inner)
            if jobs:
                hits.append(("Prometheus scrape config", Location(rel, line), ", ".join(jobs[:3])))
            elif otel_metrics(inner):
                hits.append(("OpenTelemetry Collector", Location(rel, line), rel))
    for obj in manifests.objects(sub):
        if obj.kind in _MONITOR_KINDS:
            hits.append((_MONITOR_KINDS[obj.kind], Location(obj.path, obj.line), obj.name))
        elif obj.kind in manifests.WORKLOAD_KINDS or obj.kind in ("Pod", "Service"):
            meta = mapping(mapping(obj.body.get("spec")).get("template")).get("metadata") if obj.kind != "Service" else None
            for holder in (obj.body.get("metadata"), meta):
                notes = holder.get("annotations") if isinstance(holder, dict) else None
                if isinstance(notes, dict) and str(notes.get("prometheus.io/scrape", "")).lower() == "true":
                    hits.append(("prometheus.io/scrape annotation", Location(obj.path, obj.line), obj.name))
                    break
    hits += metric_agents(sub)
    hits += [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, APM_IMPORTS)]
    if hits:
        return found("metrics collected", hits)
    shared = _shared(sub, "collect")
    if shared:
        return Finding.ratio(p["dependency_credit"], f"no scrape config or monitor here, but {shared[0]}", shared[1])
    exposed = app_metrics_exposed(sub)
    if exposed:
        return Finding.ratio(p["exposed_credit"], "the application exposes metrics, but nothing collects them "
                             "(no scrape config, ServiceMonitor or collector)", [h[1] for h in exposed[:2]])
    idle = idle_collectors(sub)
    if idle:
        return Finding.ratio(p["exposed_credit"], f"{idle[0][0]} runs, but no scrape job, ServiceMonitor or "
                             "annotation points it at the service's own metrics", [h[1] for h in idle[:2]])
    return Finding.failed("no metrics are collected (no Prometheus scrape config, ServiceMonitor/PodMonitor, "
                          "scrape annotation or OpenTelemetry Collector pipeline)")


def _shared(sub: Submission, what: str) -> tuple[str, list[Location]] | None:
    """What a chart switches on in a shared chart it depends on (``what``: collect or alert), said
    as configured through a dependency chart not held here; None when nothing is."""
    hits = [s for s in sharedcharts.switches(sub) if s.what == what]
    if not hits:
        return None
    first = hits[0]
    return (f"{first.said}: configured through a dependency chart not held here, so what it renders cannot be read",
            [loc(h.path, h.line) for h in hits[:3]])
