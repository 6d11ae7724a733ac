"""Monitor: metrics collected, Prometheus alert rules and Grafana dashboards (and the rest of
the observability toolchain as bonus checks)."""

from __future__ import annotations

import json
import posixpath
import re

from grader import yamlload
from grader.detectors import detector
from grader.detectors.common import found, loc, plural
from grader.evidence import alerts, cloudmonitor, codescan, infra, manifests, markdown
from grader.evidence.ci import read_pipelines
from grader.evidence.commands import normalise, split_script, tool_name
from grader.evidence.testfiles import is_test_path
from grader.model import Finding, Location
from grader.yamlload import line_of, mapping


@detector(
    "alert-rules",
    title="Alert rules",
    looks_for="Prometheus alerting rules, found by content (rule files, `PrometheusRule` "
    "resources, rule groups embedded in other YAML). A rule is well formed with an `alert` name, "
    "a non-empty `expr` that is plausible PromQL, a valid `for` duration, a `severity` label and a "
    "`summary` or `description` annotation. Cloud alarms written as infrastructure code count the "
    "same way (Terraform `aws_cloudwatch_metric_alarm`, `azurerm_monitor_metric_alert`, "
    "`google_monitoring_alert_policy`, `datadog_monitor`; CloudFormation `AWS::CloudWatch::Alarm`): "
    "a metric or query, a threshold condition, how long it must hold, a description (and a severity "
    "where the cloud has one). Credit by the share of well-formed rules; at least `min_rules` are "
    "needed. Recording rules are not alerts; `groups: []` is nothing. Without any, uptime checks "
    "that alert when the live service stops answering earn `synthetic_credit`: a scheduled pipeline "
    "whose step probes a URL and fails when it is down (`on: schedule` + `curl -f`), an Upptime "
    "`.upptimerc.yml` with sites, or cloud uptime checks as infrastructure code "
    "(`google_monitoring_uptime_check_config`, `aws_synthetics_canary`, Application Insights web tests, "
    "`datadog_synthetics_test`).",
    why="Alerts on symptoms (error rate, latency) page a human only when users are hurt, and "
    "`for:` keeps a single bad scrape from waking anyone.",
    params={"min_rules": {"type": "integer", "minimum": 1, "maximum": 1000},
            "require_runbook": {"type": "boolean"},
            "synthetic_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"min_rules": 2, "require_runbook": False, "synthetic_credit": 0.5},
)
def alert_rules(sub, p):
    scan = alerts.scan(sub)
    rules = scan.alerts + cloudmonitor.alarms(sub)
    for rule in rules:
        _check_runbook(sub, rule, p["require_runbook"])
    if not rules:
        if scan.group_files:
            rel, line = scan.group_files[0]
            extra = f" ({plural(scan.recording, 'recording rule')} only)" if scan.recording else ""
            return Finding.failed(f"rule groups in {rel} hold no alerting rules{extra}", [loc(rel, line)])
        uptime = _uptime_checks(sub)
        if uptime:
            what, where = uptime[0]
            return Finding.ratio(p["synthetic_credit"], f"no alert rules, but an uptime check alerts when the service "
                                 f"stops answering: {what} — add rules on error rate and latency too", [where])
        return Finding.failed("no alerting rules found (Prometheus rules or cloud alarms)")
    good = [r for r in rules if r.well_formed]
    bad = [r for r in rules if not r.well_formed]
    share = len(good) / len(rules)
    count = min(1.0, len(good) / p["min_rules"])
    msg = f"{len(good)} of {plural(len(rules), 'alert rule')} well formed"
    if len(good) < p["min_rules"]:
        msg += f" (needs {p['min_rules']})"
    if bad:
        msg += f"; {bad[0].name}: {'; '.join(bad[0].problems)}"
    ev = [loc(r.path, r.line) for r in (bad[:2] + good[:2])]
    return Finding.ratio(min(share, count), msg, ev)


_UPTIME_RESOURCES = {
    "google_monitoring_uptime_check_config": "a Cloud Monitoring uptime check", "aws_synthetics_canary": "a CloudWatch "
    "Synthetics canary", "azurerm_application_insights_web_test": "an Application Insights web test",
    "azurerm_application_insights_standard_web_test": "an Application Insights web test",
    "datadog_synthetics_test": "a Datadog synthetic test", "newrelic_synthetics_monitor": "a New Relic synthetic monitor",
}


def _uptime_checks(sub) -> list[tuple[str, Location]]:
    """(what, where) of checks that probe the live service on a schedule and alert when it is
    down: a scheduled pipeline's URL check whose failure fails the run, Upptime, cloud uptime
    checks written as infrastructure code."""
    found_: list[tuple[str, Location]] = []
    for pipe in read_pipelines(sub):
        if "schedule" not in pipe.triggers:
            continue
        for job in pipe.jobs:
            if job.condition == "never":
                continue
            for step in job.steps:
                if step.condition == "never":
                    continue
                for cmd in step.commands_in("verify"):
                    if not cmd.ignored and re.search(r"https?://|\$", cmd.text):
                        found_.append((f"a scheduled pipeline checks `{cmd.text[:60]}`", cmd.at(pipe.path)))
    for rel in sub.by_suffix(".upptimerc.yml", ".upptimerc.yaml"):
        if rel.rsplit("/", 1)[-1] in (".upptimerc.yml", ".upptimerc.yaml"):
            doc = (sub.yaml_docs_quiet(rel) or [None])[0]
            if isinstance(doc, dict) and isinstance(doc.get("sites"), list) and doc["sites"]:
                found_.append((f"Upptime watches {plural(len(doc['sites']), 'site')}", Location(rel, 1)))
    for rel, line, rtype, _body in infra.terraform_resources(sub):
        if rtype in _UPTIME_RESOURCES:
            found_.append((f"{_UPTIME_RESOURCES[rtype]} ({rtype})", Location(rel, line)))
    return found_


def _check_runbook(sub, rule, required: bool) -> None:
    """A runbook link must resolve: a URL, or a file of the submission (from the root or
    from the rule file's folder). A dangling link is a problem; a missing one only when
    ``required``."""
    link = (rule.runbook or "").strip()
    if not link:
        if required and "no runbook link" not in rule.problems:
            rule.problems.append("no runbook_url annotation")
        return
    if re.match(r"^https?://\S+$", link):
        return
    path = link.split("#", 1)[0].removeprefix("./")
    here = rule.path.rsplit("/", 1)[0] if "/" in rule.path else ""
    candidates = {path, posixpath.normpath(posixpath.join(here, path)) if here else path}
    if not any(sub.exists(c) for c in candidates):
        rule.problems.append(f"runbook link {link!r} points to no file in the repository")


def _panels(dash, depth=0):
    if depth > 6 or not isinstance(dash, dict):
        return
    for panel in dash.get("panels") or []:
        if isinstance(panel, dict):
            yield panel
            yield from _panels(panel, depth + 1)  # rows hold panels
    for row in dash.get("rows") or []:  # old schema
        if isinstance(row, dict):
            yield from _panels(row, depth + 1)


def _queries(panel) -> list[str]:
    out = []
    for target in panel.get("targets") or []:
        if isinstance(target, dict):
            q = target.get("expr") or target.get("query") or target.get("rawSql") or target.get("expression")
            if isinstance(q, str) and q.strip():
                out.append(q)
    return out


@detector(
    "dashboards",
    title="Dashboards",
    looks_for="Grafana dashboards (JSON, or JSON inside a ConfigMap) with at least `min_panels` "
    "panels that query something (a target with a non-empty `expr`/`query`), or cloud dashboards "
    "in infrastructure code (`aws_cloudwatch_dashboard`, `google_monitoring_dashboard`, Azure portal "
    "dashboards, `datadog_dashboard`, CloudFormation `AWS::CloudWatch::Dashboard`) with as many "
    "widgets that chart a metric. A dashboard imported from grafana.com by its ID counts too: a "
    "`gnetId` in the Grafana (or kube-prometheus-stack) chart's values, a grafana-operator "
    "`GrafanaDashboard` with `grafanaCom.id`, or its download by an Ansible `get_url` task or by "
    "curl/wget in a shell script.",
    why="A dashboard of the service's rate, errors and duration is where an incident is "
    "diagnosed and where a release is watched.",
    params={"min_panels": {"type": "integer", "minimum": 1, "maximum": 1000}},
    defaults={"min_panels": 2},
)
def dashboards(sub, p):
    best = None
    candidates = []
    for rel in sub.by_suffix(".json"):
        if rel.endswith(("package.json", "package-lock.json", "tsconfig.json", "composer.json")):
            continue
        candidates.append((rel, lambda rel=rel: sub.json_data(rel)))
    for rel in sub.yaml_files():
        for doc in sub.yaml_docs_quiet(rel) or []:
            if isinstance(doc, dict) and doc.get("kind") == "ConfigMap" and isinstance(doc.get("data"), dict):
                for key, text in doc["data"].items():
                    if isinstance(key, str) and key.endswith(".json") and isinstance(text, str):
                        candidates.append((rel, lambda text=text: _json(text)))
    for rel, get in candidates:
        data = get()
        if isinstance(data, dict) and isinstance(data.get("dashboard"), dict):
            data = data["dashboard"]
        if not isinstance(data, dict) or not ("panels" in data or "rows" in data):
            continue
        panels = list(_panels(data))
        querying = [pn for pn in panels if _queries(pn)]
        if best is None or len(querying) > best[1]:
            best = (rel, len(querying), str(data.get("title") or rel), len(panels))
    line = 1
    for rel, at, name, charts in cloudmonitor.dashboards(sub):
        if best is None or charts > best[1]:
            best, line = (rel, charts, name, charts), at
    if best is None or best[1] < p["min_panels"]:
        imported = _imported_dashboards(sub)
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
    return Finding.ratio(n / p["min_panels"], msg, [loc(rel, line)])


_GRAFANA_COM = re.compile(r"https?://grafana\.com/api/dashboards/(\d+)(?:/revisions/[\w.-]+/download)?/?")
_GET_URL = ("get_url", "ansible.builtin.get_url")
_WALK_LIMIT = 20_000


def _imported_dashboards(sub) -> list[tuple[str, int, str, str]]:
    """(path, line, ID, how) of dashboards imported from grafana.com by their ID: a `gnetId` in
    Grafana's dashboard provisioning values (the Grafana and kube-prometheus-stack Helm charts), a
    grafana-operator `GrafanaDashboard` with `spec.grafanaCom.id`, or a download of
    `grafana.com/api/dashboards/<ID>` by an Ansible `get_url` task or a shell script's curl/wget."""
    hits: list[tuple[str, int, str, str]] = []
    for rel in sub.yaml_files():
        text = sub.read_text(rel) or ""
        if "gnetId" not in text and "grafanaCom" not in text and "grafana.com/api/dashboards" not in text:
            continue  # parse only what can hold one
        for doc in sub.yaml_docs_quiet(rel) or []:
            hits += ((rel, at, ident, how) for at, ident, how in _dashboard_ids(doc))
    for rel, text in infra.shell_scripts(sub, "grafana.com/api/dashboards"):
        for cmd in split_script(text, 1):
            words = normalise(cmd.text).split()
            tool = tool_name(words[0]) if words else ""
            if tool in ("curl", "wget"):
                for word in words[1:]:
                    m = _GRAFANA_COM.fullmatch(word.strip("'\""))
                    if m:
                        hits.append((rel, cmd.line, m.group(1), f"downloaded by {tool}"))
                        break
    return hits


def _key_line(node: dict, key: str) -> int:
    """The line of ``key`` in a parsed YAML mapping (the mapping's own line, else 1)."""
    return (node.line_of(key) if hasattr(node, "line_of") else None) or line_of(node, 1) or 1


def _dashboard_ids(doc) -> list[tuple[int, str, str]]:
    """(line, ID, how) of grafana.com dashboard IDs in one YAML document (a bounded walk)."""
    out, stack, seen = [], [doc], 0
    while stack and seen < _WALK_LIMIT:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
            continue
        if not isinstance(node, dict):
            continue
        gnet = node.get("gnetId")
        if isinstance(gnet, int) and not isinstance(gnet, bool) and gnet > 0:
            out.append((_key_line(node, "gnetId"), str(gnet), "as a gnetId"))
        com = node.get("grafanaCom")
        ident = com.get("id") if isinstance(com, dict) else None
        if isinstance(ident, int) and not isinstance(ident, bool) and ident > 0:
            out.append((_key_line(node, "grafanaCom"), str(ident), "by a GrafanaDashboard"))
        for key in _GET_URL:
            task = node.get(key)
            if isinstance(task, dict):
                url = task.get("url")
            elif isinstance(task, str):  # the key=value form: get_url: url=... dest=...
                url = next((w[4:] for w in task.split() if w.startswith("url=")), None)
            else:
                url = None
            m = _GRAFANA_COM.fullmatch(url.strip()) if isinstance(url, str) else None
            if m:
                out.append((_key_line(node, key), m.group(1), "downloaded by an Ansible task"))
        stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
    return out


def _json(text):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


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
    for rel in sub.files:
        if rel.lower().endswith(("fluent-bit.conf", "fluentbit.conf")):
            text = sub.read_text(rel) or ""
            if re.search(r"^\s*\[INPUT\]", text, re.M | re.I) and re.search(r"^\s*\[OUTPUT\]", text, re.M | re.I):
                hits.append(("Fluent Bit", Location(rel, 1), rel))
    names = {h[0] for h in hits}
    if names & {"Elasticsearch", "OpenSearch"} and names & {"Kibana"} and names & {"Logstash", "Fluentd", "Filebeat", "Fluent Bit"}:
        hits.insert(0, ("ELK/EFK stack", hits[0][1], ""))
    if hits:
        return found("logging", hits)
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
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _METRIC_IMPORTS)]
    for sf in codescan.sources(sub):
        if is_test_path(sf.path):
            continue
        m = _METRICS_ROUTE.search(sf.text)
        if m:
            hits.append(("/metrics endpoint", Location(sf.path, sf.text.count("\n", 0, m.start()) + 1), ""))
    if hits:
        return found("application metrics", hits)
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



