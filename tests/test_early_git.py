"""git started as soon as the command line is read (``grader.sources.early_git``): the folder's
status and the history's facts run while the checks are imported and the rubric is loaded. The
submission graded is the same, the report the same, and nothing is left behind — whatever
happens before the grading uses them."""

from __future__ import annotations

import json
import tempfile

import pytest

from conftest import Repo
from grader.cli import main
from grader.rubric import load
from grader.scoring import grade
from grader.sources import early_git, opened
from grader.submission import Submission


@pytest.fixture
def learner(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("Add the service", {"README.md": "# service\n", "app.py": "print('hi')\n",
                                    ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
                                    "    steps:\n      - run: pytest\n"})
    repo.tag("v1.0.0", "first release")
    repo.commit("Fix #1: greet by name", {"app.py": "print('hi you')\n"})
    (repo.path / "notes.txt").write_text("not committed\n")  # the commit is graded, not the folder
    return repo


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Where loopcheck's temporary folders go, to see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_the_same_source_and_report_as_git_started_later(learner, private_tmp):
    rubric = load("devops-loop")
    path = str(learner.path)
    with opened(path) as source:
        later = grade(source.folder, rubric, git_root=source.git_root, tree=source.tree)
        later_notes = list(source.notes)
    early = early_git(path)
    assert early is not None and early.facts is not None
    try:
        with opened(path, early=early) as source:
            assert source.notes == later_notes and any("notes.txt" in n for n in source.notes)
            now = grade(source.folder, rubric, git_root=source.git_root, tree=source.tree, git=early.facts)
    finally:
        early.close()
    assert now.submission == later.submission and now.submission.commit
    assert now.phases == later.phases and now.notes == later.notes and now.warnings == later.warnings
    assert not list(private_tmp.iterdir())  # the status's and the facts' shadow folders removed


def test_a_submission_adopts_only_the_history_it_reads(learner):
    early = early_git(str(learner.path), worktree=True)
    assert early is not None and early.facts is not None
    try:
        same = Submission(learner.path)
        same.start_git(early.facts)
        assert same._git_pending is early.facts
        assert same.git.head == learner.git("rev-parse", "HEAD")
        other = Submission(learner.path, pull_request=True)  # another reading of the history
        other.start_git(early.facts)
        assert other._git_pending is not early.facts
        other.close()
    finally:
        early.close()


def test_started_only_for_a_repositorys_own_folder(learner, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert early_git(str(plain)) is None
    assert early_git(str(learner.path / "app.py")) is None
    assert early_git(str(learner.path), staged=True) is None  # --staged compares with the index
    early = early_git(str(learner.path), worktree=True)  # the folder as it is: no status to ask
    assert early is not None and early._thread is None
    early.close()


def test_nothing_is_left_when_the_rubric_fails_after_git_started(learner, private_tmp, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    assert main([str(learner.path), "--rubric", str(bad), "--format", "json"]) == 2
    assert "rubric" in capsys.readouterr().err
    assert not list(private_tmp.iterdir())


def test_the_command_line_grades_the_same_with_git_started_early(learner, capsys, monkeypatch):
    assert main([str(learner.path), "--rubric", "devops-loop", "--format", "json", "--no-fail"]) == 0
    early = json.loads(capsys.readouterr().out)
    monkeypatch.setattr("grader.sources.early_git", lambda *a, **k: None)
    assert main([str(learner.path), "--rubric", "devops-loop", "--format", "json", "--no-fail"]) == 0
    later = json.loads(capsys.readouterr().out)
    for report in (early, later):
        report.pop("tool", None)
        report.pop("generated_at", None)
    assert early == later
