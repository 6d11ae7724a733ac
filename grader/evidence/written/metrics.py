"""Task 4's success metrics, one item per metric: each row of a table, each item of a list,
each labelled line or sub-section, grouped as technical, business or DORA by the heading, label
or column it sits under — or, under none, by what it measures. A metric with a target or a
definition is worth more than a bare name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader import yamlload
from grader.evidence import substance as sb
from grader.evidence.written import fingerprints as fp
from grader.evidence.written.parts import label_parts, tables
from grader.evidence.written.placement import placements
from grader.patterns import lazy

GROUPS = ("technical", "business", "dora")
_GROUP_TITLE = {
    "dora": lazy(r"dora|delivery\s+(?:performance|metrics)|four\s+key|devops\s+(?:performance|metrics)|"
                       r"accelerate", re.I),
    "technical": lazy(r"technical|system|performance|reliability|engineering|operational|\bsre\b|infrastructure|"
                            r"application|service\s+health|error|\bops\b|platform", re.I),
    "business": lazy(r"business|product|customer|user|commercial|marketing|revenue|adoption|financial|growth|"
                           r"engagement|satisfaction|outcome", re.I),
}
DORA = {
    "lead time": lazy(r"lead\s*[- ]?time", re.I),
    "deployment frequency": lazy(r"deploy(?:ment)?s?\s*frequency|frequency\s+of\s+deploy|deploy(?:s|ments)?\s+per\b|"
                                       r"how\s+often\s+(?:we\s+)?deploy", re.I),
    "change failure rate": lazy(r"change\s*[- ]?fail(?:ure)?\s*(?:rate|%)|failed\s+(?:changes|deploy\w*)\s*(?:rate|%)?|"
                                      r"\bcfr\b", re.I),
    "time to restore": lazy(r"time\s*to\s*(?:restore|recover|repair)|mttr|mean\s*time\s*to\s*(?:restore|recover|repair)|"
                                  r"\bmttr\b|recovery\s+time", re.I),
}
_BY_WORDS = {
    "technical": lazy(r"error|latency|uptime|availability|p9\d|cpu|memory|queue|throughput|response\s+time|5xx|"
                            r"crash|delivery\s+rate|send\s+(?:rate|success|failure)|bounce|job\s+(?:duration|runtime)|"
                            r"duration|timeouts?|failures?|success\s+rate|slo\b|apdex|saturation|lag|retries", re.I),
    "business": lazy(r"open\s+rate|click|conversion|revenue|recover|unsubscribe|opt-?out|roi\b|aov|order|retention|"
                           r"nps|csat|satisfaction|support\s+tickets?|adoption|sales|cost|churn|engagement|signups?|"
                           r"complaints?|\$|€|£", re.I),
}
TARGET = lazy(r"\d|<|>|≤|≥|\b(?:daily|weekly|hourly|monthly|per\s+(?:day|week|hour)|on\s+demand|several|multiple|"
                    r"once|twice|under|below|above|at\s+least|at\s+most|less\s+than|more\s+than)\b", re.I)
_ITEM = lazy(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_BOLD_LEAD = lazy(r"^\s*((?:\*\*|__)[^*_\n]{2,80}(?:\*\*|__)\s*\S.*)$")
_FORMAT_LABELS = {"metric": lazy(r"^metric|^kpi|^measure|^what", re.I),
                  "target": lazy(r"^target|^goal|^threshold|^alert|^sla|^slo|^objective", re.I)}


@dataclass(frozen=True, slots=True)
class Metric:
    text: str
    rel: str
    line: int
    group: str | None
    targeted: bool
    copied: bool


def _group_of_title(title: str) -> str | None:
    for group, rx in _GROUP_TITLE.items():
        if rx.search(title):
            return group
    return None


def group_by_words(text: str) -> str | None:
    if any(rx.search(text) for rx in DORA.values()):
        return "dora"
    hits = [g for g, rx in _BY_WORDS.items() if rx.search(text)]
    return hits[0] if len(hits) == 1 else None


def metrics(sub) -> list[Metric]:
    """Every metric of the success-metrics places (cached)."""
    cached = sub.memo("written:metrics")
    if cached is not None:
        return cached
    out: list[Metric] = []
    for place in placements(sub)[4]:
        out += _read(place.rel, place.section, None)
    return sub.memo("written:metrics", out)


_COLUMNS = lazy(r"\S {2,}\S|\d")  # aligned columns, or a number: a metric's row, not wrapped prose


_MEASURE = lazy(r"\b(?:rate|ratio|time|latency|delay|p9\d|p50|percent|%|count|number|revenue|value|conversion|"
                      r"bounces?|opens?|clicks?|opt-?outs?|tickets|frequency|lead\s+time|restore|uptime|availability|"
                      r"errors?|failures?|throughput|queue|cost|orders?|satisfaction|nps|csat)\b", re.I)
_CLAUSE = lazy(r"[^,;()]+(?:\([^()]{0,200}\)[^,;()]*)*")


def _prose_metrics(rel: str, lines: list[str], base: int, group: str | None, skip: set[int]) -> list[Metric]:
    """Metrics told in sentences, a paragraph per group ("On the technical side we watch the
    failure rate of sends (target under 0.5%), the delay ... and the p95 of the cart page"):
    each clause that names something measured is a metric, its group the paragraph's."""
    out: list[Metric] = []
    paragraph: list[str] = []
    start = base
    for i, line in enumerate([*lines, ""]):
        if line.strip() and not line.lstrip().startswith(("#", "|", "```", "~~~")) and not _ITEM.match(line):
            if not paragraph:
                start = base + i
            paragraph.append(line.strip())
            continue
        text = sb.without_placeholders(" ".join(paragraph))
        paragraph = []
        if len(text.split()) < 8 or start in skip:
            continue
        lead = _group_of_title(" ".join(text.split()[:8])) or group
        for clause in _CLAUSE.findall(text):
            clause = clause.strip(" .")
            if len(clause.split()) >= 2 and _MEASURE.search(clause):
                out.append(_make(clause, rel, start, lead))
    return out[:60]


def _unfenced(body: str) -> list[str]:
    """The body's lines outside fenced blocks."""
    out, fenced = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced:
            out.append(line)
    return out


def _plain_lines(lines: list[str], base: int) -> list[tuple[str, int]]:
    """Metrics written one per line without list marks (plain text, aligned columns): each line
    at the body's own indentation, with the more indented lines under it joined to it."""
    filled = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if not filled:
        return []
    indent = min(len(line) - len(line.lstrip()) for _, line in filled)
    out: list[tuple[str, int]] = []
    for i, line in filled:
        if len(line) - len(line.lstrip()) > indent and out:
            out[-1] = (out[-1][0] + " " + line.strip(), out[-1][1])
        elif len(line.split()) >= 2 and _COLUMNS.search(line) and not sb.is_placeholder(line):
            out.append((" ".join(line.split()), base + i))
    return out


def _make(text: str, rel: str, line: int, group: str | None) -> Metric:
    text = sb.without_placeholders(text).strip()
    g = group or group_by_words(text)
    if g != "dora" and any(rx.search(text) for rx in DORA.values()):
        g = "dora"
    # a metric is the exercise's own when its whole example was pasted (its Metric, Target and
    # Measured-by lines), not when it measures the same thing ("email send failure rate")
    lines = [line for line in text.split("\n") if line.strip()]
    copied = len(lines) >= 3 and sum(1 for line in lines if fp.copied_sentence(line)) >= 2 and fp.is_copied(text)
    return Metric(" ".join(text.split()), rel, line, g, bool(TARGET.search(text)), copied)


def _read(rel: str, section, inherited: str | None) -> list[Metric]:
    group = (_group_of_title(section.title) if section.level else None) or inherited
    out: list[Metric] = []
    base = section.line + 1 if section.level else 1
    body = section.body
    # a metric written as its own sub-section: "### Error rate" with Metric / Target / Alert lines
    fields = [m.group(1) for line in _unfenced(body) if (m := _ITEM.match(line) or re.match(r"^\s*(.*)$", line))]
    labelled_fields = [f for f in fields if re.match(r"^\W*(?:metric|kpi|target|goal|alert(?:\s+if)?|measured|baseline|"
                                                     r"threshold|definition|how)\b[^:]{0,20}:", f, re.I)]
    leaf_metric = (section.level and not section.children and inherited and _group_of_title(section.title) is None
                   and 0 < len([f for f in fields if f.strip()]) <= 6)
    if section.level and (len(labelled_fields) >= 2 or leaf_metric):
        text = section.title + ":\n" + "\n".join(line for line in body.split("\n") if line.strip())
        values = [f.split(":", 1)[-1] for f in labelled_fields] or fields
        if not sb.is_placeholder(" ".join(values)):
            return [_make(text, rel, section.line, group)]
        return []
    for table in tables(body, base):
        head = [h.lower() for h in table.header]
        type_col = next((i for i, h in enumerate(head) if h.strip("* ") in ("type", "category", "kind", "group", "area")), None)
        for line, row in table.rows:
            row_group = group
            if type_col is not None and type_col < len(row):
                row_group = _group_of_title(row[type_col]) or group
            text = " ".join(c for i, c in enumerate(row) if i != type_col)
            if not sb.is_placeholder(text):
                out.append(_make(text, rel, line, row_group))
    in_table = {line for t in tables(body, base) for line, _ in t.rows} | {t.line for t in tables(body, base)}
    labelled = label_parts(body, base, {"technical": _GROUP_TITLE["technical"], "business": _GROUP_TITLE["business"],
                                        "dora": _GROUP_TITLE["dora"]})
    for g, part in labelled.items():
        for piece in re.split(r";|\n[ \t]*[-*]\s|,(?= ?[A-Za-z])", part.text):
            if piece.strip() and not sb.is_placeholder(piece):
                out.append(_make(piece, rel, part.line, g))
    lines = body.split("\n")
    listed = 0
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced or base + i in in_table or any(p.line == base + i for p in labelled.values()):
            continue
        m = _ITEM.match(line) or (_BOLD_LEAD.match(line) if group else None)
        if m and not sb.is_placeholder(m.group(1)):
            out.append(_make(m.group(1), rel, base + i, group))
            listed += 1
    if group and not listed and not in_table and not labelled:
        out += [_make(text, rel, line, group) for text, line in _plain_lines(lines, base)]
    fenced_items = _fenced_metrics(rel, body, base, group)
    out += fenced_items
    if not listed and not in_table and not fenced_items:
        out += _prose_metrics(rel, lines, base, group, {p.line for p in labelled.values()})
    for child in section.children:
        out += _read(rel, child, group)
    return out


_FENCE = lazy(r"^[ \t]{0,3}(```|~~~)[ \t]*(yaml|yml|json)?[ \t]*$", re.I)


def _fenced_metrics(rel: str, body: str, base: int, group: str | None) -> list[Metric]:
    """Metrics kept as data in a fenced YAML or JSON block (``technical: [{name, target}...]``),
    read with the bounded loader."""
    out: list[Metric] = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m.group(2):
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == m.group(1)), len(lines))
        try:
            data = yamlload.load("\n".join(lines[i + 1:end])[:100_000], max_nodes=5_000)
        except yamlload.YamlError:
            data = None
        _walk(data, group, rel, base + i + 1, out, 0)
        i = end + 1
    return out


def _walk(data, group: str | None, rel: str, line: int, out: list[Metric], depth: int) -> None:
    if depth > 6 or len(out) > 200:
        return
    if isinstance(data, dict):
        if any(isinstance(v, (dict, list)) for v in data.values()):
            for key, value in data.items():
                _walk(value, _group_of_title(str(key)) or group, rel, yamlload.line_of(value, line) or line, out, depth + 1)
            return
        text = "; ".join(f"{k}: {v}" for k, v in data.items())
        if text.strip():
            out.append(_make(text, rel, yamlload.line_of(data, line) or line, group))
    elif isinstance(data, list):
        for n, item in enumerate(data):
            _walk(item, group, rel, yamlload.item_line(data, n, line) or line, out, depth + 1)
    elif isinstance(data, str) and data.strip():
        out.append(_make(data, rel, line, group))
