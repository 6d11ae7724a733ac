"""The JSON report: the stable contract (see ``report.schema.json`` beside this file)."""

from __future__ import annotations

import json

from grader.model import Report


def render(report: Report, **_options: object) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def schema() -> dict:
    """The report's JSON Schema, shipped in the package."""
    from importlib import resources

    return json.loads(resources.files("grader.report").joinpath("report.schema.json").read_text(encoding="utf-8"))
