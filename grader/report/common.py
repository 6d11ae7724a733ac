"""Small helpers shared by renderers."""

from __future__ import annotations

STATUS_ICONS = {"pass": "✅", "partial": "🟡", "fail": "❌", "error": "⚠️", "skip": "➖"}


def num(x: float) -> str:
    """8 -> '8', 7.5 -> '7.5', 7.25 -> '7.25'."""
    return f"{x:g}" if float(x) == int(x) else f"{x:.2f}".rstrip("0").rstrip(".")


def file_location(check):
    """The first evidence location that is a place in a file, or None."""
    return next((e for e in check.evidence if e.is_file), None)


def failing(report):
    """(phase, check) for every core check that is not a full pass (skips and bonus left out)."""
    return [(p, c) for p, c in report.checks() if c.status in ("fail", "partial", "error") and not c.bonus]


def bonus_line(phase) -> str:
    """'+1: Argo CD, Trivy' for a phase's earned bonus, or ''."""
    if not phase.bonus_score:
        return ""
    found = ", ".join(phase.bonus_found)
    return f"+{num(phase.bonus_score)}" + (f": {found}" if found else "")
