"""Task 4's success metrics, one item per metric: each row of a table, each item of a list,
each labelled line or sub-section, grouped as technical, business or DORA by the heading, label
or column it sits under — or, under none, by what it measures. A metric with a target or a
definition is worth more than a bare name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.evidence import substance as sb
from grader.evidence.written import fingerprints as fp
from grader.evidence.written.parts import label_parts, tables
from grader.evidence.written.placement import placements

GROUPS = ("technical", "business", "dora")
_GROUP_TITLE = {
    "dora": re.compile(r"dora|delivery\s+(?:performance|metrics)|four\s+key|devops\s+(?:performance|metrics)|"
                       r"accelerate", re.I),
    "technical": re.compile(r"technical|system|performance|reliability|engineering|operational|\bsre\b|infrastructure|"
                            r"application|service\s+health|error|\bops\b|platform", re.I),
    "business": re.compile(r"business|product|customer|user|commercial|marketing|revenue|adoption|financial|growth|"
                           r"engagement|satisfaction|outcome", re.I),
}
DORA = {
    "lead time": re.compile(r"lead\s*[- ]?time", re.I),
    "deployment frequency": re.compile(r"deploy(?:ment)?s?\s*frequency|frequency\s+of\s+deploy|deploy(?:s|ments)?\s+per\b|"
                                       r"how\s+often\s+(?:we\s+)?deploy", re.I),
    "change failure rate": re.compile(r"change\s*[- ]?fail(?:ure)?\s*(?:rate|%)|failed\s+(?:changes|deploy\w*)\s*(?:rate|%)?|"
                                      r"\bcfr\b", re.I),
    "time to restore": re.compile(r"time\s*to\s*(?:restore|recover|repair)|mttr|mean\s*time\s*to\s*(?:restore|recover|repair)|"
                                  r"\bmttr\b|recovery\s+time", re.I),
}
_BY_WORDS = {
    "technical": re.compile(r"error|latency|uptime|availability|p9\d|cpu|memory|queue|throughput|response\s+time|5xx|"
                            r"crash|delivery\s+rate|send\s+(?:rate|success|failure)|bounce|job\s+(?:duration|runtime)|"
                            r"duration|timeouts?|failures?|success\s+rate|slo\b|apdex|saturation|lag|retries", re.I),
    "business": re.compile(r"open\s+rate|click|conversion|revenue|recover|unsubscribe|opt-?out|roi\b|aov|order|retention|"
                           r"nps|csat|satisfaction|support\s+tickets?|adoption|sales|cost|churn|engagement|signups?|"
                           r"complaints?|\$|€|£", re.I),
}
TARGET = re.compile(r"\d|<|>|≤|≥|\b(?:daily|weekly|hourly|monthly|per\s+(?:day|week|hour)|on\s+demand|several|multiple|"
                    r"once|twice|under|below|above|at\s+least|at\s+most|less\s+than|more\s+than)\b", re.I)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_BOLD_LEAD = re.compile(r"^\s*((?:\*\*|__)[^*_\n]{2,80}(?:\*\*|__)\s*\S.*)$")
_FORMAT_LABELS = {"metric": re.compile(r"^metric|^kpi|^measure|^what", re.I),
                  "target": re.compile(r"^target|^goal|^threshold|^alert|^sla|^slo|^objective", re.I)}


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
    fields = [m.group(1) for line in body.split("\n") if (m := _ITEM.match(line) or re.match(r"^\s*(.*)$", line))]
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
    for i, line in enumerate(lines):
        if base + i in in_table or any(p.line == base + i for p in labelled.values()):
            continue
        m = _ITEM.match(line) or (_BOLD_LEAD.match(line) if group else None)
        if m and not sb.is_placeholder(m.group(1)):
            out.append(_make(m.group(1), rel, base + i, group))
    for child in section.children:
        out += _read(rel, child, group)
    return out
