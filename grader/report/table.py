"""The terminal report (rich): the loop picture, a per-phase table, the tasks, the next three
gains, then what to fix, largest gains first.

Everything that comes from the submission goes through :func:`clean` and into ``Text``
objects (never parsed as markup), so file names, tags and YAML text can't inject rich markup
or terminal escape sequences.
"""

from __future__ import annotations

import io
import textwrap

from grader.model import Report
from grader.report.common import (
    EVIDENCE_LEGEND,
    EVIDENCE_MARKS,
    Gain,
    bonus_line,
    evidence_only,
    gains,
    groups,
    learner_notes,
    next_steps,
    num,
    score_text,
    scored,
)
from grader.report.text import clean

_STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "error": "magenta", "skip": "dim"}
_STATUS_MARK = {"pass": "✔", "partial": "◐", "fail": "✘", "error": "!", "skip": "–"}
_EVIDENCE_STYLE = {"pass": "cyan", "partial": "cyan", "fail": "dim"}  # neutral: evidence is never a failure


def _style(percent: float) -> str:
    if percent >= 80:
        return "bold green"
    if percent >= 50:
        return "bold yellow"
    return "bold red"


def _bar(score: float, max_score: float, width: int = 12) -> str:
    filled = round(width * score / max_score) if max_score else 0
    return "█" * filled + "░" * (width - filled)


def _loop_picture(report):
    """The DevOps loop as an ∞: Dev on the left, Ops on the right, each phase coloured by its
    score (green ≥ 80%, yellow ≥ 50%, red below)."""
    from rich.text import Text

    ph = {p.id: p for p in report.phases}

    def row(*parts) -> Text:
        out = Text()
        for part in parts:
            if part in ph:
                p = ph[part]
                out.append(part, style=_style(p.percent) if p.max_score else "dim")
            else:
                out.append(part, style="cyan")
        return out

    return [
        row("   ╭─── ", "code", " ◀── ", "plan", " ◀──╮   ╭──▶ ", "release", " ──▶ ", "deploy", " ──╮"),
        row("   │" + " " * 22 + "╲ ╱" + " " * 26 + "│"),
        row("   ▼" + " " * 8 + "DEV" + " " * 12 + "╳" + " " * 10 + "OPS" + " " * 14 + "▼"),
        row("   │" + " " * 22 + "╱ ╲" + " " * 26 + "│"),
        row("   ╰─── ", "build", " ──▶ ", "test", " ──╯   ╰── ", "monitor", " ◀── ", "operate", " ◀─╯"),
    ]


def render(report: Report, *, color: bool = False, verbose: bool = False, width: int | None = None, **_options: object) -> str:
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width or 100,
                      color_system="standard" if color else None, highlight=False, emoji=False,
                      markup=False, soft_wrap=False)
    _header(console, report)
    if console.width >= 60:  # the picture is 56 columns wide: skip it rather than wrap it
        for row in _loop_picture(report):
            console.print(row, no_wrap=True, overflow="crop")
        console.print()
    # On a narrow terminal the bars shrink (then go) before a name or a score is ever cut.
    bar = 12 if console.width >= 80 else (6 if console.width >= 56 else 0)
    _phases(console, report, bar)
    _tasks(console, report, bar)
    _next(console, report)
    _notes(console, report)
    _checks(console, report, verbose)
    _warnings(console, report)
    _verdict(console, report, verbose)
    return buf.getvalue()


def _header(console, report: Report) -> None:
    from rich.text import Text

    sub = report.submission
    head = Text()
    head.append("loopcheck ", style="bold")
    head.append(f"{report.rubric_title} ({report.rubric_id} {report.rubric_version})\n")
    head.append("submission: ", style="dim")
    head.append(clean(sub.path))
    if sub.commit:
        head.append(f"  commit {sub.commit[:10]}", style="dim")
        if sub.branch:
            head.append(f" on {clean(sub.branch)}", style="dim")
    elif not sub.is_git:
        head.append("  (not a git repository)", style="yellow")
    if sub.shallow:
        head.append("  shallow clone: history and tags may be missing", style="yellow")
    console.print(head)
    console.print()


