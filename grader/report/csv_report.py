"""CSV: a header and one row — the submission, phase scores, total, percent, passed, and the
exercise's task scores when the rubric has tasks."""

from __future__ import annotations

import csv
import io

from grader.model import PHASES, Report

HEADER = ["submission", "commit", "rubric", *PHASES, "bonus", "score", "max_score", "percent", "passed"]


def row(report) -> list:
    scores = {p.id: p.score for p in report.phases}
    return [report.submission.path, report.submission.commit or "", report.rubric_id,
            *(scores[p] for p in PHASES), report.bonus_applied, report.score, report.max_score, report.percent,
            "true" if report.passed else "false"]


def safe_cell(value):
    """Spreadsheets run cells that start with = + - @: prefix those from the submission."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render(report: Report, **_options: object) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    tasks = [t for t in report.tasks if not t.bonus]
    writer.writerow(HEADER + [t.id for t in tasks])
    writer.writerow([safe_cell(v) for v in row(report)] + [t.score for t in tasks])
    return buf.getvalue()
