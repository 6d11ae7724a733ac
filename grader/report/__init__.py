"""Renderers: Report -> text. One module per format, looked up by name (lazy imports).

A renderer is ``render(report, *, color: bool, verbose: bool) -> str``. Add a format by
adding a module and a line to :data:`RENDERERS`.
"""

from __future__ import annotations

import importlib

RENDERERS: dict[str, str] = {
    "table": "grader.report.table",
    "json": "grader.report.json_report",
    "markdown": "grader.report.markdown",
    "github": "grader.report.github",
    "junit": "grader.report.junit",
    "sarif": "grader.report.sarif",
    "gradescope": "grader.report.gradescope",
    "classroom": "grader.report.classroom",
    "csv": "grader.report.csv_report",
}


def names() -> list[str]:
    return list(RENDERERS)


def render(fmt: str, report, *, color: bool = False, verbose: bool = False, width: int | None = None,
           prefix: str = "") -> str:
    """``prefix``: the graded folder's path inside the repository as checked out (GitHub's
    workspace), put before file paths where a CI tool resolves them (annotations, SARIF)."""
    module = importlib.import_module(RENDERERS[fmt])
    return module.render(report, color=color, verbose=verbose, width=width, prefix=prefix)
