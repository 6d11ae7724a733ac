"""Every budget enforced, in single mode too (promise: "bounded in time whatever the files
contain"): a check that runs too long is stopped and not judged, the whole grading has a
deadline, rubric patterns that backtrack catastrophically are refused, and nonsense budgets
are usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import python_calls, write_tree
from grader import detectors, rubric
from grader.cli import main
from grader.scoring import grade
from grader.submission import Submission


def test_a_check_that_would_hang_is_stopped_and_not_judged(tmp_path, monkeypatch):
    # A check that never ends (a loop loopcheck did not bound) is stopped by its budget.
    sub = Submission(write_tree(tmp_path, {"docs/plan.md": "# Plan\n"}))
    reg = detectors.registry()

    def forever(_sub, _params):
        while True:
            pass

    monkeypatch.setitem(reg, "acceptance-criteria", reg["acceptance-criteria"].__class__(
        **{**{f: getattr(reg["acceptance-criteria"], f) for f in reg["acceptance-criteria"].__slots__},
           "func": forever}))
    finding = detectors.run(sub, "acceptance-criteria", {}, budget=0.2)
    assert finding.status == "error" and "took longer than 0.2 s" in finding.message


def test_the_whole_grading_has_a_deadline(tmp_path):
    report = grade(write_tree(tmp_path, {"README.md": "# x\n"}), rubric.load("devops-loop"), timeout=1e-6)
    unjudged = [c for _, c in report.checks() if "time budget" in c.message]
    assert unjudged and all(c.status == "error" and c.max_score == 0 for c in unjudged)


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_nonsense_budgets_are_usage_errors(tmp_path, capsys, value):
    (tmp_path / "a").mkdir()
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "g.csv"), "--timeout", value]) == 2
    assert main([str(tmp_path), "--timeout", value]) == 2


def test_aliases_cannot_expand_a_small_workflow_into_a_huge_one(tmp_path):
    script = "\n".join(f"echo step {i} && make target{i}" for i in range(10_000))
    steps = "\n".join("      - run: *script" for _ in range(400))
    workflow = ("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: &script |\n"
                + "\n".join("          " + line for line in script.split("\n")) + "\n" + steps + "\n")
    sub = Submission(write_tree(tmp_path, {".github/workflows/ci.yml": workflow}))
    finding, calls = python_calls(detectors.run, sub, "ci-trigger", {})
    assert calls < 200_000  # expanded, the 400 aliases would be 4,000,000 lines to split
    assert finding.status == "fail" and "alias expansion" in sub.problems[".github/workflows/ci.yml"]


def test_a_small_bundle_of_zeros_cannot_fill_the_disk(tmp_path):
    from conftest import Repo
    from grader.sources import opened

    repo = Repo(tmp_path / "src")
    (repo.path / "zeros.bin").write_bytes(b"\0" * 30_000_000)  # compresses to almost nothing
    repo.commit("Add a large file", {"README.md": "# x\n"})
    bundle = tmp_path / "small.bundle"
    repo.git("bundle", "create", str(bundle), "--all")
    assert bundle.stat().st_size < 200_000
    with opened(str(bundle)) as source:
        written = sum(f.stat().st_size for f in Path(source.folder).rglob("*") if f.is_file())
        assert written < 1_000_000  # no checkout, no export: only the bundle's objects were written
        assert source.tree is not None
        sub = Submission(source.folder, tree=source.tree)
        assert "zeros.bin" in sub.files and sub.read_bytes("zeros.bin") is None  # over the file cap: never read
        assert "larger than" in sub.problems["zeros.bin"] and source.tree.read_bytes == 0
