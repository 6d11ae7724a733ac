"""Monitoring mixins in Jsonnet (``*.libsonnet``, ``*.jsonnet``), read statically — never
evaluated: the objects their source writes out, found by one linear pass over the tokens.

* Alerting rules: every object with an ``alert:`` field, its ``expr`` (the string literals it is
  built from, ``|||`` text blocks included), ``'for'``, ``labels`` and ``annotations`` judged as a
  Prometheus rule is (:func:`grader.evidence.alerts.judge`).
* Dashboards: the entries of a ``grafanaDashboards`` object (``'overview.json': ...``) and the
  Grafonnet dashboards built with ``dashboard.new(...)``, with the panels and queries their file
  builds (``graphPanel.new``, ``timeseries.new``..., ``prometheus.target``/``addTarget``).

Bounded: files over :data:`MAX_BYTES` are skipped, objects nest at most :data:`MAX_DEPTH` deep,
and every regular expression is linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.patterns import lazy

if TYPE_CHECKING:
    from grader.submission import Submission

SUFFIXES = (".libsonnet", ".jsonnet")
MAX_BYTES = 1_000_000
MAX_DEPTH = 64
# the start of one token: a comment, a `|||` text block, a string, a name, a number or one
# character; comments and strings are read to their end by hand (an unclosed one ends the file)
_SKIP = lazy(r"(?:\s+|//[^\n]*|\#[^\n]*)+")  # whitespace and line comments (greedy: never backtracks)
_TOKEN = lazy(r"(?P<long>/\*)|(?P<block>\|\|\|-?)|(?P<str>@?['\"])|(?P<name>[A-Za-z_]\w*)|(?P<num>\d[\w.]*)"
                    r"|(?P<op>[:+]?:{1,3}|.)", re.S)
_BODY = {"'": lazy(r"(?:[^'\\]|\\.)*", re.S), '"': lazy(r'(?:[^"\\]|\\.)*', re.S)}
_VERBATIM = {"'": lazy(r"(?:[^']|'')*"), '"': lazy(r'(?:[^"]|"")*')}
_PANEL_CALL = lazy(r"\b(?:graphPanel|timeseries|timeSeries|statPanel|stat|singlestat|gauge|table|tablePanel|"
                         r"heatmap|barGauge|pieChart|text|logPanel|logs|panel)\.new\s*\(")
_QUERY_CALL = lazy(r"\b(?:prometheus|loki|elasticsearch|influxdb|cloudwatch)\.target\s*\(|\.addTarget\s*\(")
_DASHBOARD_CALL = lazy(r"\bdashboard\.new\s*\(\s*(?:title\s*=\s*)?(['\"])([^'\"\n]{0,200})\1")


@dataclass(slots=True)
class _Object:
    line: int
    fields: dict = field(default_factory=dict)
    key: str | None = None  # the field whose value is being read
    strings: list[str] = field(default_factory=list)  # string literals of that value


def _tokens(text: str):
    """(kind, value, line) of every token (whitespace and comments skipped); a string or a
    ``|||`` block is one ``str`` token. Linear: every character is looked at a bounded number
    of times."""
    pos, line, end = 0, 1, len(text)
    match, skip = _TOKEN.match, _SKIP.match
    while pos < end:
        skipped = skip(text, pos)
        begin = skipped.end() if skipped else pos  # (nothing to skip: the token starts here)
        line += text.count("\n", pos, begin)
        m = match(text, begin)
        if m is None:  # only whitespace and comments were left
            break
        kind, stop = m.lastgroup, m.end()
        if kind == "long":
            close = text.find("*/", stop)
            stop = end if close < 0 else close + 2
        elif kind == "block":  # the text block runs to the next `|||`
            close = text.find("|||", stop)
            close = end if close < 0 else close
            yield "str", text[stop:close], line
            stop = min(end, close + 3)
        elif kind == "str":
            quote = text[stop - 1]
            body = (_VERBATIM if stop - begin == 2 else _BODY)[quote].match(text, stop)
            inner_end = body.end() if body else stop
            yield "str", text[stop:inner_end], line
            stop = min(end, inner_end + 1)
        else:
            yield kind, m.group(kind or 0), line
        line += text.count("\n", begin, stop)
        pos = stop


def objects(text: str) -> list[dict]:
    """Every object the source writes literally, as ``{"_line": n, field: value}`` where a value
    is a nested object (the dict) or the string literals it is built from, joined."""
    out: list[dict] = []
    stack: list[_Object | None] = []  # None: an array or parentheses
    previous: tuple[str, str, int] | None = None
    for kind, value, line in _tokens(text):
        top = stack[-1] if stack else None
        if kind == "op" and value in ("{", "[", "("):
            if len(stack) >= MAX_DEPTH:
                return out
            stack.append(_Object(line) if value == "{" else None)
        elif kind == "op" and value in ("}", "]", ")"):
            if not stack:
                continue
            done = stack.pop()
            if isinstance(done, _Object):
                _close_field(done)
                fields = {"_line": done.line, **done.fields}
                out.append(fields)
                parent = stack[-1] if stack else None
                if isinstance(parent, _Object) and parent.key is not None and parent.key not in parent.fields:
                    parent.fields[parent.key] = fields
        elif isinstance(top, _Object):
            if kind == "op" and value.endswith(":") and previous and previous[0] in ("name", "str"):
                if top.key is not None and top.strings and top.strings[-1] == previous[1]:
                    top.strings.pop()  # the key was taken as the value's last string
                _close_field(top)
                top.key = previous[1]
            elif kind == "op" and value == ",":
                _close_field(top)
            elif kind == "str" and top.key is not None:
                top.strings.append(value)
        previous = (kind, value, line)
    return out


def _close_field(obj: _Object) -> None:
    if obj.key is not None and obj.key not in obj.fields:
        obj.fields[obj.key] = "".join(obj.strings)
    obj.key, obj.strings = None, []


def _files(sub: Submission):
    for rel in sub.by_suffix(*SUFFIXES):
        if "/vendor/" in f"/{rel}":
            continue  # jsonnet-bundler's copies of other projects' libraries
        text = sub.read_text(rel)
        if text and len(text) <= MAX_BYTES:
            yield rel, text


def alert_objects(sub: Submission) -> list[tuple[str, int, dict]]:
    """(path, line, rule) of the alerting rules Jsonnet mixins write."""
    found = []
    for rel, text in _files(sub):
        if "alert" not in text:
            continue
        for obj in objects(text):
            if isinstance(obj.get("alert"), str) and ("expr" in obj or "labels" in obj):
                found.append((rel, obj["_line"], obj))
    return found


def dashboards(sub: Submission) -> list[tuple[str, int, str, int]]:
    """(path, line, title, querying panels) of the dashboards Jsonnet mixins build: a file's
    panels are credited to its first dashboard (``dashboard.new``), else to the entries of a
    ``grafanaDashboards`` object."""
    found = []
    for rel, text in _files(sub):
        panels, queries = len(_PANEL_CALL.findall(text)), len(_QUERY_CALL.findall(text))
        m = _DASHBOARD_CALL.search(text)
        if m:
            found.append((rel, text.count("\n", 0, m.start()) + 1, m.group(2) or rel, min(panels, queries)))
            continue
        if "grafanaDashboards" not in text:
            continue
        for obj in objects(text):
            names = [k for k in obj if isinstance(k, str) and k.endswith(".json")]
            if names and panels:
                found.append((rel, obj["_line"], names[0], min(panels, queries) or panels))
    return found
