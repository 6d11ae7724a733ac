"""The one way git runs (``grader.git.run``): isolated, bounded in time, its output capped in
memory or written to a file sink that stops at the cap."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from conftest import Repo
from grader.git import run


def test_output_is_capped_in_memory_and_git_still_finishes(repo: Repo):
    for i in range(30):
        repo.commit(f"commit number {i} with a long enough subject line", {f"f{i}.txt": str(i)})
    rc, out, err = run.run(["log", "--format=%H %s"], home=str(repo.path), git_dir=str(repo.path / ".git"),
                           max_output=100)
    assert rc == 0 and err == "" and len(out) == 100  # the rest was drained, not kept


def test_a_file_sink_gets_the_output_and_stops_at_the_cap(repo: Repo, tmp_path):
    repo.commit("first", {"big.txt": "x" * 50_000})
    whole = tmp_path / "whole.tar"
    with open(whole, "wb") as fh:
        git = run.start(["archive", "--format=tar", "HEAD"], home=str(repo.path), git_dir=str(repo.path / ".git"),
                        sink=fh)
        rc, out, _err = git.finish()
        git.close()
    assert rc == 0 and out == b"" and not git.overflowed and whole.stat().st_size > 50_000
    capped = tmp_path / "capped.tar"
    with open(capped, "wb") as fh:
        git = run.start(["archive", "--format=tar", "HEAD"], home=str(repo.path), git_dir=str(repo.path / ".git"),
                        sink=fh, max_output=10_000)
        git.finish()
        git.close()
    assert git.overflowed and capped.stat().st_size <= 10_000


def test_the_environment_is_isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_DIR", "/somewhere/else")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.pager=evil'")
    env = run.isolated_git_env(str(tmp_path))
    assert "GIT_DIR" not in env and "GIT_CONFIG_PARAMETERS" not in env
    assert env["HOME"] == str(tmp_path) and env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_TERMINAL_PROMPT"] == "0"


def test_a_git_that_hangs_is_stopped(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    git = run.start(["log"], home=str(tmp_path))
    with pytest.raises(run.GitProblem, match="longer than"):
        git.finish(timeout=0.2)
    assert not git.running()
    git.close()


def test_a_drained_command_runs_to_its_end_before_finish(repo: Repo):
    """``drain()`` reads git's output as it comes: a command that writes more than a pipe holds
    ends on its own (it would wait for ``finish()`` otherwise); ``finish()`` then hands all of it."""
    repo.commit("first", {"big.txt": "0123456789abcdef\n" * 40_000})  # 680 kB: ten pipes' worth
    git = run.start(["cat-file", "blob", "HEAD:big.txt"], home=str(repo.path), git_dir=str(repo.path / ".git"))
    git.drain()
    try:
        git.proc.wait(timeout=60)  # ended with nobody calling finish() (a generous bound, not a timing)
        rc, out, err = git.finish()
    finally:
        git.close()
    assert rc == 0 and err == "" and out == b"0123456789abcdef\n" * 40_000


def test_an_undrained_command_waits_for_finish(repo: Repo):
    """Without ``drain()`` (a conversation's caller reads the answers itself), git's output stays
    in the pipe until ``finish()``: nothing is read behind the caller's back."""
    repo.commit("first", {"big.txt": "x" * 300_000})
    git = run.start(["cat-file", "blob", "HEAD:big.txt"], home=str(repo.path), git_dir=str(repo.path / ".git"))
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            git.proc.wait(timeout=0.5)  # blocked on a full pipe
        rc, out, _err = git.finish()
    finally:
        git.close()
    assert rc == 0 and len(out) == 300_000
