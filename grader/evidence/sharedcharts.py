"""Monitoring switched on in shared Helm charts: a chart whose ``Chart.yaml`` depends on a chart
that is not held in the repository (a chart repository, an OCI registry) and whose values turn
on that chart's monitoring — ``serviceMonitor``/``podMonitor``/``metrics`` (collection),
``prometheusRule``/``alerts`` (alerting) with ``enabled: true`` — or a dependency that is an
alerting chart by its own name (``generic-prometheus-alerts``) left switched on. The rules and
monitors themselves live in the dependency, which cannot be read here: what is found is what
the values switch on, never what the shared chart renders."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.patterns import lazy
from grader.yamlload import mapping

if TYPE_CHECKING:
    from grader.submission import Submission

# value keys that switch a shared chart's monitoring on, and what they switch on
_SWITCHES = {"servicemonitor": "collect", "podmonitor": "collect", "metrics": "collect", "monitoring": "collect",
             "prometheusrule": "alert", "prometheusrules": "alert", "alerts": "alert", "alerting": "alert",
             "prometheusalerts": "alert"}
# a dependency that is itself an alerting or scraping chart, by its name
_MONITOR_CHART = lazy(r"(?:^|[-_])(?:prometheus[-_]?rules|(?:prometheus[-_]?)?(?:alerts?|alerting)|servicemonitors?|"
                      r"podmonitors?)(?:$|[-_])")
_FAR = ("http://", "https://", "oci://", "@", "alias:")
_MAX_CHARTS = 50
_MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class Switch:
    what: str  # "collect" or "alert"
    chart: str  # the dependency chart's name
    path: str  # the values file (or Chart.yaml) that switches it on
    line: int
    said: str  # how it is switched on, for a message


def switches(sub: Submission) -> list[Switch]:
    """The monitoring the repository's charts switch on in dependency charts not held here."""
    cached = sub.memo("sharedcharts")
    if cached is not None:
        return cached
    out: list[Switch] = []
    charts = [f for f in sub.files if posixpath.basename(f) == "Chart.yaml"][:_MAX_CHARTS]
    folders: dict[str, list[str]] = {}  # the values files of each folder, found in one pass
    if charts:
        for f in sub.files:
            if f.endswith((".yaml", ".yml")):
                folders.setdefault(posixpath.dirname(f), []).append(f)
    for chart in charts:
        root = posixpath.dirname(chart)
        far = _far_dependencies(sub, chart, root)
        if not far:
            continue
        values = _values_files(folders, root)
        for dep, (key, line, condition) in far.items():
            out.extend(_switched(sub, values, dep, key, chart, line, condition))
    return sub.memo("sharedcharts", out)


def _far_dependencies(sub: Submission, chart: str, root: str) -> dict[str, tuple[str, int, str]]:
    """{name: (its values key — the alias or the name —, its line, its condition)} of the
    dependencies fetched from elsewhere (a chart held in ``charts/`` or by ``file://`` is read
    with the repository's own templates)."""
    docs = sub.yaml_docs_quiet(chart) or [None]
    deps = mapping(docs[0]).get("dependencies")
    if deps is None:  # Helm 2 kept them in requirements.yaml
        req = posixpath.join(root, "requirements.yaml")
        deps = mapping((sub.yaml_docs_quiet(req) or [None])[0]).get("dependencies") if sub.exists(req) else None
    out: dict[str, tuple[str, int, str]] = {}
    for dep in deps if isinstance(deps, list) else []:
        dep = mapping(dep)
        name, repo = dep.get("name"), str(dep.get("repository") or "")
        if not isinstance(name, str) or not repo.startswith(_FAR):
            continue
        if sub.exists(posixpath.join(root, "charts", name, "Chart.yaml")):
            continue
        alias = dep.get("alias")
        out[name] = (alias if isinstance(alias, str) else name, getattr(dep, "line", 1),
                     str(dep.get("condition") or ""))
    return out


def _values_files(folders: dict[str, list[str]], root: str) -> list[str]:
    """The chart's values files, and per-environment ones beside the chart folder."""
    here = [f for f in folders.get(root, []) if _is_values(f)] + folders.get(posixpath.join(root, "values"), [])
    if root:
        here += [f for f in folders.get(posixpath.dirname(root), []) if _is_values(f)]
    return sorted(here)[:20]


def _is_values(rel: str) -> bool:
    name = posixpath.basename(rel).lower()
    return name.startswith("values") and name.endswith((".yaml", ".yml"))


def _switched(sub: Submission, values: list[str], dep: str, key: str, chart: str, line: int,
              condition: str) -> list[Switch]:
    found: list[Switch] = []
    off = False
    for rel in values:
        block = mapping(mapping((sub.yaml_docs_quiet(rel) or [None])[0]).get(key))
        if block.get("enabled") is False or _at(mapping((sub.yaml_docs_quiet(rel) or [None])[0]), condition) is False:
            off = True
        for what, dotted, where in _on(block, f"{key}", 0):
            found.append(Switch(what, dep, rel, where or getattr(block, "line", 1),
                                f"`{dotted}: true` in {rel} switches on the shared chart `{dep}`'s "
                                + ("monitors" if what == "collect" else "alert rules")))
    if not found and not off and _MONITOR_CHART.search(dep.lower()):
        what = "collect" if "monitor" in dep.lower() else "alert"
        found.append(Switch(what, dep, chart, line, f"{chart} depends on the shared "
                            f"{'scraping' if what == 'collect' else 'alerting'} chart `{dep}`"))
    return found[:10]


def _on(block: dict, path: str, depth: int):
    """(what, dotted key, line) of each monitoring switch turned on in a dependency's values."""
    if depth > _MAX_DEPTH:
        return
    for k, v in block.items():
        what = _SWITCHES.get(str(k).lower().replace("_", ""))
        if not isinstance(v, dict):
            continue
        if what and str(v.get("enabled")).lower() == "true":
            yield what, f"{path}.{k}.enabled", v.line_of("enabled") if hasattr(v, "line_of") else 0
        elif not what:
            yield from _on(v, f"{path}.{k}", depth + 1)


def _at(values: dict, dotted: str):
    node: object = values
    for part in dotted.split(".") if dotted else ():
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if dotted else None
