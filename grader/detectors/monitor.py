"""Monitor: Prometheus alert rules and Grafana dashboards."""

from __future__ import annotations

import posixpath
import re

from grader.detectors import detector
from grader.detectors.common import loc, plural
from grader.evidence import alerts
from grader.model import Finding


@detector(
    "alert-rules",
    title="Alert rules",
    looks_for="Prometheus alerting rules, found by content (rule files, `PrometheusRule` "
    "resources, rule groups embedded in other YAML). A rule is well formed with an `alert` name, "
    "a non-empty `expr` that is plausible PromQL, a valid `for` duration, a `severity` label and a "
    "`summary` or `description` annotation. Credit by the share of well-formed rules; at least "
    "`min_rules` are needed. Recording rules are not alerts; `groups: []` is nothing.",
    why="Alerts on symptoms (error rate, latency) page a human only when users are hurt, and "
    "`for:` keeps a single bad scrape from waking anyone.",
    params={"min_rules": {"type": "integer", "minimum": 1, "maximum": 1000},
            "require_runbook": {"type": "boolean"}},
    defaults={"min_rules": 2, "require_runbook": False},
)
def alert_rules(sub, p):
    scan = alerts.scan(sub)
    rules = scan.alerts
    for rule in rules:
        _check_runbook(sub, rule, p["require_runbook"])
    if not rules:
        if scan.group_files:
            rel, line = scan.group_files[0]
            extra = f" ({plural(scan.recording, 'recording rule')} only)" if scan.recording else ""
            return Finding.failed(f"rule groups in {rel} hold no alerting rules{extra}", [loc(rel, line)])
        return Finding.failed("no Prometheus alerting rules found")
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
    "panels that query something (a target with a non-empty `expr`/`query`).",
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
    if best is None:
        return Finding.failed("no Grafana dashboard found")
    rel, n, title, total = best
    msg = f"dashboard {title!r} in {rel}: {n} of {plural(total, 'panel')} query data"
    return Finding.ratio(n / p["min_panels"], msg, [loc(rel, 1)])


def _json(text):
    import json

    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
