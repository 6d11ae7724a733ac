"""GitHub Classroom: the result object the autograding reporter
(``classroom-resources/autograding-grading-reporter``) reads, base64-encoded, from a step's
``result`` output — ``{"version": 1, "status", "max_score", "tests": [...]}`` — whose scores it
adds up into the ``Points X/Y`` that Classroom records. ``--format classroom`` prints the JSON;
the example workflow in the README base64-encodes it into ``$GITHUB_OUTPUT``."""

from __future__ import annotations

import json

from grader.model import Report


def render(report: Report, **_options: object) -> str:
    tests = []
    for phase, check in report.checks():
        if check.bonus:
            continue  # the bonus goes in one test below, capped as in the total
        where = next((e for e in check.evidence if e.is_file), None)
        tests.append({
            "name": f"{phase.title}: {check.title}",
            "status": "pass" if check.status == "pass" else ("error" if check.status == "error" else "fail"),
            "message": check.message if check.status == "pass" else f"{check.message} Fix: {check.hint}",
            "test_code": check.id,
            "filename": where.path if where else "",
            "line_no": (where.line or 0) if where else 0,
            "execution_time": "0s",
            "score": check.score,
        })
    if report.bonus_max:
        found = [t for p in report.phases for t in p.bonus_found]
        tests.append({"name": "Bonus", "status": "pass" if report.bonus_applied else "fail",
                      "message": ", ".join(found) or "no bonus earned", "test_code": "bonus", "filename": "",
                      "line_no": 0, "execution_time": "0s", "score": report.bonus_applied})
    result = {
        "version": 1,
        "status": "pass" if report.passed else "fail",
        "max_score": report.max_score,
        "tests": tests,
    }
    return json.dumps(result, ensure_ascii=False) + "\n"
