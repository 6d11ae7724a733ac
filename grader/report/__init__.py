"""Renderers: Report -> text. One module per format, imported only when its format is asked for.

A renderer is a :class:`Renderer`: ``render(report, *, color, verbose, width, prefix) -> str``.
Add a format by adding a module and a loader to :data:`RENDERERS` (the loader imports the
module by name, so mypy checks its ``render`` against the protocol).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from grader.model import Report


class Renderer(Protocol):
    def __call__(self, report: Report, *, color: bool, verbose: bool, width: int | None, prefix: str) -> str: ...


def _table() -> Renderer:
    from grader.report import table

    return table.render


def _json() -> Renderer:
    from grader.report import json_report

    return json_report.render


def _markdown() -> Renderer:
    from grader.report import markdown

    return markdown.render


def _github() -> Renderer:
    from grader.report import github

    return github.render


def _junit() -> Renderer:
    from grader.report import junit

    return junit.render


def _sarif() -> Renderer:
    from grader.report import sarif

    return sarif.render


def _gradescope() -> Renderer:
    from grader.report import gradescope

    return gradescope.render


def _classroom() -> Renderer:
    from grader.report import classroom

    return classroom.render


def _csv() -> Renderer:
    from grader.report import csv_report

    return csv_report.render


# format -> its renderer's loader (heavy modules, rich for the table, load only when asked for)
RENDERERS: dict[str, Callable[[], Renderer]] = {
    "table": _table,
    "json": _json,
    "markdown": _markdown,
    "github": _github,
    "junit": _junit,
    "sarif": _sarif,
    "gradescope": _gradescope,
    "classroom": _classroom,
    "csv": _csv,
}


def names() -> list[str]:
    return list(RENDERERS)


def render(fmt: str, report: Report, *, color: bool = False, verbose: bool = False, width: int | None = None,
           prefix: str = "") -> str:
    """``prefix``: the graded folder's path inside the repository as checked out (GitHub's
    workspace), put before file paths where a CI tool resolves them (annotations, SARIF)."""
    return RENDERERS[fmt]()(report, color=color, verbose=verbose, width=width, prefix=prefix)
