""""Not judged" is not a discount (promise: "a check that cannot be judged because of what the
submission holds scores 0 and says why"): only causes outside the learner's control — a shallow
clone, the instructor's time budget, loopcheck's own fault — leave the maximum. Junk in
``.git``, a deleted ``.git``, or evidence that runs past the memory budget can't lift a score."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from conftest import SAMPLES
from grader import detectors, rubric
from grader.scoring import grade

GRADER = Path(__file__).resolve().parents[2] / "grader"


def _clone(tmp_path, name="sub") -> Path:
    dest = tmp_path / name
    subprocess.run(["git", "clone", "--quiet", str(SAMPLES / "half-done.bundle"), str(dest)], check=True,
                   capture_output=True)
    return dest


def test_junk_under_git_refs_cannot_lift_a_score(tmp_path):
    loop = rubric.load("devops-loop")
    honest = grade(_clone(tmp_path, "honest"), loop)
    junk = _clone(tmp_path, "junk")
    (junk / ".git" / "refs" / "heads" / "junk").write_bytes(b"x" * 5000)  # 5 KB: "larger than a ref can be"
    gamed = grade(junk, loop)
    assert gamed.max_score == honest.max_score
    assert gamed.percent <= honest.percent
    history = next(c for _, c in gamed.checks() if c.id == "code.commit-history")
    assert history.status == "fail" and history.score == 0 and history.max_score > 0
    assert "larger than a ref can be" in history.message and "scored 0" in history.message


def test_deleting_git_cannot_lift_a_score(tmp_path):
    import shutil

    loop = rubric.load("devops-loop")
    honest = grade(_clone(tmp_path, "honest"), loop)
    bare = _clone(tmp_path, "bare")
    shutil.rmtree(bare / ".git")
    gamed = grade(bare, loop)
    assert gamed.max_score == honest.max_score and gamed.percent <= honest.percent
    assert any("no git history" in n and "scored 0" in n for n in gamed.notes)


def test_running_past_the_memory_budget_scores_zero_not_a_discount(tmp_path, monkeypatch):
    """A Helm chart that renders past the memory budget (a MemoryError inside its check)."""
    loop = rubric.load("devops-loop")
    sub = _clone(tmp_path)
    honest = grade(sub, loop)
    reg = detectors.registry()
    target = next(c for _, c in honest.checks() if c.status != "pass" and c.max_score > 0 and not c.bonus)

    def blows_up(_sub, _params):
        raise MemoryError

    monkeypatch.setitem(reg, target.kind, reg[target.kind].__class__(
        **{**{f: getattr(reg[target.kind], f) for f in reg[target.kind].__slots__}, "func": blows_up}))
    gamed = grade(sub, loop)
    assert gamed.max_score == honest.max_score and gamed.percent <= honest.percent
    check = next(c for _, c in gamed.checks() if c.id == target.id)
    assert check.status == "fail" and "memory" in check.message and "scored 0" in check.message


def test_what_is_outside_the_learners_control_still_leaves_the_maximum(tmp_path, monkeypatch):
    """The instructor's time budget and loopcheck's own bugs stay "not judged"."""
    loop = rubric.load("devops-loop")
    sub = _clone(tmp_path)
    honest = grade(sub, loop)
    reg = detectors.registry()
    target = next(c for _, c in honest.checks() if c.max_score > 0 and not c.bonus)

    def buggy(_sub, _params):
        raise KeyError("a bug")

    monkeypatch.setitem(reg, target.kind, reg[target.kind].__class__(
        **{**{f: getattr(reg[target.kind], f) for f in reg[target.kind].__slots__}, "func": buggy}))
    report = grade(sub, loop)
    check = next(c for _, c in report.checks() if c.id == target.id)
    assert check.status == "error" and check.max_score == 0 and "bug in loopcheck" in check.message


# Every place that makes a check "not judged" (left out of the maximum), with the cause that
# makes it outside the learner's control. A new one must be added here, with its reason.
NOT_JUDGED = {
    "grader/scoring.py:_findings": "the instructor's --timeout ran out",
    "grader/detectors/__init__.py:run": "unknown kind, a check out of wall-clock time, or a bug in loopcheck",
    "grader/detectors/common.py:git_or_finding": "git timed out or could not start (facts.error_outside)",
    "grader/detectors/common.py:shallow_or": "a shallow clone (CI's default checkout)",
}


def test_every_not_judged_cause_is_outside_the_learners_control():
    found = set()
    for path in GRADER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "error"
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == "Finding"):
                    found.add(f"{path.relative_to(GRADER.parent).as_posix()}:{func.name}")
    found.discard("grader/model.py:unjudgeable")
    assert found == set(NOT_JUDGED)
