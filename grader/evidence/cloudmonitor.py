"""Alerting and dashboards kept in a cloud's own monitoring, written as infrastructure code:
Terraform resources (AWS CloudWatch alarms and dashboards, Azure Monitor metric and log alerts,
Google Cloud Monitoring alert policies and dashboards, Datadog monitors and dashboards) and
CloudFormation / SAM / Serverless ``AWS::CloudWatch::Alarm`` and ``Dashboard`` resources, and
cloud dashboards kept as their own JSON (Google Cloud Monitoring, CloudWatch), known by shape.

Each alarm is judged like a Prometheus rule, in the cloud's own terms: what it watches (a
metric or a query), the condition (a comparison with a threshold), how long it must hold (the
evaluation periods, window or duration), and what it says to whoever is paged (a description
or documentation). A severity is read where the cloud has one (Azure, Google)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.evidence import infra
from grader.evidence.alerts import AlertRule
from grader.yamlload import line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission


def _has(body: str, *keys: str) -> bool:
    """A Terraform argument or block named ``key`` directly in ``body`` (any depth, best effort)."""
    return any(re.search(rf"(?m)^[ \t]*{key}[ \t]*(?:=|\{{)", body) for key in keys)


def _value(body: str, key: str) -> str | None:
    m = re.search(rf'(?m)^[ \t]*{key}[ \t]*=[ \t]*"?([^"\n]*)"?[ \t]*$', body)
    return m.group(1).strip() if m else None


def _judge_aws(name: str, rel: str, line: int, body: str) -> AlertRule:
    alarm = AlertRule(name, rel, line)
    if not _has(body, "metric_name", "metric_query"):
        alarm.problems.append("watches no metric (metric_name or metric_query)")
    if not _has(body, "comparison_operator") or not _has(body, "threshold", "threshold_metric_id"):
        alarm.problems.append("no condition (comparison_operator and threshold)")
    periods = _value(body, "evaluation_periods")
    if periods is None:
        alarm.problems.append("no evaluation_periods (how long the condition must hold)")
    if not (_value(body, "alarm_description") or "").strip():
        alarm.problems.append("no alarm_description for whoever is paged")
    return alarm


def _judge_azure(name: str, rel: str, line: int, body: str) -> AlertRule:
    alarm = AlertRule(name, rel, line)
    if not _has(body, "criteria", "dynamic_criteria", "application_insights_web_test_location_availability_criteria"):
        alarm.problems.append("no criteria (metric or query, operator and threshold)")
    elif not _has(body, "threshold", "alert_sensitivity", "failed_location_count"):
        alarm.problems.append("criteria without a threshold")
    if _value(body, "severity") is None:
        alarm.problems.append("no severity")
    if not (_value(body, "description") or "").strip():
        alarm.problems.append("no description for whoever is paged")
    return alarm


def _judge_google(name: str, rel: str, line: int, body: str) -> AlertRule:
    alarm = AlertRule(name, rel, line)
    if not _has(body, "conditions"):
        alarm.problems.append("no conditions")
    elif not _has(body, "filter", "query"):
        alarm.problems.append("the condition watches nothing (no filter or query)")
    if _has(body, "condition_threshold") and not _has(body, "duration"):
        alarm.problems.append("no duration (how long the condition must hold)")
    if not _has(body, "documentation"):
        alarm.problems.append("no documentation for whoever is paged")
    return alarm


def _judge_datadog(name: str, rel: str, line: int, body: str) -> AlertRule:
    alarm = AlertRule(name, rel, line)
    if not (_value(body, "query") or "").strip() and not _has(body, "query"):
        alarm.problems.append("no query")
    if not _has(body, "message"):
        alarm.problems.append("no message for whoever is paged")
    return alarm


_ALARMS = {
    "aws_cloudwatch_metric_alarm": _judge_aws,
    "azurerm_monitor_metric_alert": _judge_azure,
    "azurerm_monitor_scheduled_query_rules_alert": _judge_azure,
    "azurerm_monitor_scheduled_query_rules_alert_v2": _judge_azure,
    "google_monitoring_alert_policy": _judge_google,
    "datadog_monitor": _judge_datadog,
}
# Dashboard resource → how a widget that charts something is written in its body.
_DASHBOARDS = {
    "aws_cloudwatch_dashboard": r"\bmetrics\b[\s\"']*[:=]",
    "google_monitoring_dashboard": r"timeSeries(?:Query|Filter)",
    "azurerm_portal_dashboard": r"MonitorChartPart|\"metrics\"\s*:",
    "azurerm_dashboard": r"MonitorChartPart|\"metrics\"\s*:",
    "datadog_dashboard": r"(?m)^[ \t]*\w+_definition[ \t]*\{",
}


def alarms(sub: Submission) -> list[AlertRule]:
    """Every cloud alarm the repository's infrastructure code defines, judged."""
    cached = sub.memo("cloud-alarms")
    if cached is not None:
        return cached
    found: list[AlertRule] = []
    for rel, line, rtype, body in infra.terraform_resources(sub):
        judge = _ALARMS.get(rtype)
        if judge:
            name = _value(body, "alarm_name") or _value(body, "display_name") or _value(body, "name")
            found.append(judge(name or rtype, rel, line, body))
    for rel, line, rname, props in _cloudformation(sub, "AWS::CloudWatch::Alarm"):
        alarm = AlertRule(str(props.get("AlarmName") or rname), rel, line)
        if not (props.get("MetricName") or props.get("Metrics")):
            alarm.problems.append("watches no metric (MetricName or Metrics)")
        if not props.get("ComparisonOperator") or ("Threshold" not in props and "ThresholdMetricId" not in props):
            alarm.problems.append("no condition (ComparisonOperator and Threshold)")
        if "EvaluationPeriods" not in props:
            alarm.problems.append("no EvaluationPeriods (how long the condition must hold)")
        if not str(props.get("AlarmDescription") or "").strip():
            alarm.problems.append("no AlarmDescription for whoever is paged")
        found.append(alarm)
    return sub.memo("cloud-alarms", found)


