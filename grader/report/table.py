"""The terminal report (rich): the loop picture, a per-phase table, then what to fix.

Everything that comes from the submission goes through :func:`clean` and into ``Text``
objects (never parsed as markup), so file names, tags and YAML text can't inject rich markup
or terminal escape sequences.
"""

from __future__ import annotations

import io
import textwrap

from grader.model import Report
from grader.report.common import bonus_line, evidence_only, groups, num, score_text, scored
from grader.report.text import clean

_STATUS_STYLE = {"pass": "green", "partial": "yellow", "fail": "red", "error": "magenta", "skip": "dim"}
_STATUS_MARK = {"pass": "✔", "partial": "◐", "fail": "✘", "error": "!", "skip": "–"}


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
                evidence.append(_STATUS_MARK[check.status] + " ", style=_STATUS_STYLE[check.status])
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
            _indented(console, "", clean(f"Written work read from — {where}"), "")
        console.print()


def _notes(console, report: Report) -> None:
    from rich.text import Text

    if report.notes:
        console.print(Text("For the instructor:", style="bold"))
        for note in report.notes:
            _indented(console, "", clean(note), "")
        console.print()


def _checks(console, report: Report, verbose: bool) -> None:
    """The checks to act on (every check with ``verbose``), phase by phase, with their fixes."""
    from rich.text import Text

    shown = 0
    for phase, group in groups(report):
        checks = [c for c in group
                  if verbose or c.status == "error" or (c.status not in ("pass", "skip") and not c.bonus and c.max_score > 0)]
        if not checks:
            continue
        console.print(Text(f"{phase.title}", style="bold underline"))
        for check in checks:
            shown += 1
            line = Text("  ")
            line.append(_STATUS_MARK[check.status] + " ", style=_STATUS_STYLE[check.status])
            line.append(check.title, style="bold")
            if check.bonus:
                line.append(" (bonus)", style="cyan")
            line.append(f"  {score_text(check)}  ", style="dim")
            line.append(check.id, style="dim")
            console.print(line)
            _indented(console, "", clean(check.message), "")
            if check.status != "pass" and not (check.bonus and check.status == "fail"):
                _indented(console, "fix: ", clean(check.hint), "cyan")
            if check.evidence:
                _indented(console, "at: ", ", ".join(clean(str(e)) for e in check.evidence[:4]), "dim", dim=True)
        console.print()
    if not shown:
        console.print(Text("Every check passes. Nothing to fix.", style="green"))
        console.print()


def _warnings(console, report: Report) -> None:
    from rich.text import Text

    if report.warnings:
        console.print(Text(f"{len(report.warnings)} file(s) could not be read:", style="yellow"))
        for w in report.warnings[:10]:
            console.print(Text(f"  {clean(w.path)}: {clean(w.message)}", style="yellow"))
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
