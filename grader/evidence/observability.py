"""Observability: dashboards (Grafana JSON, dashboards imported from grafana.com by ID), what
collects metrics (Prometheus scrape jobs, OpenTelemetry Collector pipelines, metrics agents, APM
agents), metrics the application exposes itself, uptime checks, and alert rules' runbook links."""

from __future__ import annotations

import json
import posixpath
import re
from typing import TYPE_CHECKING

from grader import yamlload
from grader.evidence import codescan, infra
from grader.evidence.ci import read_pipelines
from grader.evidence.shell import normalise, split_script, tool_name
from grader.evidence.testfiles import is_test_path
from grader.model import Location
from grader.patterns import lazy
from grader.yamlload import line_of

if TYPE_CHECKING:
    from grader.submission import Submission

_UPTIME_RESOURCES = {
    "google_monitoring_uptime_check_config": "a Cloud Monitoring uptime check", "aws_synthetics_canary": "a CloudWatch "
    "Synthetics canary", "azurerm_application_insights_web_test": "an Application Insights web test",
    "azurerm_application_insights_standard_web_test": "an Application Insights web test",
    "datadog_synthetics_test": "a Datadog synthetic test", "newrelic_synthetics_monitor": "a New Relic synthetic monitor",
}


def uptime_checks(sub: Submission) -> list[tuple[str, Location]]:
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
                sites = len(doc["sites"])
                found_.append((f"Upptime watches {sites} site{'' if sites == 1 else 's'}", Location(rel, 1)))
    for rel, line, rtype, _body in infra.terraform_resources(sub):
        if rtype in _UPTIME_RESOURCES:
            found_.append((f"{_UPTIME_RESOURCES[rtype]} ({rtype})", Location(rel, line)))
    return found_


def check_runbook(sub: Submission, rule, required: bool) -> None:
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


_GRAFANA_COM = lazy(r"https?://grafana\.com/api/dashboards/(\d+)(?:/revisions/[\w.-]+/download)?/?")


_GET_URL = ("get_url", "ansible.builtin.get_url")


_WALK_LIMIT = 20_000


def imported_dashboards(sub: Submission) -> list[tuple[str, int, str, str]]:
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


METRIC_IMPORTS = {"prometheus_client": "Prometheus client (Python)", "prom-client": "prom-client",
                   "github.com/prometheus/client_golang": "Prometheus client (Go)", "io.prometheus": "Prometheus client (Java)",
                   "io.micrometer": "Micrometer", "prometheus_fastapi_instrumentator": "Prometheus FastAPI instrumentator",
                   "prometheus_flask_exporter": "Prometheus Flask exporter", "express-prom-bundle": "express-prom-bundle",
                   "opentelemetry.metrics": "OpenTelemetry metrics",
                   "go.opentelemetry.io/otel/metric": "OpenTelemetry metrics (Go)",
                   "go.opencensus.io/stats": "OpenCensus stats (Go)", "opencensus.stats": "OpenCensus stats (Python)"}


_METRICS_ROUTE = lazy(r"""['"]/metrics['"]""")


def scrape_jobs(doc) -> list[str]:
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


def otel_metrics(doc) -> bool:
    """An OpenTelemetry Collector configuration with a pipeline that has receivers and exporters."""
    service = doc.get("service") if isinstance(doc, dict) else None
    pipelines = service.get("pipelines") if isinstance(service, dict) else None
    if not isinstance(pipelines, dict) or not isinstance(doc.get("receivers"), dict):
        return False
    return any(isinstance(body, dict) and body.get("receivers") and body.get("exporters")
               for body in pipelines.values())


def with_embedded(doc: dict):
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
_AGENT_IMAGES = ((lazy(r"(?:^|/)(?:datadog/agent|datadoghq/agent|agent)(?::|$)"), "Datadog agent"),
                 (lazy(r"(?:^|/)telegraf(?::|$)"), "Telegraf"),
                 (lazy(r"(?:^|/)heapster(?:-amd64)?(?::|$)"), "Heapster"),
                 (lazy(r"(?:^|/)metricbeat(?::|$)"), "Metricbeat"),
                 (lazy(r"(?:^|/)(?:amazon/)?cloudwatch-agent(?::|$)"), "CloudWatch agent"))


def metric_agents(sub: Submission) -> list[tuple[str, Location, str]]:
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
    hits += container_insights(sub)
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
APM_IMPORTS = {"applicationinsights": "Application Insights", "opencensus.ext.azure.metrics_exporter": "Application Insights",
                "opencensus.ext.azure.trace_exporter": "Application Insights",
                "Microsoft.ApplicationInsights": "Application Insights",
                "com.microsoft.applicationinsights": "Application Insights",
                "azure.monitor.opentelemetry": "Azure Monitor", "@azure/monitor-opentelemetry": "Azure Monitor",
                "dd-trace": "Datadog APM", "ddtrace": "Datadog APM", "gopkg.in/DataDog/dd-trace-go.v1": "Datadog APM",
                "github.com/DataDog/dd-trace-go": "Datadog APM", "newrelic": "New Relic",
                "github.com/newrelic/go-agent": "New Relic", "elastic-apm-node": "Elastic APM",
                "elasticapm": "Elastic APM", "co.elastic.apm": "Elastic APM"}


