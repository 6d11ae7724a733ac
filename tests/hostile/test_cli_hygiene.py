"""The command line never calls a user's mistake or a damaged file its own bug (promise: "bad
input gets a clear one-line message, never a traceback"): numbers are finite and in range, a
closed or full standard output is a one-line error, and a gradebook row with fields of the
wrong type is read as a damaged row, not an internal error."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, Repo
from grader.batch import Result
from grader.batch.gradebook import Gradebook
from grader.cli import main
from grader.errors import EXIT_USAGE


@pytest.mark.parametrize("option, value", [("--fail-under", "nan"), ("--fail-under", "inf"),
                                           ("--memory-mb", "99999999999999"), ("--timeout", "1e20")])
def test_numbers_must_be_finite_and_in_range(tmp_path, capsys, option, value):
    (tmp_path / "a").mkdir()
    assert main([str(tmp_path / "a"), "-f", "json", option, value]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "internal error" not in err and option in err
    if option != "--fail-under":
        assert main(["batch", str(tmp_path), "--out", str(tmp_path / "g.csv"), option, value]) == EXIT_USAGE


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "grader", *args], env=env, stderr=subprocess.PIPE, text=True,
                          timeout=120, **kw)


def test_a_closed_stdout_is_a_one_line_error(tmp_path):
    (tmp_path / "README.md").write_text("# x\n")
    proc = _run([str(tmp_path)], preexec_fn=lambda: os.close(1))
    assert proc.returncode == EXIT_USAGE
    assert proc.stderr.count("\n") == 1 and "standard output" in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_stdout_is_a_one_line_error(tmp_path):
    (tmp_path / "README.md").write_text("# x\n")
    with open("/dev/full", "w") as full:
        proc = _run([str(tmp_path), "-f", "json"], stdout=full)
    assert proc.returncode == EXIT_USAGE
    assert proc.stderr.count("\n") == 1 and "No space left" in proc.stderr and "Exception" not in proc.stderr


def test_a_reader_that_goes_away_is_still_a_quiet_end(tmp_path):
    (tmp_path / "README.md").write_text("# x\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(f"{sys.executable} -m grader {tmp_path} -f json -v | head -c 10 >/dev/null",
                          shell=True, env=env, stderr=subprocess.PIPE, text=True, timeout=120)
    assert "internal error" not in proc.stderr


@pytest.mark.parametrize("field, value", [("score", "ninety"), ("passed", "yes"), ("phases", {"a": 1}),
                                          ("phases", [{"id": "plan", "score": None, "max_score": 5}]),
                                          ("notes", [1, 2]), ("percent", None)])
def test_a_gradebook_row_with_a_wrong_field_type_is_a_damaged_row(tmp_path, capsys, field, value):
    book = tmp_path / "book.sqlite"
    report = {"score": 50.0, "max_score": 100.0, "percent": 50.0, "passed": False, "threshold": 80,
              "phases": [], "tasks": [], "notes": []}
    with Gradebook(str(book)) as gb:
        for who in ("ada", "bob"):
            gb.add(Result(id=who, source=who, rubric={"id": "x", "sha256": "abc"}, status="graded",
                          fingerprint=f"commit:{who}", report=report))
    db = sqlite3.connect(book)
    record = json.loads(db.execute("SELECT record FROM results WHERE student = 'ada'").fetchone()[0])
    record["report"][field] = value
    db.execute("UPDATE results SET record = ? WHERE student = 'ada'", (json.dumps(record),))
    db.commit()
    db.close()
    for fmt in ("csv", "jsonl", "canvas", "moodle", "classroom"):
        assert main(["grades", "export", "--gradebook", str(book), "--format", fmt]) == 0, fmt
    assert main(["grades", "show", "ada", "--gradebook", str(book)]) == 0
    assert main(["report", str(book), "-o", str(tmp_path / "c.html")]) == 0
    out = capsys.readouterr()
    assert "internal error" not in out.err and "damaged" in out.out


def test_a_damaged_row_is_graded_again_on_resume(tmp_path, capsys):
    klass = tmp_path / "class"
    Repo(klass / "ada").commit("Add the readme of the service", {"README.md": "# service\n"})
    book = tmp_path / "book.sqlite"
    args = ["batch", str(klass), "--gradebook", str(book), "--out", str(tmp_path / "g.csv"), "--quiet"]
    assert main(args) == 0
    db = sqlite3.connect(book)
    record = json.loads(db.execute("SELECT record FROM results").fetchone()[0])
    record["report"]["score"] = "a lot"
    db.execute("UPDATE results SET record = ?", (json.dumps(record),))
    db.commit()
    db.close()
    assert main([*args, "--resume"]) == 0
    with Gradebook(str(book)) as gb:
        assert gb.latest()["ada"].graded and len(gb.history("ada")) == 2
    assert Path(tmp_path / "g.csv").read_text().count("graded") == 1