def _scrape_jobs(doc) -> list[str]:
    """The job names of a Prometheus configuration's ``scrape_configs`` that have somewhere to
    scrape (static targets or service discovery)."""
    jobs = doc.get("scrape_configs") if isinstance(doc, dict) else None
    names = []
    for job in jobs if isinstance(jobs, list) else []:
        if not isinstance(job, dict):
            continue
        statics = job.get("static_configs")
        targets = [t for s in statics if isinstance(s, dict) for t in (s.get("targets") or [])] \
            if isinstance(statics, list) else []
        discovered = any(k.endswith("_sd_configs") and job[k] for k in job)
        if targets or discovered:
            names.append(str(job.get("job_name", "?")))
    return names


def _otel_metrics(doc) -> bool:
    """An OpenTelemetry Collector configuration with a pipeline that has receivers and exporters."""
    service = doc.get("service") if isinstance(doc, dict) else None
    pipelines = service.get("pipelines") if isinstance(service, dict) else None
    if not isinstance(pipelines, dict) or not isinstance(doc.get("receivers"), dict):
        return False
    return any(isinstance(body, dict) and body.get("receivers") and body.get("exporters")
               for body in pipelines.values())


def _with_embedded(doc: dict):
    """The document, and the YAML documents its ConfigMap ``data`` strings hold (a Prometheus or
    collector configuration shipped in a ConfigMap), with their lines."""
    yield doc, line_of(doc, 1) or 1
    data = doc.get("data") if doc.get("kind") == "ConfigMap" else None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and ("scrape_configs:" in value or "receivers:" in value):
                for inner in yamlload.embedded_docs(value):
                    if isinstance(inner, dict):
                        yield inner, (data.line_of(key) if hasattr(data, "line_of") else None) or line_of(doc, 1) or 1


