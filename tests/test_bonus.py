"""Bonus (toolchain) checks beyond their cases in ``tests/cases/<kind>/``: issue links read
from the history, and bonus points that lift the total but never a phase."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import Repo, run_check

CASES = Path(__file__).parent / "cases"


def test_issue_links(repo):
    repo.commit("Plan the reminders (SHOP-12)", {"a.md": "x"})
    assert run_check(repo.path, "issue-links").status == "partial"
    repo.commit("Add the scheduler, closes #4", {"b.py": "x"})
    repo.commit("Add discount codes for SHOP-13", {"c.py": "x"})
    repo.commit("Add the pull-request template", {".github/pull_request_template.md": "## Summary\nCloses #\n"})
    finding = run_check(repo.path, "issue-links")
    assert finding.status == "pass" and "Jira" in finding.tools
    other = Repo(repo.path.parent / "plain")
    other.commit("Add the scheduler", {"b.py": "x"})
    assert run_check(other.path, "issue-links").status == "fail"


def test_bonus_never_enters_a_phase_and_caps_the_total(tmp_path):
    from grader import rubric
    from grader.scoring import grade

    for kind in ("security-scan", "alert-routing", "slo"):  # three real toolchain cases in one repository
        shutil.copytree(CASES / kind / "pass" / "real", tmp_path, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("case.yml"))
    report = grade(tmp_path, rubric.load("devops-loop"))
    phases = {p.id: p for p in report.phases}
    assert phases["test"].bonus_score == 1 and phases["test"].score == sum(c.score for c in phases["test"].checks if not c.bonus)
    assert "Trivy" in phases["test"].bonus_found
    assert report.score == round(sum(p.score for p in report.phases) + report.bonus_score, 2)
    assert report.bonus_applied == 3
    data = report.to_dict()
    assert data["bonus"] == {"score": 3.0, "max_score": 18.0, "applied": 3.0}
    assert data["schema_version"] == "1.4"
