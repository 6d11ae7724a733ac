"""Gradescope's autograder ``results.json``: the total, and one test per check with the phase
in its name, written in Markdown (``output_format: md``). ``status`` is ``passed`` only for a
full pass. Checks worth 0 points (the repository's evidence) are no tests: the output says once
how much of it was found. The notes for the instructor (claims the repository contradicts,
pictures to be viewed) are one test only instructors see (``visibility: hidden``)."""

from __future__ import annotations

import json

from grader.model import Report
from grader.report.common import evidence_only, evidence_summary, num
from grader.report.markdown import code, md


def _test(phase, check) -> dict:
    lines = [md(check.message)]
    if check.status != "pass":
        lines.append(f"**Fix:** {md(check.hint)}")
    places = [code(e) for e in check.evidence[:3]]
    if places:
        lines.append("At: " + ", ".join(places))
    return {
        "name": f"{phase.title} — {check.title}" + (" (bonus)" if check.bonus else ""),
        "number": check.id,
        "score": check.score,
        "max_score": 0 if check.bonus else check.max_score,  # extra credit
        "status": "passed" if check.status == "pass" else "failed",
        "output": "\n\n".join(lines),
        "output_format": "md",
        "tags": [phase.id, check.kind, check.status],
        "visibility": "visible",
    }


def _for_the_instructor(report: Report) -> dict | None:
    lines = [f"- {md(n)}" for n in report.notes]
    if not lines:
        return None
    return {"name": "For the instructor", "number": "notes", "score": 0, "max_score": 0, "status": "passed",
            "output": "\n".join(lines), "output_format": "md", "tags": ["notes"], "visibility": "hidden"}


def render(report: Report, **_options: object) -> str:
    tests = [_test(phase, check) for phase, check in report.checks() if not evidence_only(check)]
    notes = _for_the_instructor(report)
    if notes is not None:
        tests.append(notes)
    verdict = "passed" if report.passed else f"below the pass mark of {report.threshold:g}%"
    summary = evidence_summary(report)
    result = {
        "score": report.score,
        "max_score": report.max_score,
        "output": f"loopcheck {report.tool_version}, rubric {md(report.rubric_id)} {md(report.rubric_version)}: "
                  f"**{num(report.score)}/{num(report.max_score)}** ({report.percent:.1f}%), {verdict}."
                  + (f"\n\n{summary}" if summary else ""),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
