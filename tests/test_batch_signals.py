"""Ctrl-C and SIGTERM at any moment of a batch: the run ends with 130 or 143, every worker it
started is stopped, its temporary folder is removed, and no traceback (the parent's or a
worker's) reaches the user."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from conftest import SAMPLES, Repo
from grader import cli
from grader.batch import pool
from grader.batch.discover import Task


def _tasks(tmp_path, n: int) -> list[Task]:
    tasks = []
    for i in range(n):
        repo = Repo(tmp_path / f"s{i}")
        repo.commit("Add the service", {"README.md": f"# service {i}\n"})
        tasks.append(Task(f"s{i}", "dir", str(repo.path)))
    return tasks


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_a_sigterm_while_workers_start_leaves_none_running(tmp_path, monkeypatch, capfd):
    """The signal comes the moment the first of two workers has started (a real SIGTERM to this
    process, handled as the command line handles it): that worker is stopped too."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    tasks = _tasks(tmp_path, 3)
    started: list[pool._Worker] = []
    real = pool._Worker.__init__

    def signalling(self, *args, **kwargs):
        real(self, *args, **kwargs)
        started.append(self)
        if len(started) == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(pool._Worker, "__init__", signalling)
    previous = signal.signal(signal.SIGTERM, cli._terminated)
    try:
        with pytest.raises(SystemExit) as stopped:
            pool.run(tasks, rubric_ref=None, jobs=2, timeout=60, memory_mb=0, jsonl=None, resume=False)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stopped.value.code == 143
    assert len(started) == 1
    started[0].proc.join(timeout=10)
    assert not started[0].proc.is_alive()  # the worker started just before the signal is stopped
    assert [p.name for p in tmp.iterdir() if p.name.startswith("loopcheck-batch-")] == []
    time.sleep(0.2)
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("stop, code, said", [
    (SystemExit(143), 143, ""),
    (KeyboardInterrupt(), 130, "loopcheck: interrupted"),
])
def test_a_run_stopped_while_a_class_is_created_is_stopped_not_broken(monkeypatch, capsys, stop, code, said):
    """A signal handler's exception raised while a module's dataclass is being created reaches
    main() wrapped ("Error calling __set_name__"): still a stop, never "internal error"."""
    def wrapped(_args):
        try:
            raise stop
        except BaseException as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    monkeypatch.setattr(cli, "_run", wrapped)
    assert cli.main(["."]) == code
    err = capsys.readouterr().err
    assert "internal error" not in err and said in err


def test_sigterm_at_moments_of_start_up_and_grading(tmp_path):
    """One class, SIGTERM sent at several moments from start-up to grading (timings differ from
    machine to machine: together they cover interpreter start, imports, the forkserver's
    preloading, workers starting and submissions being graded)."""
    klass = tmp_path / "class"
    klass.mkdir()
    for i in range(6):
        shutil.copy(SAMPLES / "complete.bundle", klass / f"s{i}.bundle")
    problems = []
    for n, delay in enumerate([0.2, 0.5, 0.8, 1.2, 1.8, 2.6]):
        tmp = tmp_path / f"tmp{n}"
        tmp.mkdir()
        proc = subprocess.Popen([sys.executable, "-m", "grader", "batch", str(klass), "--jobs", "2", "-q",
                                 "--jsonl", str(tmp_path / f"r{n}.jsonl")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                env={**os.environ, "TMPDIR": str(tmp)})
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        time.sleep(0.3)  # a worker still starting would print now
        left = sorted(p.name for p in tmp.iterdir())
        # -15: the signal came before loopcheck's handler was installed (Python still starting)
        if proc.returncode not in (143, -15, 0) or "Traceback" in err or "internal error" in err or left:
            problems.append((delay, proc.returncode, left, err[-600:]))
    assert problems == []
