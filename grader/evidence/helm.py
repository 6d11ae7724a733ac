"""Helm chart templates read without rendering (best effort, never a crash).

Template text is not YAML. To still see the Kubernetes objects in ``templates/``:

* ``{{ toYaml .Values.x | nindent N }}`` (and ``indent``) is replaced by the value of
  ``.Values.x`` from the chart's ``values.yaml``, dumped at that indentation;
* other lines that hold only template actions (``{{- if ... }}``, ``{{- end }}``,
  ``{{- include ... }}``) are dropped;
* any remaining ``{{ ... }}`` inside a line becomes a placeholder scalar.

What still doesn't parse is skipped quietly: a chart is evidence, not a learner's error.
"""

from __future__ import annotations

import re

import yaml

_VALUES_BLOCK = re.compile(
    r"^(?P<lead>[ \t]*)\{\{-?\s*(?:toYaml\s+)?\.Values\.(?P<path>[\w.]+)\s*\|\s*(?:n?indent)\s+(?P<n>\d+)\s*-?\}\}\s*$"
)
_ACTION_ONLY = re.compile(r"^\s*(\{\{-?.*?-?\}\}\s*)+$")
_INLINE = re.compile(r"\{\{-?.*?-?\}\}")


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


def render(text: str, values: dict | None) -> str:
    out = []
    for line in text.split("\n"):
        if "{{" not in line:
            out.append(line)
            continue
        m = _VALUES_BLOCK.match(line)
        if m:
            value = _lookup(values or {}, m.group("path"))
            if value is not None:
                dumped = yaml.safe_dump(_plain(value), default_flow_style=False, sort_keys=False)
                pad = " " * int(m.group("n"))
                out.extend(pad + d for d in dumped.rstrip("\n").split("\n"))
            continue
        if _ACTION_ONLY.match(line):
            continue
        out.append(_INLINE.sub("TEMPLATED", line))
    return "\n".join(out)


def _plain(value):
    """Our YDict/YList back to plain dict/list for safe_dump."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
