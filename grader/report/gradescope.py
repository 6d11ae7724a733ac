"""Gradescope's autograder ``results.json``: the total, and one test per check with the phase
in its name. ``status`` is ``passed`` only for a full pass."""

from __future__ import annotations

import json

from grader.model import Report
from grader.report.common import num


def render(report: Report, **_options: object) -> str:
    tests = []
    for phase, check in report.checks():
        lines = [check.message]
        if check.status != "pass":
            lines.append(f"Fix: {check.hint}")
        lines += [f"At: {e}" for e in check.evidence[:3]]
        tests.append({
            "name": f"{phase.title} — {check.title}" + (" (bonus)" if check.bonus else ""),
            "number": check.id,
            "score": check.score,
            "max_score": 0 if check.bonus else check.max_score,  # extra credit
            "status": "passed" if check.status == "pass" else "failed",
            "output": "\n".join(lines),
            "tags": [phase.id, check.kind, check.status],
            "visibility": "visible",
        })
    verdict = "passed" if report.passed else f"below the pass mark of {report.threshold:g}%"
    result = {
        "score": report.score,
        "max_score": report.max_score,
        "output": f"loopcheck {report.tool_version}, rubric {report.rubric_id} {report.rubric_version}: "
                  f"{num(report.score)}/{num(report.max_score)} ({report.percent:.1f}%), {verdict}.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
