"""Rubric × submission → Report.

A check scores ``points × fraction``. ``skip`` checks leave the maximum (they don't apply).
``error`` checks ("not judged") leave the total *and* the maximum, with the reason in the
message; only causes outside the learner's control are ``error`` — a shallow clone, the
instructor's time budget, loopcheck's own fault — so a grader can re-run after fixing the cause.
A check that cannot be judged because of what the submission holds (no git history, an
unreadable ``.git``, evidence past the memory or work budgets) is a ``fail``: it scores 0, keeps
its points in the maximum and says why (:meth:`~grader.model.Finding.unjudgeable`), so "not
judged" is never a discount a submission can buy.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from grader import __version__, detectors
from grader.docs import describe
from grader.evidence import ci
from grader.model import (
    PHASES,
    CheckResult,
    Finding,
    PhaseResult,
    Report,
    SubmissionInfo,
    TaskResult,
    Warning_,
)
from grader.rubric import Rubric
from grader.submission import Submission

if TYPE_CHECKING:
    from grader.git import GitFacts, PendingGit
    from grader.submission import Files

MAX_WARNINGS = 50
_WRITTEN_KINDS = frozenset({"mapping-section", "feedback-loops", "pipeline-design", "success-metrics"})


def _round(x: float) -> float:
    return round(x + 0.0, 2)


def grade(path: str | os.PathLike, rubric: Rubric, *, threshold: float | None = None,
          display_path: str | None = None, git_root: str | os.PathLike | None = None,
          timeout: float | None = None, pull_request: bool = False, tree: Files | None = None,
          git: PendingGit | None = None) -> Report:
    """Grade the files in ``path`` (those of ``tree`` when given: a commit read from its
    objects, a zip read in place); the history comes from ``git_root`` (default: ``path``).
    ``timeout``: seconds for the whole grading; checks not reached by then are not judged.
    ``pull_request``: graded in a CI run for a pull request, whose checkout is a merge commit
    the CI made (the learner's own history is its second parent). ``git``: the history's reading
    already started by the caller (used when it is this submission's; the caller closes it)."""
    sub = Submission(path, git_root=git_root, pull_request=pull_request, tree=tree)
    sub.start_git(git)  # git runs in the background while the first phases are checked
    try:
        return grade_submission(sub, rubric, threshold=threshold, display_path=display_path or str(path),
                                timeout=timeout)
    finally:
        sub.close()


def grade_submission(sub: Submission, rubric: Rubric, *, threshold: float | None = None,
                     display_path: str | None = None, timeout: float | None = None) -> Report:
    deadline = time.monotonic() + timeout if timeout else None
    findings = _findings(sub, rubric, timeout)
    notes: list[str] = []
    by_id = {c.id: c for c in rubric.checks}
    for check in rubric.checks:
        if check.evidence:
            findings[check.id] = _with_evidence(check, findings, by_id, _hands_on(sub), notes, rubric.base_points)
    results = _check_results(sub, rubric, findings, deadline)
    phases = []
    for phase in PHASES:
        checks = tuple(results[c.id] for c in rubric.phases[phase])
        core = [r for r in checks if not r.bonus]
        phases.append(PhaseResult(
            id=phase, title=rubric.phase_titles.get(phase, phase.title()),
            score=_round(sum(r.score for r in core)),
            max_score=_round(sum(r.max_score for r in core)), checks=checks,
        ))
    tasks = []
    for task in rubric.tasks:
        checks = tuple(results[c.id] for c in rubric.task_of(task.id))
        counted = [r for r in checks if task.bonus or not r.bonus]
        tasks.append(TaskResult(id=task.id, title=task.title, score=_round(sum(r.score for r in counted)),
                                max_score=_round(sum(r.max_score for r in counted)), checks=checks, bonus=task.bonus))
    all_results = list(results.values())
    core_score = _round(sum(r.score for r in all_results if not r.bonus))
    max_score = _round(sum(r.max_score for r in all_results if not r.bonus))
    # bonus points lift the total only, up to the maximum
    score = _round(min(max_score, core_score + sum(r.score for r in all_results if r.bonus)))
    percent = round(100.0 * score / max_score, 1) if max_score else 0.0
    mark = rubric.pass_mark if threshold is None else float(threshold)
    git = sub.git
    warnings = tuple(Warning_(p, m) for p, m in sorted(sub.problems.items())[:MAX_WARNINGS])
    if git.error:
        warnings = (Warning_(".git", git.error),) + warnings
    notes += _notes(git, rubric, results)
    to_view, written_places = _deliverables(sub, rubric, findings)
    if to_view:
        notes.append("to be viewed by the instructor: " + ", ".join(str(p) for p in to_view))
    return Report(
        tool_version=__version__, rubric_id=rubric.id, rubric_title=rubric.title,
        rubric_version=rubric.version, rubric_sha256=rubric.sha256,
        submission=SubmissionInfo(path=display_path or str(sub.root), commit=git.head,
                                  is_git=git.is_git, shallow=git.shallow, branch=git.branch),
        score=score, max_score=max_score, percent=percent, threshold=mark,
        passed=percent >= mark, phases=tuple(phases), warnings=warnings, core_score=core_score,
        tasks=tuple(tasks), notes=tuple(notes), to_view=tuple(to_view), written=written_places,
    )


def _pipelines_read(sub: Submission, deadline: float | None) -> list:
    """The pipelines the checks already read (for the hints' words); when none of the checks
    read them, read them now — within a check's time budget and what is left of the grading's
    (their work is bounded by the evidence budget) — and none when that fails: hints then use
    the default words."""
    cached = sub.memo("pipelines")
    if cached is not None:
        return cached
    from grader.detectors import CHECK_BUDGET, _budget, _Overtime
    from grader.evidence.budget import Interrupted

    seconds = CHECK_BUDGET if deadline is None else min(CHECK_BUDGET, deadline - time.monotonic())
    if seconds <= 0:
        return []
    try:
        with _budget(seconds):
            return ci.read_pipelines(sub)
    except (_Overtime, Interrupted, RecursionError, MemoryError):
        return []


def _findings(sub: Submission, rubric: Rubric, timeout: float | None) -> dict[str, Finding]:
    """Every check's finding, each within its budget and all within ``timeout`` seconds (checks
    not reached by then are not judged)."""
    deadline = time.monotonic() + timeout if timeout else None
    findings: dict[str, Finding] = {}
    for c in rubric.checks:
        left = deadline - time.monotonic() if deadline is not None else None
        if left is not None and left <= 0:
            findings[c.id] = Finding.error(f"the grading's time budget ({timeout:g} s) ran out before this check: "
                                           "not judged")
            continue
        budget = min(detectors.CHECK_BUDGET, left) if left is not None else None
        findings[c.id] = detectors.run(sub, c.kind, c.params, budget=budget)
    return findings


def _check_results(sub: Submission, rubric: Rubric, findings: dict[str, Finding],
                   deadline: float | None = None) -> dict[str, CheckResult]:
    """Each check's result: its finding scored, its hint in the words of the repository's CI
    system (from what the checks read, within the grading's time)."""
    results: dict[str, CheckResult] = {}
    words = ci.terms(_pipelines_read(sub, deadline))
    for check in rubric.checks:
        finding = findings[check.id]
        text = describe(check.kind, check)
        # skip: does not apply; error: could not be judged (a shallow clone, an unreadable .git):
        # either way the check is left out of the total and of the maximum
        judged = finding.status not in ("skip", "error")
        max_score = check.points if judged else 0.0
        results[check.id] = CheckResult(
            id=check.id, title=check.title, kind=check.kind, status=finding.status,
            score=_round(check.points * finding.fraction) if judged else 0.0,
            max_score=max_score, message=finding.message, hint=ci.phrase(check.hint, words),
            evidence=finding.evidence, docs=check.docs, bonus=check.bonus, tools=finding.tools,
            looks_for=text.looks_for, why=text.why,
        )
    return results


def _deliverables(sub: Submission, rubric: Rubric, findings: dict[str, Finding]):
    """The pictures handed in as deliverables (to be viewed), and where each task's written
    work was found, when the rubric grades written work."""
    to_view: list = []
    for c in rubric.checks:
        for place in findings[c.id].to_view:
            if place not in to_view:
                to_view.append(place)
    written_places: tuple = ()
    if any(c.kind in _WRITTEN_KINDS for c in rubric.checks):
        from grader.evidence import written

        found = written.where_found(sub)
        written_places = tuple((f"task{t}", tuple(found[t])) for t in sorted(found) if found[t])
    return to_view, written_places


def _notes(git: GitFacts, rubric: Rubric, results: dict[str, CheckResult]) -> list[str]:
    """What the instructor should know: how the history was read, points lost for no history."""
    notes: list[str] = []
    if git.note:
        notes.append(f"Git: {git.note}")
    if not git.is_git:
        lost = sum(c.points for c in rubric.checks
                   if not c.bonus and results[c.id].status == "fail" and "no git history" in results[c.id].message)
        if lost:
            notes.append(f"no git history: {lost:g} points of history checks scored 0 (hand in the repository "
                         "or a bundle of it for them to count)")
    return notes


def _hands_on(sub: Submission) -> bool:
    """Does the repository hold more than the written work (so its absence of a pipeline, say,
    contradicts a written claim rather than being the docs-only exercise)?"""
    docs = ("readme", "license", "licence", ".gitignore", ".gitattributes", "changelog")
    return any(not f.startswith("exercises/") and not f.lower().startswith(docs) for f in sub.files)


def _with_evidence(check, findings: dict[str, Finding], by_id: dict, hands_on: bool, notes: list[str],
                   base_points: dict | None = None) -> Finding:
    """The check's finding with its repository evidence counted: an evidence check's credit
    counts for the listed parts (or the whole check), whichever is more. A phase's mapping that
    answers none of its parts in writing (nothing written, or a section that answers nothing)
    earns at least the strength of the phase's repository evidence (:func:`_phase_strength`)."""
    finding = findings[check.id]
    if finding.status in ("error", "skip"):
        return finding
    parts = dict(finding.parts)
    fraction = finding.fraction
    credited: list[str] = []
    evidence = list(finding.evidence)
    for ev in check.evidence:
        ref = findings.get(ev.check)
        ref_check = by_id.get(ev.check)
        if ref is None or ref_check is None:
            continue
        if ev.claims and set(ev.claims) & set(finding.claims) and ref.status == "fail" and hands_on:
            notes.append(f"{check.title}: the written work says this is done with {', '.join(sorted(set(ev.claims) & set(finding.claims)))}, "
                         f"but the repository does not show it ({ref_check.title}: {ref.message})")
        if ref.fraction <= 0:
            continue
        if ev.parts and parts:
            gained = [p for p in ev.parts if p in parts and ref.fraction > parts[p]]
            for p in gained:
                parts[p] = ref.fraction
            if gained:
                credited.append(f"{', '.join(gained)} by {ref_check.title.lower()}")
                evidence.extend(ref.evidence[:1])
        elif check.kind == "mapping-section":
            continue  # a phase's mapping with nothing written is credited by the phase's strength (below)
        elif ref.fraction > fraction:
            fraction = ref.fraction
            credited.append(f"by {ref_check.title.lower()}")
            evidence.extend(ref.evidence[:1])
    if parts:
        fraction = max(fraction, sum(parts.values()) / len(parts))
    if check.kind == "mapping-section" and check.phase and not any(v > 0 for _, v in finding.parts):
        # nothing written for the phase, or a section that answers none of its parts (a heading,
        # a template's placeholders): the phase's repository evidence credits the mapping in
        # proportion, so such a section never scores below no section at all
        strength, how, shown = _phase_strength(check, findings, by_id, base_points or {})
        if strength > fraction:
            fraction = strength
            credited = [how]
            evidence.extend(shown)
    if not credited:
        return finding
    better = Finding.ratio(fraction, f"{finding.message}; credited from the repository: {'; '.join(credited)}",
                           evidence[:5], finding.tools)
    return Finding(better.status, better.fraction, better.message, better.evidence, better.tools,
                   tuple(parts.items()), finding.claims, finding.to_view)


def _phase_strength(check, findings: dict[str, Finding], by_id: dict, base_points: dict) -> tuple[float, str, list]:
    """How strongly the repository shows ``check``'s phase: the phase's repository checks (its
    core checks other than the written work, those not judged left out) scored as the rubric it
    extends weighs them (``devops-loop``'s points; equal weights where none), the line that says
    how it was derived (``Deploy 1.2/5 from repository evidence: 1 of 5 deploy checks pass, 3 of 13
    points (deployment is automated ✔, ...)``), and the evidence of what passes."""
    phase = check.phase
    own = [c for c in by_id.values() if c.phase == phase and not c.bonus and c.kind not in _WRITTEN_KINDS
           and c.kind != "mapping-section" and findings.get(c.id) is not None
           and findings[c.id].status not in ("error", "skip")]
    if not own:
        return 0.0, "", []
    marks = {"pass": "✔", "partial": "◐", "fail": "✘"}
    weight = {c.id: base_points.get(c.id) or c.points or 1.0 for c in own}
    total = sum(weight.values())
    got = sum(weight[c.id] * findings[c.id].fraction for c in own)
    strength = got / total
    passing = sum(1 for c in own if findings[c.id].status == "pass")
    parts = ", ".join(f"{c.title[:1].lower() + c.title[1:]} {marks.get(findings[c.id].status, '?')}" for c in own)
    how = (f"{phase.title()} {_round(check.points * strength):g}/{check.points:g} from repository evidence: "
           f"{passing} of {len(own)} {phase} checks pass, {_round(got):g} of {total:g} points ({parts})")
    shown = [ev for c in own if findings[c.id].fraction > 0 for ev in findings[c.id].evidence[:1]]
    return strength, how, shown[:2]
