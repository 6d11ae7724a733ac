"""GitHub workflow commands: ``::error``/``::warning`` annotations on the file and line of
each located finding, a ``::notice`` with the total. (The CLI appends the Markdown report to
``$GITHUB_STEP_SUMMARY``; a renderer only returns text.)

Escaping follows GitHub's rules (data: ``%``, CR, LF; properties also ``:`` and ``,``),
and ``::`` coming from the submission is broken with a zero-width space, so no learner file
can inject a workflow command (``::set-output``, ``::add-mask``, ``::stop-commands``).
"""

from __future__ import annotations

from grader.model import Report
from grader.report.common import failing, file_location, num, points_lost, prefixed, score_text
from grader.report.text import clean, escape_controls

_LEVEL = {"fail": "error", "partial": "warning", "error": "warning"}


def escape_data(text) -> str:
    text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return clean(text).replace("::", ":\u200b:")


def escape_property(text) -> str:
    text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_controls(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props) -> str:
    parts = ",".join(f"{k}={escape_property(v)}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + parts if parts else ''}::{escape_data(message)}"


# GitHub shows at most this many annotations of each level per step; the rest are dropped.
LIMITS = {"error": 10, "warning": 10}


def render(report: Report, *, prefix: str = "", **_options: object) -> str:
    """Annotations for the checks that lost points: those with a file and line first, the
    largest losses first, within GitHub's per-step limits — then one notice for what was left
    out (the job summary has everything) and one with the total."""
    todo = failing(report)
    todo.sort(key=lambda pc: (file_location(pc[1]) is None, -points_lost(pc[1])))
    lines, shown, left = [], {"error": 0, "warning": 0}, 0
    for phase, check in todo:
        level = _LEVEL[check.status]
        if shown[level] >= LIMITS[level]:
            left += 1
            continue
        shown[level] += 1
        where = file_location(check)
        message = f"{check.message}\nFix: {check.hint}"
        title = f"{phase.title}: {check.title} ({score_text(check)})"
        props: dict = {"title": title}
        if where is not None:
            props = {"file": prefixed(where.path, prefix), "line": where.line, "title": title}
        lines.append(command(level, message, **props))
    if left:
        lines.append(command("notice", f"{left} more findings are not annotated (GitHub shows {LIMITS['error']} "
                                       f"errors and {LIMITS['warning']} warnings per step): see the job summary",
                             title="loopcheck: more findings"))
    verdict = "passed" if report.passed else f"below the pass mark of {report.threshold:g}%"
    lines.append(command("notice", f"loopcheck: {num(report.score)}/{num(report.max_score)} "
                                   f"({report.percent:.1f}%) {verdict}", title="loopcheck total"))
    return "\n".join(lines) + "\n"
