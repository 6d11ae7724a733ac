"""A batch amortises: its workers stay alive across submissions (started once, not per
submission), and no submission is copied — a repository whose folder differs from its last commit
is read from its git objects, a zip in place; each result still reaches the gradebook alone."""

from __future__ import annotations

import zipfile

from conftest import Repo
from grader import rubric
from grader.batch import pool
from grader.batch.discover import Task
from grader.batch.gradebook import Gradebook
from grader.batch.prepare import grade_task


def _repo(path, n: int) -> Repo:
    repo = Repo(path)
    repo.commit("Add the service", {"README.md": f"# service {n}\n", "CHANGELOG.md": "## 1.0.0\n- first\n"})
    (path / "untracked.txt").write_text("not committed\n")
    return repo


def test_workers_are_started_once_for_the_whole_class(tmp_path, monkeypatch):
    started = []
    real = pool._Worker.__init__

    def counting(self, *args, **kwargs):
        started.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(pool._Worker, "__init__", counting)
    tasks = [Task(f"s{i}", "dir", str(_repo(tmp_path / f"s{i}", i).path)) for i in range(4)]
    book = Gradebook(str(tmp_path / "g.sqlite"))
    stored = []
    real_add = book.add
    monkeypatch.setattr(book, "add", lambda record, run_id: stored.append(record.id) or real_add(record, run_id))
    results = pool.run(tasks, rubric_ref=None, jobs=2, timeout=120, memory_mb=0, jsonl=None, resume=False, book=book)
    assert sorted(results) == ["s0", "s1", "s2", "s3"] and all(r.status == "graded" for r in results.values())
    assert len(started) == 2  # two workers for four submissions: none started per submission
    assert sorted(stored) == ["s0", "s1", "s2", "s3"]  # each result stored on its own


def test_no_submission_is_copied(tmp_path, monkeypatch):
    def copied(*_args, **_kwargs):
        raise AssertionError("a submission was unpacked or exported")

    monkeypatch.setattr("grader.sources.extract", copied)
    archive = tmp_path / "s2.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("work/README.md", "# service\n")
    loaded = rubric.load(None)
    work = tmp_path / "work"
    work.mkdir()
    folder = grade_task(Task("s1", "dir", str(_repo(tmp_path / "s1", 1).path)), loaded, str(work))
    zipped = grade_task(Task("s2", "zip", str(archive)), loaded, str(work))
    assert folder.status == "graded" and "graded the last commit" in folder.reason
    assert zipped.status == "graded", zipped.reason
