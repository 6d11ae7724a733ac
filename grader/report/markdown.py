"""Markdown: a compact per-phase table and the failing checks with their hints — for a PR
comment or ``$GITHUB_STEP_SUMMARY``. Submission text is escaped for Markdown and HTML."""

from __future__ import annotations

import re

from grader.model import Report
from grader.patterns import lazy
from grader.report.common import (
    STATUS_ICONS,
    bonus_line,
    gains,
    learner_notes,
    num,
    score_text,
    scored,
)
from grader.report.text import clean

_MD_SPECIAL = lazy(r"([\\`*_{}\[\]()#+!|<>~])")


_AUTOLINK = lazy(r"(?i)(@|://|\bwww\.)")


def md(text) -> str:
    """Submission text made inert in Markdown: no markup, links, HTML or table breaks, and no
    @mention or autolinked address (a zero-width joiner breaks what GitHub would link)."""
    inert = _MD_SPECIAL.sub(r"\\\1", clean(text))
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + "\u2060" + m.group(1)[1:], inert)


def code(text) -> str:
    """Submission text as an inline code span, as CommonMark requires: fenced by one backtick
    more than the longest run inside (so none can close it), padded with a space where the
    text starts or ends with a backtick or a space. Control characters are shown as escapes;
    nothing inside is markup, a link or a mention. (Not for a table cell, where GFM splits on
    ``|`` even inside a code span: :func:`md` is.)"""
    inner = clean(text)
    longest = max((len(run) for run in re.findall(r"`+", inner)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if inner.startswith(("`", " ")) or inner.endswith(("`", " ")) else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def render(report: Report, **_options: object) -> str:
    verdict = "passed" if report.passed else "below the pass mark"
    lines = [
        f"## loopcheck: {num(report.score)}/{num(report.max_score)} ({report.percent:.1f}%) — {verdict}",
        "",
        f"Rubric **{md(report.rubric_title)}** ({code(report.rubric_id)} {md(report.rubric_version)}), "
        f"pass mark {report.threshold:g}%"
        + (f", commit `{report.submission.commit[:10]}`" if report.submission.commit else "")
        + (" — **shallow clone: history and tags may be missing**" if report.submission.shallow else ""),
        "",
        "| phase | score | % | checks | bonus |",
        "|---|---:|---:|---|---|",
    ]
    for phase in report.phases:
        marks = " ".join(STATUS_ICONS[c.status] for c in phase.checks if scored(c))
        lines.append(f"| {phase.title} | {num(phase.score)}/{num(phase.max_score)} | {phase.percent:.0f}% | {marks} "
                     f"| {md(bonus_line(phase))} |")
    extra = f"incl. +{num(report.bonus_applied)} bonus" if report.bonus_applied else ""
    lines.append(f"| **total** | **{num(report.score)}/{num(report.max_score)}** | **{report.percent:.0f}%** | | {extra} |")
    if report.tasks:
        lines += ["", "| task | score | % |", "|---|---:|---:|"]
        for task in report.tasks:
            lines.append(f"| {md(task.title)}{' (bonus)' if task.bonus else ''} | {num(task.score)}/{num(task.max_score)} "
                         f"| {task.percent:.0f}% |")
    if report.to_view:
        lines += ["", "To be viewed by your instructor (pictures are not read): "
                  + ", ".join(code(p) for p in report.to_view)]
    notes = learner_notes(report.notes)
    if notes:
        lines += ["", "### Notes", ""] + [f"- {md(n)}" for n in notes]
    todo = gains(report)
    if todo:
        lines += ["", "### What to fix, largest gains first", ""]
        for gain in todo:
            places = list(dict.fromkeys(str(e) for c in gain.checks for e in c.evidence))[:3]
            where = ", ".join(code(p) for p in places)
            titles = ", ".join(f"{md(c.title)} ({score_text(c)})" for c in gain.checks)
            lines.append(f"- {STATUS_ICONS[gain.checks[0].status]} **{md(gain.group.title)} — {titles}**: "
                         f"{md(gain.message)}" + (f" at {where}" if where else ""))
            lines += [f"  - fix: {md(c.hint)}" for c in gain.checks]
    else:
        lines += ["", "Every check passes."]
    git = [w for w in report.warnings if w.path == ".git"]
    files = [w for w in report.warnings if w.path != ".git"]
    lines += [f"\nThe git history could not be read: {md(w.message)}" for w in git]
    if files:
        lines += ["", f"<details><summary>{len(files)} file(s) could not be read</summary>", ""]
        lines += [f"- {code(w.path)}: {md(w.message)}" for w in files[:20]]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
