"""Outputs write only regular files, never through links (promise: "loopcheck writes only where
it was asked to"): a FIFO or a device named as an output is written in place (never replaced by
a file renamed over it), a symbolic link is refused (a learner's committed
``loopcheck-report.json`` → ``../victim.txt`` included), ``--out`` can't name the gradebook,
a link to the gradebook takes the gradebook's own lock, and ``init`` never leaves the folder."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from conftest import Repo
from grader.batch import Result
from grader.batch.gradebook import Gradebook
from grader.cli import main
from grader.errors import LoopcheckError


def _book(path: Path) -> Path:
    report = {"score": 50.0, "max_score": 100.0, "percent": 50.0, "passed": False, "threshold": 80,
              "phases": [], "tasks": [], "notes": []}
    with Gradebook(str(path)) as book:
        book.add(Result(id="ada", source="ada", rubric={"id": "x", "sha256": "abc"}, status="graded",
                        fingerprint="commit:a", report=report))
    return path


def _read_fifo(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def reader():
        with open(path, "rb") as fh:
            got.append(fh.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    return t, got


def _small_class(root: Path) -> Path:
    Repo(root / "ada").commit("Add the readme of the service", {"README.md": "# service\n"})
    return root


@pytest.mark.parametrize("command", ["report", "export", "batch", "merge", "single"])
def test_a_fifo_output_is_written_in_place_not_replaced(tmp_path, command, capsys):
    book = _book(tmp_path / "book.sqlite")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader, got = _read_fifo(fifo)
    args = {"report": ["report", str(book), "-o", str(fifo)],
            "export": ["grades", "export", "--gradebook", str(book), "-o", str(fifo)],
            "batch": ["batch", str(_small_class(tmp_path / "class")), "--out", str(fifo), "--gradebook",
                      str(tmp_path / "b2.sqlite"), "--quiet"],
            "merge": ["merge", str(book), "--out", str(fifo), "--gradebook", str(tmp_path / "m.sqlite"), "--quiet"],
            "single": [str(_small_class(tmp_path / "one") / "ada"), "-f", "json", "-o", str(fifo)]}[command]
    assert main(args) in (0, 1)
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert got and got[0]


@pytest.mark.parametrize("command", ["report", "export", "batch", "merge", "single"])
def test_a_symlinked_output_is_refused_not_written_through(tmp_path, command, capsys):
    book = _book(tmp_path / "book.sqlite")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    args = {"report": ["report", str(book), "-o", str(link)],
            "export": ["grades", "export", "--gradebook", str(book), "-o", str(link)],
            "batch": ["batch", str(_small_class(tmp_path / "class")), "--out", str(link), "--gradebook",
                      str(tmp_path / "b2.sqlite"), "--quiet"],
            "merge": ["merge", str(book), "--out", str(link), "--gradebook", str(tmp_path / "m.sqlite"), "--quiet"],
            "single": [str(_small_class(tmp_path / "one") / "ada"), "-f", "csv", "-o", str(link)]}[command]
    assert main(args) == 2
    assert victim.read_text() == "precious\n" and link.is_symlink()
    assert "symbolic link" in capsys.readouterr().err


def test_a_report_name_the_learner_committed_as_a_link_is_not_written_through(tmp_path, capsys, monkeypatch):
    """The Action writes loopcheck-report.json in the checkout; the learner committed that name."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    repo = Repo(tmp_path / "work")
    repo.commit("Add the readme of the service", {"README.md": "# service\n"})
    (repo.path / "loopcheck-report.json").symlink_to("../victim.txt")
    repo.commit("Add a report name")
    monkeypatch.chdir(repo.path)
    assert main([".", "--format", "json", "--output", "loopcheck-report.json"]) == 2
    assert victim.read_text() == "precious\n"


def test_out_naming_the_gradebook_is_refused(tmp_path, capsys):
    book = _book(tmp_path / "loopcheck-grades.sqlite")
    klass = _small_class(tmp_path / "class")
    before = book.read_bytes()
    # --out is the default gradebook beside itself
    assert main(["batch", str(klass), "--out", str(book), "--quiet"]) == 2
    assert "same file" in capsys.readouterr().err and book.read_bytes() == before
    assert main(["batch", str(klass), "--out", str(tmp_path / "g.csv"), "--gradebook", str(tmp_path / "g.csv"),
                 "--quiet"]) == 2
    assert "same file" in capsys.readouterr().err
    # an export or a class report written over a gradebook by another name
    other = tmp_path / "copy.sqlite"
    other.write_bytes(before)
    assert main(["grades", "export", "--gradebook", str(book), "-o", str(other)]) == 2
    assert "SQLite" in capsys.readouterr().err and other.read_bytes() == before
    assert main(["merge", str(book), "--out", str(book), "--gradebook", str(tmp_path / "m.sqlite")]) == 2
    assert book.read_bytes()[:16] == b"SQLite format 3\x00"


def test_a_link_to_the_gradebook_takes_the_same_lock(tmp_path):
    book = _book(tmp_path / "book.sqlite")
    link = tmp_path / "alias.sqlite"
    link.symlink_to(book)
    with Gradebook(str(book), lock=True):
        with pytest.raises(LoopcheckError, match="in use by another"):
            Gradebook(str(link), lock=True)


def test_init_never_follows_a_link_out_of_the_repository(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    (repo / "exercises").mkdir(parents=True)
    (repo / "exercises" / "module-01").symlink_to(outside)
    assert main(["init", str(repo)]) == 2
    assert list(outside.iterdir()) == []
    assert "symbolic link" in capsys.readouterr().err


def test_outputs_still_go_to_regular_files_and_system_descriptors(tmp_path, capsys):
    repo = _small_class(tmp_path / "one") / "ada"
    out = tmp_path / "r.json"
    out.write_text("old")
    os.chmod(out, 0o600)
    assert main([str(repo), "-f", "json", "-o", str(out)]) in (0, 1)
    assert json.loads(out.read_text())["submission"]["path"] and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert main([str(repo), "-f", "json", "-o", "/dev/stdout"]) in (0, 1)
    assert main(["init", str(repo)]) == 0
    assert (repo / "exercises" / "module-01" / "exercise-04").is_dir()