def dashboards(sub: Submission) -> list[tuple[str, int, str, int]]:
    """(path, line, name, charting widgets) of cloud dashboards in infrastructure code."""
    found = []
    for rel, line, rtype, body in infra.terraform_resources(sub):
        pattern = _DASHBOARDS.get(rtype)
        if pattern:
            name = _value(body, "dashboard_name") or _value(body, "name") or rtype
            found.append((rel, line, name, len(re.findall(pattern, body))))
    for rel, line, rname, props in _cloudformation(sub, "AWS::CloudWatch::Dashboard"):
        text = str(props.get("DashboardBody") or "")
        found.append((rel, line, str(props.get("DashboardName") or rname), len(re.findall(_DASHBOARDS["aws_cloudwatch_dashboard"], text))))
    found.extend(json_dashboards(sub))
    return found


_LAYOUTS = ("mosaicLayout", "gridLayout", "rowLayout", "columnLayout")
_GCP_CHARTS = ("xyChart", "scorecard", "timeSeriesTable", "pieChart")


def json_dashboards(sub: Submission) -> list[tuple[str, int, str, int]]:
    """(path, 1, name, charting widgets) of cloud dashboards kept as their own JSON, known by
    their shape: Google Cloud Monitoring (``displayName`` and a layout of widgets or tiles) and
    CloudWatch (``widgets`` of ``type``/``properties``)."""
    found = []
    for rel in sub.by_suffix(".json"):
        text = sub.read_text(rel) or ""
        if '"widgets"' not in text and '"tiles"' not in text:
            continue
        data = sub.json_data(rel)
        if not isinstance(data, dict):
            continue
        layout = next((data[k] for k in _LAYOUTS if isinstance(data.get(k), dict)), None)
        if layout is not None and isinstance(data.get("displayName"), str):
            items = layout.get("tiles") or layout.get("widgets") or []
            if not items and isinstance(layout.get("rows") or layout.get("columns"), list):
                items = [w for part in layout.get("rows") or layout.get("columns") or [] if isinstance(part, dict)
                         for w in part.get("widgets") or [] if isinstance(part.get("widgets"), list)]
            widgets = [mapping(t.get("widget")) if "widget" in t else t for t in items if isinstance(t, dict)]
            charts = sum(1 for w in widgets if any(isinstance(w.get(k), dict) for k in _GCP_CHARTS))
            found.append((rel, 1, data["displayName"], charts))
        elif isinstance(data.get("widgets"), list) and set(data) <= {"widgets", "start", "end", "periodOverride"}:
            charts = sum(1 for w in data["widgets"] if isinstance(w, dict) and w.get("type") in ("metric", "log")
                         and (mapping(w.get("properties")).get("metrics") or mapping(w.get("properties")).get("query")))
            found.append((rel, 1, rel.rsplit("/", 1)[-1], charts))
    return found


def _cloudformation(sub: Submission, rtype: str):
    """(path, line, logical name, Properties) of CloudFormation resources of ``rtype`` in
    templates (plain, SAM or a Serverless ``resources:`` section), YAML or JSON."""
    for rel in sub.yaml_files():
        if rtype not in (sub.read_text(rel) or ""):
            continue  # cheap: only templates that name the type are parsed
        for doc in sub.yaml_docs_quiet(rel) or []:
            yield from _resources(doc, rel, rtype)
    for rel in sub.by_suffix(".json", ".template"):
        if rtype not in (sub.read_text(rel) or ""):
            continue
        yield from _resources(sub.json_data(rel), rel, rtype)


cloudformation_resources = _cloudformation


def _resources(doc, rel: str, rtype: str):
    if not isinstance(doc, dict):
        return
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        resources = mapping(mapping(doc.get("resources")).get("Resources"))  # Serverless Framework
    for rname, res in resources.items():
        if isinstance(res, dict) and res.get("Type") == rtype:
            yield rel, line_of(res, 1) or 1, str(rname), mapping(res.get("Properties"))