def grafana_dashboard(sub: Submission) -> tuple[str, int, str, int] | None:
    """(path, panels that query data, title, panels) of the Grafana dashboard with the most
    querying panels: a dashboard JSON file, or JSON inside a ConfigMap."""
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
    return best


def app_metrics_exposed(sub: Submission) -> list[tuple[str, Location, str]]:
    """(what, where, "") of metrics the application exposes itself: a Prometheus client library
    imported by application code, a ``/metrics`` route it serves, or a Spring Boot build that puts
    the actuator and Micrometer's Prometheus registry on the classpath (which serves
    ``/actuator/prometheus`` without a line of code)."""
    hits = [(name, Location(path, line), "") for name, path, line in codescan.find_imports(sub, METRIC_IMPORTS)]
    hits += _spring_prometheus(sub)
    for sf in codescan.sources(sub):
        if is_test_path(sf.path):
            continue
        m = _METRICS_ROUTE.search(sf.text)
        if m:
            hits.append(("/metrics endpoint", Location(sf.path, sf.text.count("\n", 0, m.start()) + 1), ""))
    return hits


# A dependency line of a Gradle build (`implementation 'group:artifact'`, `implementation("…")`)
# or an artifact of a Maven POM, naming the artifact.
_GRADLE_DEP = lazy(r"""(?m)^[ \t]*(?:implementation|runtimeOnly|compile|runtime|api)\b[ \t(]*["']([\w.-]+):([\w.-]+)""")
_POM_ARTIFACT = lazy(r"<artifactId>\s*([\w.-]+)\s*</artifactId>")


def _blank_xml_comments(text: str) -> str:
    """``text`` with its XML comments blanked (newlines kept, so lines still count)."""
    out, at = [], 0
    while True:
        start = text.find("<!--", at)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        end = len(text) if end < 0 else end + 3
        out += [text[at:start], "".join(ch if ch == "\n" else " " for ch in text[start:end])]
        at = end
    return "".join(out) + text[at:]


def _spring_prometheus(sub: Submission) -> list[tuple[str, Location, str]]:
    """A Gradle or Maven build declaring both ``spring-boot-starter-actuator`` and
    ``micrometer-registry-prometheus``: Spring Boot then serves the application's metrics at
    ``/actuator/prometheus``. A commented-out dependency is no dependency."""
    hits = []
    for rel in sub.named("build.gradle", "build.gradle.kts", "pom.xml"):
        name = rel.rsplit("/", 1)[-1]
        if name not in ("build.gradle", "build.gradle.kts", "pom.xml"):
            continue
        text = sub.read_text(rel) or ""
        if "micrometer-registry-prometheus" not in text:
            continue
        if name == "pom.xml":
            kept = _blank_xml_comments(text)
            artifacts = [(a, kept.count("\n", 0, at) + 1) for a, at in
                         ((m.group(1), m.start()) for m in _POM_ARTIFACT.finditer(kept))]
        else:
            artifacts = [(m.group(2), text.count("\n", 0, m.start()) + 1) for m in _GRADLE_DEP.finditer(text)]
        names = {a for a, _ in artifacts}
        if {"micrometer-registry-prometheus", "spring-boot-starter-actuator"} <= names:
            line = next(at for a, at in artifacts if a == "micrometer-registry-prometheus")
            hits.append(("Micrometer Prometheus registry with the Spring Boot actuator", Location(rel, line), ""))
    return hits


# Monitoring stacks installed from their Helm charts: the chart's name → what it collects.
_MONITORING_CHARTS = {"kube-prometheus-stack": "metrics", "prometheus": "metrics", "kube-prometheus": "metrics",
                      "victoria-metrics-k8s-stack": "metrics", "victoria-metrics-single": "metrics",
                      "loki-stack": "logs", "loki": "logs", "promtail": "logs", "fluent-bit": "logs",
                      "fluentd": "logs", "elasticsearch": "logs", "eck-stack": "logs", "opensearch": "logs"}


def monitoring_charts(sub: Submission) -> list[tuple[str, str, Location]]:
    """(chart, "metrics" or "logs", where) of monitoring stacks installed from their Helm charts:
    ``helm install``/``helm upgrade --install`` in a shell script or a pipeline step that can
    run, or a Terraform ``helm_release``. A chart only named in a comment or an ``echo`` is not
    installed (the commands are read as a shell would split them)."""
    from grader.evidence.deploys import helm_chart

    hits: list[tuple[str, str, Location]] = []

    def add(chart: str | None, where: Location) -> None:
        base = (chart or "").rstrip("/").rsplit("/", 1)[-1].split("@")[0].lower()
        if base in _MONITORING_CHARTS:
            hits.append((base, _MONITORING_CHARTS[base], where))

    for rel, text in infra.shell_scripts(sub, "helm"):
        for cmd in split_script(text, 1):
            add(helm_chart(cmd.text), Location(rel, cmd.line))
    for pipe in read_pipelines(sub):
        for job in pipe.jobs:
            if job.condition == "never":
                continue
            for step in job.steps:
                if step.condition == "never":
                    continue
                for cmd in step.commands:
                    if not cmd.path:  # (a script's own commands are read above)
                        add(helm_chart(cmd.text), cmd.at(pipe.path))
    for rel, line, rtype, body in infra.terraform_resources(sub):
        if rtype == "helm_release":
            m = _TF_CHART.search(body)
            add(m.group(1) if m else None, Location(rel, line))
    return hits


