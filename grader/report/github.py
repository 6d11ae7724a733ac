"""GitHub workflow commands: ``::error``/``::warning`` annotations on the file and line of
each located finding, a ``::notice`` with the total. (The CLI appends the Markdown report to
``$GITHUB_STEP_SUMMARY``; a renderer only returns text.)

Escaping follows GitHub's rules (data: ``%``, CR, LF; properties also ``:`` and ``,``),
and ``::`` coming from the submission is broken with a zero-width space, so no learner file
can inject a workflow command (``::set-output``, ``::add-mask``, ``::stop-commands``).
"""

from __future__ import annotations

from grader.report.common import failing, file_location, num

_LEVEL = {"fail": "error", "partial": "warning", "error": "warning"}


def escape_data(text) -> str:
    text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace("::", ":\u200b:")


def escape_property(text) -> str:
    text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props) -> str:
    parts = ",".join(f"{k}={escape_property(v)}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + parts if parts else ''}::{escape_data(message)}"


def render(report, **_options) -> str:
    lines = []
    for phase, check in failing(report):
        where = file_location(check)
        message = f"{check.message}\nFix: {check.hint}"
        title = f"{phase.title}: {check.title} ({num(check.score)}/{num(check.max_score)})"
        props = {"title": title}
        if where is not None:
            props = {"file": where.path, "line": where.line, "title": title}
        lines.append(command(_LEVEL[check.status], message, **props))
    verdict = "passed" if report.passed else f"below the pass mark of {report.threshold:g}%"
    lines.append(command("notice", f"loopcheck: {num(report.score)}/{num(report.max_score)} "
                                   f"({report.percent:.1f}%) {verdict}", title="loopcheck total"))
    return "\n".join(lines) + "\n"
