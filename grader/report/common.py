"""Small helpers shared by renderers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STATUS_ICONS = {"pass": "✅", "partial": "🟡", "fail": "❌", "error": "⚠️", "skip": "➖"}


def num(x: float) -> str:
    """8 -> '8', 7.5 -> '7.5', 7.25 -> '7.25'."""
    return f"{x:g}" if float(x) == int(x) else f"{x:.2f}".rstrip("0").rstrip(".")


def file_location(check):
    """The first evidence location that is a place in a file, or None."""
    return next((e for e in check.evidence if e.is_file), None)


def prefixed(path: str, prefix: str) -> str:
    """``path`` inside the folder ``prefix`` (a relative POSIX path; "" or "." for none)."""
    prefix = prefix.strip("/")
    return f"{prefix}/{path}" if prefix and prefix != "." else path


def score_text(check) -> str:
    """``3/4``, or ``not judged`` for a check that could not be judged (left out of the total)."""
    return "not judged" if check.status == "error" else f"{num(check.score)}/{num(check.max_score)}"


def points_lost(check) -> float:
    return round(check.max_score - check.score, 4)


def failing(report):
    """(group, check) for every core check that is not a full pass and could earn points (skips,
    bonus and zero-point evidence checks left out). A group is a phase, or a task for the
    checks that belong to no phase."""
    return [(p, c) for p, c in report.checks()
            if not c.bonus and (c.status == "error" or (c.status in ("fail", "partial") and c.max_score > 0))]


def scored(check) -> bool:
    """A core check that carries points (or was skipped), not a zero-point piece of evidence."""
    return not check.bonus and (check.max_score > 0 or check.status in ("skip", "error"))


def evidence_only(check) -> bool:
    """A check shown as the repository's evidence, worth no points on its own (a bonus check
    the rubric gives 0 points is evidence too)."""
    return check.max_score == 0 and check.status not in ("skip", "error")


# What a piece of evidence shows, said without judging: it earns nothing on its own.
EVIDENCE_MARKS = {"pass": "●", "partial": "◐", "fail": "○"}
EVIDENCE_LEGEND = ("● found, ◐ partly, ○ not found: what the repository itself shows — it earns nothing on "
                   "its own, and counts where a task is credited from it")


def evidence_summary(report) -> str:
    """One sentence on the repository's evidence (``""`` when the rubric has none)."""
    shown = [c for _, c in report.checks() if evidence_only(c)]
    if not shown:
        return ""
    found = sum(c.status == "pass" for c in shown)
    partly = sum(c.status == "partial" for c in shown)
    return (f"Repository evidence: {found} of {len(shown)} found" + (f", {partly} partly" if partly else "")
            + " — it earns nothing on its own, and counts where a task is credited from it.")


def groups(report) -> list[tuple[Any, tuple]]:
    """(group, its checks): each phase, then each task with the checks that are in no phase."""
    phased = {c.id for p in report.phases for c in p.checks}
    out: list[tuple[object, tuple]] = [(p, p.checks) for p in report.phases]
    out += [(t, own) for t in report.tasks if (own := tuple(c for c in t.checks if c.id not in phased))]
    return out


def bonus_line(phase) -> str:
    """'+1: Argo CD, Trivy' for a phase's earned bonus, or ''."""
    if not phase.bonus_score:
        return ""
    found = ", ".join(phase.bonus_found)
    return f"+{num(phase.bonus_score)}" + (f": {found}" if found else "")


@dataclass(frozen=True)
class Gain:
    """A finding to act on: the checks of one group that lost points for one reason (Task 2's
    three checks may share a message: it is said once), and the points fixing it would gain."""

    group: Any  # a PhaseResult or TaskResult
    checks: tuple

    @property
    def message(self) -> str:
        return self.checks[0].message

    @property
    def points(self) -> float:
        return round(sum(points_lost(c) for c in self.checks if c.status != "error"), 4)

    @property
    def where(self):
        """The first place in a file among the checks' evidence, or None."""
        return next((loc for c in self.checks if (loc := file_location(c)) is not None), None)


def gains(report) -> list[Gain]:
    """What to fix: every core check that lost points (or could not be judged), one finding per
    group and message, the largest gain first (ties in report order)."""
    merged: dict[tuple[str, str], list] = {}
    groups_of: dict[tuple[str, str], Any] = {}
    for group, check in failing(report):
        key = (group.id, check.message)
        merged.setdefault(key, []).append(check)
        groups_of[key] = group
    found = [Gain(groups_of[key], tuple(checks)) for key, checks in merged.items()]
    return sorted(found, key=lambda g: -g.points)


NEXT_COUNT = 3


def next_steps(report) -> list[Gain]:
    """The three largest gains (those that gain something)."""
    return [g for g in gains(report) if g.points > 0][:NEXT_COUNT]


TO_VIEW_NOTE = "to be viewed by the instructor: "


def learner_notes(notes) -> list[str]:
    """The report's notes as a learner reads them: the pictures to be viewed are said apart
    (from ``to_view``), so their note is left out here."""
    return [n for n in notes if not n.startswith(TO_VIEW_NOTE)]