def _phases(console, report: Report, bar: int) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("phase", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    table.add_column("checks")
    has_bonus = any(p.bonus_max for p in report.phases)
    has_evidence = any(evidence_only(c) for p in report.phases for c in p.checks)
    if has_evidence:
        table.add_column("repository")
    if has_bonus:
        table.add_column("bonus")
    for phase in report.phases:
        style = _style(phase.percent) if phase.max_score else "dim"
        marks = Text()
        evidence = Text()
        for check in phase.checks:
            if scored(check):
                marks.append(_STATUS_MARK[check.status] + " ", style=_STATUS_STYLE[check.status])
            elif evidence_only(check):
                evidence.append(EVIDENCE_MARKS[check.status] + " ", style=_EVIDENCE_STYLE[check.status])
        row: list[Text | str] = [
            Text(phase.title, style="bold"),
            f"{num(phase.score)}/{num(phase.max_score)}",
            Text(_bar(phase.score, phase.max_score, bar), style=style),
            Text(f"{phase.percent:.0f}%", style=style),
            marks,
        ]
        if has_evidence:
            row.append(evidence)
        if has_bonus:
            row.append(Text(clean(bonus_line(phase)), style="cyan"))
        table.add_row(*row)
    console.print(table)
    if has_evidence:
        _indented(console, "repository: ", EVIDENCE_LEGEND, "dim", dim=True)
    console.print()


def _tasks(console, report: Report, bar: int) -> None:
    from rich.table import Table
    from rich.text import Text

    if report.tasks:
        tasks = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for name, justify in (("task", "left"), ("score", "right"), ("", "left"), ("%", "right")):
            tasks.add_column(name, justify=justify, no_wrap=name != "task")  # type: ignore[arg-type]
        for task in report.tasks:
            style = _style(task.percent) if task.max_score else "dim"
            tasks.add_row(Text(task.title + (" (bonus)" if task.bonus else ""), style="bold"),
                          f"{num(task.score)}/{num(task.max_score)}", Text(_bar(task.score, task.max_score, bar), style=style),
                          Text(f"{task.percent:.0f}%", style=style))
        console.print(tasks)
        if report.written:
            where = "; ".join(f"{task.replace('task', 'Task ')}: {', '.join(places)}" for task, places in report.written)
            _indented(console, "written work read from: ", clean(where), "dim")
        if report.to_view:
            _indented(console, "to be viewed by your instructor (pictures are not read): ",
                      clean(", ".join(str(p) for p in report.to_view)), "cyan")
        console.print()


def _next(console, report: Report) -> None:
    """The three largest gains, each with where to start."""
    from rich.text import Text

    steps = next_steps(report)
    if not steps:
        return
    console.print(Text("Next: the largest gains", style="bold"))
    width = max(20, console.width - 8)
    for gain in steps:
        where = f" — {gain.where}" if gain.where is not None else ""
        lines = textwrap.wrap(clean(_titles(gain) + where), width=width, break_on_hyphens=False,
                              break_long_words=True) or [""]
        for i, text in enumerate(lines):
            line = Text("  ")
            line.append(f"+{num(gain.points):<5}" if i == 0 else " " * 6, style="bold cyan")
            line.append(text)
            console.print(line, no_wrap=True, overflow="fold")
    console.print()


def _titles(gain: Gain) -> str:
    """A finding's name: its check's title, or its group's for checks that share a finding."""
    if len(gain.checks) == 1:
        return gain.checks[0].title
    return f"{gain.group.title} ({len(gain.checks)} checks)"


def _notes(console, report: Report) -> None:
    from rich.text import Text

    notes = learner_notes(report.notes)
    if notes:
        console.print(Text("Notes for you:", style="bold"))
        for note in notes:
            _indented(console, "", clean(note), "")
        console.print()


def _checks(console, report: Report, verbose: bool) -> None:
    """What to fix, the largest gains first, each finding said once; with ``verbose``, then the
    checks that passed (and the bonus) phase by phase, and the repository's evidence."""
    from rich.text import Text

    found = gains(report)
    if found:
        console.print(Text("What to fix, largest gains first", style="bold underline"))
        for gain in found:
            _gain(console, gain)
        console.print()
    else:
        console.print(Text("Every check passes. Nothing to fix.", style="green"))
        console.print()
    if verbose:
        _passed(console, report, {c.id for g in found for c in g.checks})
        _evidence(console, report)


def _check_line(check, group_title: str = ""):
    from rich.text import Text

    line = Text("  ")
    line.append(_STATUS_MARK[check.status] + " ", style=_STATUS_STYLE[check.status])
    line.append(check.title, style="bold")
    if check.bonus:
        line.append(" (bonus)", style="cyan")
    line.append(f"  {score_text(check)}  ", style="dim")
    line.append(check.id, style="dim")
    if group_title:
        line.append(f"  ({group_title})", style="dim")
    return line


def _gain(console, gain: Gain) -> None:
    """One finding: its checks, the message once, each check's fix, where."""
    for check in gain.checks:
        console.print(_check_line(check, gain.group.title))
    _indented(console, "", clean(gain.message), "")
    for check in gain.checks:
        _indented(console, "fix: ", clean(check.hint), "cyan")
    places = list(dict.fromkeys(str(e) for c in gain.checks for e in c.evidence))
    if places:
        _indented(console, "at: ", ", ".join(clean(p) for p in places[:4]), "dim", dim=True)


def _passed(console, report: Report, shown: set[str]) -> None:
    """The checks not listed as findings (passed, bonus, skipped), group by group."""
    from rich.text import Text

    for group, checks in groups(report):
        rest = [c for c in checks if c.id not in shown and not evidence_only(c)]
        if not rest:
            continue
        console.print(Text(group.title, style="bold underline"))
        for check in rest:
            console.print(_check_line(check))
            _indented(console, "", clean(check.message), "")
            if check.status not in ("pass", "skip") and not check.bonus:
                _indented(console, "fix: ", clean(check.hint), "cyan")
            if check.evidence:
                _indented(console, "at: ", ", ".join(clean(str(e)) for e in check.evidence[:4]), "dim", dim=True)
        console.print()


def _evidence(console, report: Report) -> None:
    """The repository's evidence, phase by phase, with a neutral mark (the legend is under the
    phase table)."""
    from rich.text import Text

    listed = [(group, [c for c in checks if evidence_only(c)]) for group, checks in groups(report)]
    listed = [(group, checks) for group, checks in listed if checks]
    if not listed:
        return
    console.print(Text("Repository evidence", style="bold underline"))
    for group, checks in listed:
        console.print(Text(f"  {group.title}", style="bold"))
        for check in checks:
            line = Text("  ")
            line.append(EVIDENCE_MARKS[check.status] + " ", style=_EVIDENCE_STYLE[check.status])
            line.append(check.title)
            line.append(f"  {check.id}", style="dim")
            console.print(line)
            _indented(console, "", clean(check.message), "")
            if check.evidence:
                _indented(console, "at: ", ", ".join(clean(str(e)) for e in check.evidence[:4]), "dim", dim=True)
    console.print()


def _warnings(console, report: Report) -> None:
    from rich.text import Text

    git = [w for w in report.warnings if w.path == ".git"]
    files = [w for w in report.warnings if w.path != ".git"]
    for w in git:
        console.print(Text(f"The git history could not be read: {clean(w.message)}", style="yellow"))
    if files:
        console.print(Text(f"{len(files)} file(s) could not be read:", style="yellow"))
        for w in files[:10]:
            console.print(Text(f"  {clean(w.path)}: {clean(w.message)}", style="yellow"))
    if report.warnings:
        console.print()


def _verdict(console, report: Report, verbose: bool) -> None:
    from rich.text import Text

    verdict = Text()
    verdict.append("Total ", style="bold")
    verdict.append(f"{num(report.score)}/{num(report.max_score)} ({report.percent:.1f}%)  ",
                   style=_style(report.percent))
    if report.bonus_applied:
        verdict.append(f"including +{num(report.bonus_applied)} bonus  ", style="cyan")
    if report.passed:
        verdict.append(f"PASS (pass mark {report.threshold:g}%)", style="bold green")
    else:
        verdict.append(f"BELOW THE PASS MARK of {report.threshold:g}%", style="bold red")
    console.print(verdict)
    if not verbose:
        console.print(Text("Run with --verbose to see the passing checks and their evidence.", style="dim"))


def _indented(console, label: str, text: str, label_style: str, *, dim: bool = False) -> None:
    """Print ``label text`` wrapped to the console, every line indented by six spaces (no
    trailing padding, so the report copies cleanly)."""
    from rich.text import Text

    width = max(20, console.width - 6)
    lines = textwrap.wrap(label + text, width=width, break_on_hyphens=False, break_long_words=True) or [label]
    for i, line in enumerate(lines):
        out = Text("      ")
        if i == 0 and label and line.startswith(label):
            out.append(label, style=label_style)
            out.append(line[len(label):], style="dim" if dim else "")
        else:
            out.append(line, style="dim" if dim else "")
        console.print(out, no_wrap=True, overflow="fold")
