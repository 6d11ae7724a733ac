"""Rubric × submission → Report.

A check scores ``points × fraction``. ``skip`` checks leave the maximum (they don't apply);
``error`` checks keep their points in the maximum and score 0, with the reason in the
message — the report says plainly that they could not be judged, so a grader can re-run
after fixing the cause (e.g. a shallow clone) rather than read it as the learner's failure.
"""

from __future__ import annotations

import os

from grader import __version__, detectors
from grader.docs import describe
from grader.model import (
    PHASES,
    CheckResult,
    PhaseResult,
    Report,
    SubmissionInfo,
    Warning_,
)
from grader.rubric import Rubric
from grader.submission import Submission

MAX_WARNINGS = 50


def _round(x: float) -> float:
    return round(x + 0.0, 2)


def grade(path: str | os.PathLike, rubric: Rubric, *, threshold: float | None = None,
          display_path: str | None = None) -> Report:
    sub = Submission(path)
    sub.start_git()  # git runs in the background while the first phases are checked
    try:
        return grade_submission(sub, rubric, threshold=threshold, display_path=display_path or str(path))
    finally:
        sub.close()


def grade_submission(sub: Submission, rubric: Rubric, *, threshold: float | None = None,
                     display_path: str | None = None) -> Report:
    phases = []
    for phase in PHASES:
        results = []
        for check in rubric.phases[phase]:
            finding = detectors.run(sub, check.kind, check.params)
            text = describe(check.kind, check)
            max_score = 0.0 if finding.status == "skip" else check.points
            results.append(CheckResult(
                id=check.id, title=check.title, kind=check.kind, status=finding.status,
                score=_round(check.points * finding.fraction) if finding.status != "skip" else 0.0,
                max_score=max_score, message=finding.message, hint=check.hint,
                evidence=finding.evidence, docs=check.docs, bonus=check.bonus, tools=finding.tools,
                looks_for=text.looks_for, why=text.why,
            ))
        core = [r for r in results if not r.bonus]
        phases.append(PhaseResult(
            id=phase, title=rubric.phase_titles.get(phase, phase.title()),
            score=_round(sum(r.score for r in core)),
            max_score=_round(sum(r.max_score for r in core)), checks=tuple(results),
        ))
    core_score = _round(sum(p.score for p in phases))
    max_score = _round(sum(p.max_score for p in phases))
    # bonus points lift the total only, up to the maximum
    score = _round(min(max_score, core_score + sum(p.bonus_score for p in phases)))
    percent = round(100.0 * score / max_score, 1) if max_score else 0.0
    mark = rubric.pass_mark if threshold is None else float(threshold)
    git = sub.git
    warnings = tuple(Warning_(p, m) for p, m in sorted(sub.problems.items())[:MAX_WARNINGS])
    if git.error:
        warnings = (Warning_(".git", git.error),) + warnings
    return Report(
        tool_version=__version__, rubric_id=rubric.id, rubric_title=rubric.title,
        rubric_version=rubric.version, rubric_sha256=rubric.sha256,
        submission=SubmissionInfo(path=display_path or str(sub.root), commit=git.head,
                                  is_git=git.is_git, shallow=git.shallow, branch=git.branch),
        score=score, max_score=max_score, percent=percent, threshold=mark,
        passed=percent >= mark, phases=tuple(phases), warnings=warnings, core_score=core_score,
    )
