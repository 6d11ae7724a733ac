"""Helm chart templates read without rendering (best effort, never a crash).

Template text is not YAML. To still see the Kubernetes objects in ``templates/``:

* ``{{ toYaml .Values.x | nindent N }}`` (and ``indent``) is replaced by the value of
  ``.Values.x`` from the chart's ``values.yaml``, dumped at that indentation;
* other lines that hold only template actions (``{{- if ... }}``, ``{{- end }}``,
  ``{{- include ... }}``) are dropped;
* any remaining ``{{ ... }}`` inside a line becomes a placeholder scalar;
* an action that spans lines (a ``{{/* ... */}}`` comment) is split into one per line first.

What still doesn't parse is skipped quietly: a chart is evidence, not a learner's error.
"""

from __future__ import annotations

import yaml

from grader.patterns import lazy

_VALUES_BLOCK = lazy(
    r"^(?P<lead>[ \t]*)\{\{-?\s*(?:toYaml\s+)?\.Values\.(?P<path>[\w.]+)\s*\|\s*(?:n?indent)\s+(?P<n>\d+)\s*-?\}\}\s*$"
)
def _actions(line: str) -> list[tuple[int, int]]:
    """The spans of the template actions ``{{ ... }}`` of a line, found in one pass (an
    unclosed ``{{`` is text): linear in the line, whatever it holds."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        start = line.find("{{", pos)
        if start < 0:
            return spans
        end = line.find("}}", start + 2)
        if end < 0:
            return spans
        spans.append((start, end + 2))
        pos = end + 2


def _without_actions(line: str, spans: list[tuple[int, int]], filler: str) -> str:
    out, pos = [], 0
    for start, end in spans:
        out.append(line[pos:start])
        out.append(filler)
        pos = end
    out.append(line[pos:])
    return "".join(out)


def chart_root(rel: str, files: frozenset[str]) -> str | None:
    """The chart folder when ``rel`` is a template of a chart (``<chart>/templates/...``)."""
    parts = rel.split("/")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] == "templates":
            root = "/".join(parts[:i])
            if (f"{root}/Chart.yaml" if root else "Chart.yaml") in files:
                return root
    return None


def _lookup(values, dotted: str):
    node = values
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _one_line_actions(text: str) -> str:
    """An action that spans lines (a ``{{/* ... */}}`` comment, a long ``{{ if and ... }}``)
    split into one action per line, so every line stays where it was: found in one pass."""
    if "{{" not in text:
        return text
    out, pos = [], 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        out.append(text[pos:start])
        out.append(text[start:end + 2].replace("\n", "}}\n{{"))
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


def render(text: str, values: dict | None, budget=None) -> str:
    """The template with its actions dropped and ``.Values`` blocks filled in; every line put out
    spends its bytes from the submission's evidence ``budget`` (rendering stops when it is spent)."""
    from grader.evidence import budget as evidence_budget

    budget = budget if budget is not None else evidence_budget.Budget()
    text = _one_line_actions(text)
    out = []
    dumps: dict[tuple[str, int], list[str]] = {}  # each value is dumped once, however often it is used
    for line in text.split("\n"):
        if not budget.spend("a Helm template", 0, len(line) + 1):
            break
        if "{{" not in line:
            out.append(line)
            continue
        m = _VALUES_BLOCK.match(line)
        if m:
            key = (m.group("path"), int(m.group("n")))
            if key not in dumps:
                value = _lookup(values or {}, key[0])
                dumped = yaml.safe_dump(_plain(value), default_flow_style=False, sort_keys=False) \
                    if value is not None else ""
                dumps[key] = [" " * key[1] + d for d in dumped.rstrip("\n").split("\n")] if dumped else []
            if not budget.spend("a Helm template", 0, sum(len(d) + 1 for d in dumps[key])):
                break
            out.extend(dumps[key])
            continue
        spans = _actions(line)
        if not _without_actions(line, spans, "").strip():
            continue  # the line is only template actions
        out.append(_without_actions(line, spans, "TEMPLATED"))
    return "\n".join(out)


def _plain(value):
    """Our YDict/YList back to plain dict/list for safe_dump."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
