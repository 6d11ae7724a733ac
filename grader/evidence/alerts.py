"""Prometheus alerting rules, found by content (rule files, ``PrometheusRule`` resources,
rules embedded under a ``groups:`` key anywhere in a YAML document, ``*.rules`` files, and rule
groups in Terraform or template heredocs), and the alerts of Jsonnet mixins
(:mod:`grader.evidence.jsonnet`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.evidence import heredocs, jsonnet
from grader.patterns import lazy
from grader.yamlload import embedded_docs, item_line, line_of, mapping

if TYPE_CHECKING:
    from grader.submission import Submission

_DURATION = lazy(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
_METRIC = lazy(r"[A-Za-z_:][A-Za-z0-9_:]*")
_PROMQL_WORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "sum", "avg", "min", "max", "count", "rate", "irate", "increase",
    "histogram_quantile", "absent", "time", "vector", "scalar", "topk", "bottomk", "le",
    "quantile", "stddev", "delta", "deriv", "predict_linear", "count_over_time", "avg_over_time",
    "max_over_time", "min_over_time", "sum_over_time", "label_replace", "clamp_min", "clamp_max",
    "abs", "ceil", "floor", "round", "sort", "changes", "resets", "absent_over_time",
}


@dataclass(slots=True)
class AlertRule:
    name: str
    path: str
    line: int
    problems: list[str] = field(default_factory=list)
    runbook: str | None = None
    expr: str = ""  # the PromQL, for what it selects (see :func:`selected_metrics`)

    @property
    def well_formed(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class RuleScan:
    alerts: list[AlertRule] = field(default_factory=list)
    recording: int = 0
    group_files: list[tuple[str, int]] = field(default_factory=list)  # files with a groups: key
    recorded: set[str] = field(default_factory=set)  # the series recording rules produce


def valid_duration(value) -> bool:
    return isinstance(value, str) and bool(_DURATION.match(value.strip()))


def plausible_promql(expr) -> str | None:
    """None when ``expr`` looks like PromQL, else the reason it does not."""
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return "expr is a bare number: it never selects a metric"
    if not isinstance(expr, str) or not expr.strip():
        return "expr is empty"
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return "expr has unbalanced brackets"
    if stack:
        return "expr has unbalanced brackets"
    for rng in re.findall(r"\[([^\[\]]*)\]", text):
        inner = rng.split(":")[0].strip()
        if inner and not _DURATION.match(inner):
            return f"expr has an invalid range duration [{rng}]"
    outside = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", text)
    names = [w for w in _METRIC.findall(outside) if w.lower() not in _PROMQL_WORDS]
    if not names and "{" not in text:
        return "expr selects no metric"
    return None


_LABEL_LISTS = lazy(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# an identifier that is whole (not inside a number such as 1e3 or 0.5h, nor part of a longer one)
# and not called (a function or an aggregation)
_SELECTED = lazy(r"(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(?![A-Za-z0-9_:])(?![ \t\n]{0,50}\()")
_NAME_MATCHER = lazy(r"""__name__\s*=\s*["']([A-Za-z_:][A-Za-z0-9_:]*)["']""")


def selected_metrics(expr: str) -> list[str]:
    """The metric names a PromQL expression selects: identifiers that are not functions or
    aggregations (followed by ``(``), keywords, label lists (``by (le)``), label matchers, range
    durations or strings — and ``{__name__="x"}``."""
    named = _NAME_MATCHER.findall(expr)
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = _LABEL_LISTS.sub(" ", text)
    text = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", text)
    text = re.sub(r"\boffset\s+\S+", " ", text)
    out = list(named)
    for m in _SELECTED.finditer(text):
        word = m.group(1)
        if word.lower() not in _PROMQL_WORDS and word.lower() not in ("inf", "nan") and word not in out:
            out.append(word)
    return out


def recorded_names(sub: Submission) -> set[str]:
    """The series the repository's recording rules produce (``record:``), read with the scan."""
    return scan(sub).recorded


def scan(sub: Submission) -> RuleScan:
    cached = sub.memo("alerts")
    if cached is not None:
        return cached
    result = RuleScan()
    for rel in sub.yaml_files():
        if rel.startswith(".github/"):
            continue
        if "groups" not in (sub.read_text(rel) or ""):
            continue  # no rule group can be in it: don't parse
        for doc in sub.yaml_docs_quiet(rel) or []:
            for groups, gline in _find_groups(doc, depth=0):
                result.group_files.append((rel, gline))
                for group in groups:
                    rules = group.get("rules") if isinstance(group, dict) else None
                    if not isinstance(rules, list):
                        continue
                    for i, rule in enumerate(rules):
                        if not isinstance(rule, dict):
                            continue
                        if "record" in rule and "alert" not in rule:
                            result.recording += 1
                            result.recorded.add(str(rule["record"]))
                            continue
                        if "alert" in rule:
                            result.alerts.append(judge(rule, rel, line_of(rule, item_line(rules, i)) or 0))
    for rel, line, text in _embedded_rule_texts(sub):
        for doc in embedded_docs(text):
            for groups, gline in _find_groups(doc, depth=0):
                result.group_files.append((rel, line + gline - 1))
                _collect_rules(result, groups, rel, line - 1)
    for rel, line, doc in heredocs.yaml_documents(sub):  # rules a pipeline writes (`cat > alerts.yml <<EOF`)
        for groups, gline in _find_groups(doc, depth=0):
            result.group_files.append((rel, line + gline - 1))
            _collect_rules(result, groups, rel, line - 1)
    result.alerts.extend(judge(rule, rel, line) for rel, line, rule in jsonnet.alert_objects(sub))
    return sub.memo("alerts", result)


_HEREDOC = lazy(r"<<-?\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?[ \t]*\n")
_TEXT_SUFFIXES = (".rules", ".tf", ".tftpl", ".hcl", ".tpl", ".j2", ".jinja", ".tmpl")


def _embedded_rule_texts(sub: Submission):
    """(path, first line, text) of rule groups kept outside YAML files: a ``*.rules`` file, or a
    heredoc in Terraform and other templates (``content = <<EOF ... EOF``)."""
    for rel in sub.by_suffix(*_TEXT_SUFFIXES):
        text = sub.read_text(rel) or ""
        if "groups:" not in text or "alert:" not in text:
            continue
        if rel.endswith(".rules"):
            yield rel, 1, text
            continue
        pos = 0
        while True:
            m = _HEREDOC.search(text, pos)
            if not m:
                break
            end_tag = re.compile(rf"(?m)^[ \t]*{re.escape(m.group(1))}[ \t]*$")
            end = end_tag.search(text, m.end())
            body = text[m.end(): end.start() if end else len(text)]
            if "groups:" in body:
                yield rel, text.count("\n", 0, m.end()) + 1, _dedent(body)
            pos = end.end() if end else len(text)


def _dedent(body: str) -> str:
    import textwrap

    return textwrap.dedent(body)


def _collect_rules(result: RuleScan, groups, rel: str, offset: int) -> None:
    for group in groups:
        rules = group.get("rules") if isinstance(group, dict) else None
        if not isinstance(rules, list):
            continue
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            if "record" in rule and "alert" not in rule:
                result.recording += 1
                result.recorded.add(str(rule["record"]))
            elif "alert" in rule:
                result.alerts.append(judge(rule, rel, offset + (line_of(rule, item_line(rules, i)) or 1)))


def _find_groups(value, depth):
    """Every ``groups:`` list of rule groups, at any depth (PrometheusRule spec, Helm values,
    ConfigMap data parsed as YAML)."""
    if depth > 12:
        return
    if isinstance(value, dict):
        groups = value.get("groups")
        if isinstance(groups, list) and any(isinstance(g, dict) and "rules" in g for g in groups):
            yield groups, value.line_of("groups") if hasattr(value, "line_of") else 1
            return
        if isinstance(value.get("groups"), list) and not value.get("groups"):
            yield [], value.line_of("groups") if hasattr(value, "line_of") else 1
            return
        for _key, child in value.items():
            if isinstance(child, (dict, list)):
                yield from _find_groups(child, depth + 1)
            elif isinstance(child, str) and "groups:" in child and "rules:" in child and len(child) < 200_000:
                for doc in embedded_docs(child):
                    for groups, gline in _find_groups(doc, depth + 1):
                        yield groups, (line_of(value, 1) or 1) + gline
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                yield from _find_groups(item, depth + 1)


def judge(rule: dict, rel: str, line: int) -> AlertRule:
    """A rule (a mapping of ``alert``, ``expr``, ``for``, ``labels``, ``annotations``) judged."""
    name = rule.get("alert")
    alert = AlertRule(str(name) if name else "(unnamed)", rel, line or 1)
    if not isinstance(name, str) or not name.strip():
        alert.problems.append("no alert name")
    reason = plausible_promql(rule.get("expr"))
    expr = rule.get("expr")
    alert.expr = expr if isinstance(expr, str) else ""
    if reason:
        alert.problems.append(reason)
    if "for" not in rule:
        alert.problems.append("no `for:` duration (it would fire on a single bad scrape)")
    elif not valid_duration(rule.get("for")):
        alert.problems.append(f"`for: {rule.get('for')}` is not a valid duration")
    labels = mapping(rule.get("labels"))
    if not str(labels.get("severity") or "").strip():
        alert.problems.append("no severity label")
    notes = mapping(rule.get("annotations"))
    if not any(str(notes.get(k) or "").strip() for k in ("summary", "description", "message")):
        alert.problems.append("no summary or description annotation")
    runbook = notes.get("runbook_url") or notes.get("runbook")
    alert.runbook = str(runbook) if runbook else None
    return alert


def alertmanager_configs(value, depth=0):
    """Alertmanager configurations (route + receivers) anywhere in a document, as text or YAML."""
    if depth > 8:
        return
    if isinstance(value, dict):
        if isinstance(value.get("route"), dict) and isinstance(value.get("receivers"), list):
            yield value
            return
        for child in value.values():
            if isinstance(child, (dict, list)):
                yield from alertmanager_configs(child, depth + 1)
            elif isinstance(child, str) and "receivers:" in child and "route:" in child and len(child) < 200_000:
                for doc in embedded_docs(child):
                    yield from alertmanager_configs(doc, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from alertmanager_configs(item, depth + 1)