# Agents that collect metrics and ship them somewhere, by their image: (pattern, tool).
_AGENT_IMAGES = ((re.compile(r"(?:^|/)(?:datadog/agent|datadoghq/agent|agent)(?::|$)"), "Datadog agent"),
                 (re.compile(r"(?:^|/)telegraf(?::|$)"), "Telegraf"),
                 (re.compile(r"(?:^|/)heapster(?:-amd64)?(?::|$)"), "Heapster"),
                 (re.compile(r"(?:^|/)metricbeat(?::|$)"), "Metricbeat"),
                 (re.compile(r"(?:^|/)(?:amazon/)?cloudwatch-agent(?::|$)"), "CloudWatch agent"))


def _metric_agents(sub) -> list[tuple[str, Location, str]]:
    """Metrics agents: a Telegraf configuration with inputs and outputs, a CloudWatch agent
    configuration that collects metrics, or an agent container (Datadog, Telegraf, Heapster,
    Metricbeat) in a compose file or a Kubernetes workload."""
    hits = []
    for rel in sub.by_suffix(".conf", ".toml"):
        text = sub.read_text(rel) or ""
        if re.search(r"(?m)^[ \t]*\[\[inputs\.\w+", text) and re.search(r"(?m)^[ \t]*\[\[outputs\.\w+", text):
            hits.append(("Telegraf", Location(rel, 1), rel))
    for rel in sub.by_suffix(".json"):
        if "metrics_collected" not in (sub.read_text(rel) or ""):
            continue
        data = sub.json_data(rel)
        metrics = data.get("metrics") if isinstance(data, dict) else None
        if isinstance(metrics, dict) and isinstance(metrics.get("metrics_collected"), dict) and metrics["metrics_collected"]:
            hits.append(("CloudWatch agent", Location(rel, 1), rel))
    for rel, line, image in infra.images(sub):
        name = image.split("@", 1)[0]
        name = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
        for pattern, tool in _AGENT_IMAGES:
            if pattern.search(name + ":") and (tool != "Datadog agent" or "datadog" in name):
                hits.append((tool, Location(rel, line), image))
                break
    return hits


