"""Nothing is read from outside the submission through its .git folder (promise: "loopcheck
never reads outside the submission"): links to another student's objects or refs, and special
files, make the history unreadable — said so — instead of being followed."""

from __future__ import annotations

import os
import subprocess
from unittest import mock

from conftest import Repo, run_check
from grader import git


def _other_student(tmp_path) -> Repo:
    other = Repo(tmp_path / "other")
    for i in range(6):
        other.commit(f"Add the reminder module part {i} with its tests", {f"m{i}.py": f"X = {i}\n"})
    other.git("gc", "--quiet")
    return other


def test_a_symlinked_pack_of_another_student_is_not_read(tmp_path):
    other = _other_student(tmp_path)
    thief = Repo(tmp_path / "thief")
    thief.commit("empty start")
    pack_dir = other.path / ".git" / "objects" / "pack"
    for f in pack_dir.iterdir():
        os.symlink(f, thief.path / ".git" / "objects" / "pack" / f.name)
    (thief.path / ".git" / "refs" / "heads" / "main").write_text(other.git("rev-parse", "HEAD") + "\n")
    facts = git.GitFacts.read(str(thief.path))
    assert facts.error and "symbolic link" in facts.error and not facts.commits
    finding = run_check(thief.path, "commit-history")
    # what the submission holds: scored 0, saying why (never a discount)
    assert finding.status == "fail" and "symbolic link" in finding.message and "scored 0" in finding.message


def _with_processes_counted(fn, *args):
    """``fn(*args)`` and how many processes it started (git among them)."""
    with mock.patch.object(subprocess, "Popen", wraps=subprocess.Popen) as popen:
        result = fn(*args)
    return result, popen.call_count


def test_a_ref_linked_to_dev_zero_is_refused_at_once(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("start")
    ref = repo.path / ".git" / "refs" / "heads" / "evil"
    os.symlink("/dev/zero", ref)
    facts, started = _with_processes_counted(git.GitFacts.read, str(repo.path))
    assert facts.error and "symbolic link" in facts.error
    assert started == 0  # refused before git runs: nothing reads the endless file


def test_a_fifo_among_the_refs_is_never_opened(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.commit("start")
    os.mkfifo(repo.path / ".git" / "refs" / "heads" / "blocker")
    facts, started = _with_processes_counted(git.GitFacts.read, str(repo.path))
    assert facts.error and "special file" in facts.error
    assert started == 0  # refused before git runs: nothing waits on the FIFO


def test_a_link_added_to_refs_after_a_reading_is_refused_at_the_next(tmp_path, monkeypatch):
    # the walk of .git/refs is remembered while none of its folders changed (20,000 tags are
    # not walked again for each shadow of one grading): a link added since is still refused
    from grader.git import shadow

    repo = Repo(tmp_path / "repo")
    repo.commit("start")
    for i in range(3):
        repo.tag(f"v1.0.{i}")
    walked = []
    real = os.scandir
    monkeypatch.setattr(shadow.os, "scandir", lambda path: walked.append(path) or real(path))
    assert not git.GitFacts.read(str(repo.path)).error
    first = len(walked)
    assert not git.GitFacts.read(str(repo.path)).error
    assert len(walked) - first < first  # refs/ not walked again: only the objects' links listed
    os.symlink("/dev/zero", repo.path / ".git" / "refs" / "tags" / "v1.0.3")
    facts, started = _with_processes_counted(git.GitFacts.read, str(repo.path))
    assert facts.error and "symbolic link" in facts.error and started == 0
    os.unlink(repo.path / ".git" / "refs" / "tags" / "v1.0.3")
    (repo.path / ".git" / "refs" / "tags" / "deep").mkdir()
    os.symlink("/dev/zero", repo.path / ".git" / "refs" / "tags" / "deep" / "v2")
    facts = git.GitFacts.read(str(repo.path))
    assert facts.error and "symbolic link" in facts.error