_TF_CHART = lazy(r'(?m)^[ \t]*chart[ \t]*=[ \t]*"([^"\n]{1,200})"')

# Prometheus servers by their image; exporters by their image or by the binary a systemd unit runs.
_PROMETHEUS_IMAGE = lazy(r"(?:^|/)prometheus(?::|$)")
_EXPORTER = lazy(r"(?:^|/)(node[-_]exporter|blackbox[-_]exporter|cadvisor)(?::|$)")


def idle_collectors(sub: Submission) -> list[tuple[str, Location, str]]:
    """(what, where, detail) of metrics collection that runs but is pointed at nothing of the
    service: a Prometheus server container (or one installed from its chart), a monitoring chart
    installed, an exporter (node_exporter, blackbox, cAdvisor) run as a container or by a systemd
    unit's ``ExecStart``. The caller asks this only when no scrape job, ServiceMonitor or
    annotation was found."""
    hits: list[tuple[str, Location, str]] = []
    for rel, line, image in infra.images(sub):
        name = image.split("@", 1)[0].lower()
        name = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
        if _PROMETHEUS_IMAGE.search(name + ":"):
            hits.append(("a Prometheus server", Location(rel, line), image))
        else:
            m = _EXPORTER.search(name + ":")
            if m:
                hits.append((f"the exporter {m.group(1)}", Location(rel, line), image))
    for chart, what, where in monitoring_charts(sub):
        if what == "metrics":
            hits.append((f"the {chart} chart", where, chart))
    for rel in sub.by_suffix(".service", ".service.j2", ".service.tpl"):
        section = ""
        for number, raw in enumerate((sub.read_text(rel) or "").splitlines()[:500], 1):
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif section == "Service" and line.startswith("ExecStart") and "=" in line:
                words = line.partition("=")[2].split()
                m = _EXPORTER.search(words[0].lstrip("-@+!").lower() + ":") if words else None
                if m:
                    hits.append((f"the exporter {m.group(1)} (systemd)", Location(rel, number), rel))
                break
    return hits


# CloudWatch Container Insights switched on for an ECS cluster: in CDK code (Python or TypeScript,
# v1 flag or v2 enum), in Terraform (`setting { name = "containerInsights" value = "enabled" }`),
# in CloudFormation (`ClusterSettings: [{Name: containerInsights, Value: enabled}]`).
_CDK_INSIGHTS = lazy(r"(?m)^[ \t]*(?:container_?[iI]nsights(?:_?[vV]2)?)[ \t]*[=:][ \t]*"
                     r"(?:True|true|(?:ecs\.)?ContainerInsights\.(?:ENABLED|ENHANCED))\b")
_TF_INSIGHTS = lazy(r'(?s)name[ \t]*=[ \t]*"containerInsights"[^}]{0,200}?value[ \t]*=[ \t]*"(?:enabled|enhanced)"')


def container_insights(sub: Submission) -> list[tuple[str, Location, str]]:
    """(tool, where, detail) of ECS clusters with CloudWatch Container Insights switched on: the
    platform then collects the tasks' CPU, memory and network metrics itself. A commented-out or
    disabled setting is none (the line must start with the setting)."""
    hits = []
    for sf in codescan.sources(sub):
        if sf.language not in ("python", "js") or is_test_path(sf.path):
            continue
        if "nsights" not in sf.text:
            continue
        m = _CDK_INSIGHTS.search(sf.text)
        if m:
            hits.append(("CloudWatch Container Insights", Location(sf.path, sf.text.count("\n", 0, m.start()) + 1), ""))
    for rel, line, rtype, body in infra.terraform_resources(sub):
        if rtype == "aws_ecs_cluster" and _TF_INSIGHTS.search(body):
            hits.append(("CloudWatch Container Insights", Location(rel, line), ""))
    for rel, doc in infra.yaml_documents(sub):
        resources = doc.get("Resources") if isinstance(doc, dict) else None
        for res in resources.values() if isinstance(resources, dict) else []:
            props = res.get("Properties") if isinstance(res, dict) and res.get("Type") == "AWS::ECS::Cluster" else None
            settings = props.get("ClusterSettings") if isinstance(props, dict) else None
            if isinstance(settings, list) and any(isinstance(x, dict) and x.get("Name") == "containerInsights"
                                                  and str(x.get("Value")).lower() in ("enabled", "enhanced")
                                                  for x in settings):
                hits.append(("CloudWatch Container Insights", Location(rel, line_of(res, 1) or 1), ""))
    return hits