# APM agents imported by the application: they send its request rates, errors and durations to
# a monitoring service themselves (module prefix → tool).
_APM_IMPORTS = {"applicationinsights": "Application Insights", "opencensus.ext.azure.metrics_exporter": "Application Insights",
                "opencensus.ext.azure.trace_exporter": "Application Insights",
                "Microsoft.ApplicationInsights": "Application Insights",
                "com.microsoft.applicationinsights": "Application Insights",
                "azure.monitor.opentelemetry": "Azure Monitor", "@azure/monitor-opentelemetry": "Azure Monitor",
                "dd-trace": "Datadog APM", "ddtrace": "Datadog APM", "gopkg.in/DataDog/dd-trace-go.v1": "Datadog APM",
                "github.com/DataDog/dd-trace-go": "Datadog APM", "newrelic": "New Relic",
                "github.com/newrelic/go-agent": "New Relic", "elastic-apm-node": "Elastic APM",
                "elasticapm": "Elastic APM", "co.elastic.apm": "Elastic APM"}


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
    "Telegraf, Heapster or Metricbeat container), or an APM agent the application imports (Application "
    "Insights, Azure Monitor, Datadog, New Relic, Elastic APM), which sends its metrics itself. Metrics exposed by "
    "the application (`/metrics`, a Prometheus client) that nothing collects earn `exposed_credit`.",
    why="Alerts and dashboards are only as good as the metrics behind them: something has to scrape "
    "the service, continuously, before anyone can see it fail.",
    params={"exposed_credit": {"type": "number", "minimum": 0, "maximum": 1}},
    defaults={"exposed_credit": 0.5},
)
def metrics_collection(sub, p):
    hits = []
    for rel, doc in infra.yaml_documents(sub):
        if not isinstance(doc, dict):
            continue
        for inner, line in _with_embedded(doc):
            jobs = _scrape_jobs(inner)
            if jobs:
                hits.append(("Prometheus scrape config", Location(rel, line), ", ".join(jobs[:3])))
            elif _otel_metrics(inner):
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
    hits += _metric_agents(sub)
    hits += [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, _APM_IMPORTS)]
    if hits:
        return found("metrics collected", hits)
    exposed = app_metrics(sub, {})
    if exposed.status == "pass":
        return Finding.ratio(p["exposed_credit"], "the application exposes metrics, but nothing collects them "
                             "(no scrape config, ServiceMonitor or collector)", list(exposed.evidence[:2]))
    return Finding.failed("no metrics are collected (no Prometheus scrape config, ServiceMonitor/PodMonitor, "
                          "scrape annotation or OpenTelemetry Collector pipeline)")
