"""One memory budget for the whole process tree, in single mode too (promise: "bounded in
memory whatever the files contain"): git children count, a git command that would take more
is stopped, and the grading still ends with a report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from grader import memory

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="the tree is read from /proc (Linux)")

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b",
       "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b"}


def _repo_with_huge_commit_message(path, megabytes: int) -> None:
    """A 1 MB .git whose last commit message is ``megabytes`` long (git's zlib packs the zeros)."""
    git = ["git", "-C", str(path)]
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=ENV)
    (path / "README.md").write_text("# notes\n")
    subprocess.run([*git, "add", "."], check=True, env=ENV)
    subprocess.run([*git, "commit", "-qm", "init"], check=True, env=ENV)
    tree = subprocess.run([*git, "rev-parse", "HEAD^{tree}"], capture_output=True, text=True, env=ENV).stdout.strip()
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, env=ENV).stdout.strip()
    body = (f"tree {tree}\nparent {head}\nauthor a <a@b> 1700000000 +0000\n"
            f"committer a <a@b> 1700000000 +0000\n\nbig\n").encode() + b"0" * (megabytes << 20)
    sha = subprocess.run([*git, "hash-object", "-t", "commit", "-w", "--stdin"], input=body,
                         capture_output=True, check=True, env=ENV).stdout.decode().strip()
    subprocess.run([*git, "update-ref", "HEAD", sha], check=True, env=ENV)


def _graded_with_peak(args: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """loopcheck's result and the largest resident size (MB) of any process of its tree (the
    timeout only keeps a hang from stalling the suite)."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
             "sys.stdout.buffer.write(r.stdout); sys.stderr.write(str(r.returncode) + ' ' + "
             "str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))")
    proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "grader", *args],
                          capture_output=True, timeout=300)
    code, peak_kb = proc.stderr.decode().split()[-2:]
    return subprocess.CompletedProcess(args, int(code), proc.stdout, b""), int(peak_kb) // 1024


def test_a_huge_commit_message_stays_within_the_memory_budget(tmp_path):
    _repo_with_huge_commit_message(tmp_path / "repo", 200)
    result, peak = _graded_with_peak([str(tmp_path / "repo"), "-f", "json", "--memory-mb", "128"])
    assert result.returncode in (0, 1)
    report = json.loads(result.stdout)  # a report, not a crash
    assert report["score"] == 0
    assert peak < 128 + 150, f"a process of the tree reached {peak} MB"  # + Python's own baseline


def test_the_watch_kills_a_child_that_takes_the_tree_over_its_budget():
    baseline, _ = memory.tree(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(200 << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(30)"])
    try:
        with memory.TreeWatch(baseline + (100 << 20), interval=0.02) as watch:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        assert watch.exceeded
        assert child.returncode == -9, "the child over the budget was not stopped"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_the_tree_adds_up_children(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(50 << 20); x[::4096] = b'1' * len(x[::4096]); time.sleep(30)"],
                             stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and memory.processes().get(child.pid, (0, 0))[1] < 45 << 20:
            time.sleep(0.05)
        table = memory.processes()
        total, pids = memory.tree(os.getpid(), table)
        assert child.pid in pids
        assert total >= table[os.getpid()][1] + (45 << 20)
    finally:
        child.kill()
        child.wait()


def test_no_budget_is_no_limit():
    with memory.budget(0) as watch:
        assert watch is None


def test_the_previous_limit_comes_back():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with memory.budget(4096) as watch:
        assert watch is not None
        assert resource.getrlimit(resource.RLIMIT_AS) != before or before[1] != resource.RLIM_INFINITY
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_the_watch_reads_every_process_only_while_there_are_children():
    """Without a child the tree is this process alone: its size is read from /proc/self, not by
    walking processes (neither every process of the machine nor its children lists); with one,
    the whole tree is added up as before. (In a fresh Python: this one may hold children of other
    tests.)"""
    code = textwrap.dedent("""
        import subprocess, sys, time
        from grader import memory
        assert not memory.has_children()
        scans = []
        real = memory.tree
        memory.tree = lambda *args: scans.append(1) or real(*args)
        with memory.TreeWatch(1 << 40, interval=0.01):
            time.sleep(0.2)
        assert not scans, "walked the process tree without a child"
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            assert memory.has_children()
            with memory.TreeWatch(1 << 40, interval=0.01):
                deadline = time.monotonic() + 15
                while not scans and time.monotonic() < deadline:
                    time.sleep(0.01)
            assert scans, "a child's tree was not added up"
        finally:
            child.kill()
            child.wait()
        assert not memory.has_children()  # reaped: none left
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
