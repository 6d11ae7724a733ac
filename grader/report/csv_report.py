"""CSV: a header and one row — the submission, phase scores, total, percent, passed, and the
exercise's task scores when the rubric has tasks."""

from __future__ import annotations

import csv
import io

from grader.model import PHASES, Report
from grader.patterns import lazy

HEADER = ["submission", "commit", "rubric", *PHASES, "bonus", "score", "max_score", "percent", "passed"]


def row(report) -> list:
    scores = {p.id: p.score for p in report.phases}
    return [report.submission.path, report.submission.commit or "", report.rubric_id,
            *(scores[p] for p in PHASES), report.bonus_applied, report.score, report.max_score, report.percent,
            "true" if report.passed else "false"]


_TRIGGER = ("=", "+", "-", "@", "\t", "\r")
# A reader that splits on ";" or a tab (a spreadsheet in a locale whose decimal mark is a comma,
# a TSV import) starts a new cell after each one that is not quoted: that cell must not start a
# formula either. (Every "," in a cell is inside the quotes the csv module puts around it.)
_SPLIT_TRIGGER = lazy(r"([;\t][ ]*)(?=[=+\-@\r])")


def safe_cell(value):
    """Spreadsheets run cells that start with = + - @ (or a tab or CR): such text from the
    submission gets a ``'`` before it — at the start of the cell, and after each ``;`` or tab
    inside it, so that readers splitting on ``,`` and on ``;`` alike see no formula."""
    if not isinstance(value, str):
        return value
    value = _SPLIT_TRIGGER.sub(lambda m: m.group(1) + "'", value)
    if value[:1] in _TRIGGER:
        return "'" + value
    return value


def render(report: Report, **_options: object) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    tasks = [t for t in report.tasks if not t.bonus]
    writer.writerow(HEADER + [t.id for t in tasks])
    writer.writerow([safe_cell(v) for v in row(report)] + [t.score for t in tasks])
    return buf.getvalue()
