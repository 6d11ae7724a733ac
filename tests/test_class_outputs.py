"""Batch and gradebook as an instructor meets them (issue 27, item 10): one of two submissions
kept with ``grades keep``; no path of the instructor's machine in what a student sees; --resume
says what was already graded; exports say what they wrote; feedback files named predictably, as
plain text too, with real ``<code>`` in the HTML; the rubric's own title everywhere."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from conftest import SAMPLES, Repo, write_tree
from grader.cli import main

EX = "exercises/module-01/exercise-04/"


@pytest.fixture
def klass(tmp_path):
    """Ada (a folder and a bundle: handed in twice), Grace (a Moodle-style folder with a broken
    upload), Alan (the starter)."""
    root = tmp_path / "downloads"
    repo = Repo(root / "Ada Lovelace")
    repo.commit("Start the reminder service", {"README.md": "# Reminders\n"})
    shutil.copy(SAMPLES / "half-done.bundle", root / "Ada Lovelace.bundle")
    broken = root / "Grace Hopper_100001_assignsubmission_file_"
    broken.mkdir()
    (broken / "ex41.zip").write_bytes(b"PK\x03\x04 this upload was cut short")
    shutil.copy(SAMPLES / "starter.bundle", root / "Alan Turing.bundle")
    return root


def batch(tmp_path, klass, capsys, *extra: str) -> str:
    code = main(["batch", str(klass.resolve()), "--gradebook", str(tmp_path / "g.sqlite"), "--out",
                 str(tmp_path / "grades.csv"), "--feedback", str(tmp_path / "feedback"), *extra])
    assert code == 1  # Grace's upload can't be graded
    return capsys.readouterr().err


def export(tmp_path, capsys, fmt: str) -> tuple[list[list[str]], str]:
    out = tmp_path / f"{fmt}.csv"
    assert main(["grades", "export", "-f", fmt, "--gradebook", str(tmp_path / "g.sqlite"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8")))), err


def test_keeping_one_of_two_submissions(tmp_path, klass, capsys):
    err = batch(tmp_path, klass, capsys)
    assert "Ada Lovelace handed in 2 submissions" in err and "loopcheck grades keep" in err
    rows, err = export(tmp_path, capsys, "canvas")
    ada = [r for r in rows if r[0] == "Ada Lovelace"]
    assert [r[-1] for r in ada] == ["", ""] and "more than once" in err
    assert main(["grades", "keep", "Ada Lovelace [Ada Lovelace.bundle]", "--gradebook", str(tmp_path / "g.sqlite")]) == 0
    said = capsys.readouterr().out
    assert "kept Ada Lovelace [Ada Lovelace.bundle]; set aside: Ada Lovelace [Ada Lovelace]" in said
    rows, err = export(tmp_path, capsys, "canvas")
    ada = [r for r in rows if r[0] == "Ada Lovelace"]
    assert len(ada) == 1 and ada[0][-1] not in ("", "0") and "more than once" not in err
    assert main(["grades", "keep", "nobody", "--gradebook", str(tmp_path / "g.sqlite")]) == 2


def test_what_a_student_sees_holds_no_path_of_the_instructors_machine(tmp_path, klass, capsys):
    batch(tmp_path, klass, capsys)
    private = str(tmp_path)
    seen = [p.read_text(encoding="utf-8") for p in (tmp_path / "feedback").iterdir()]
    rows, _ = export(tmp_path, capsys, "moodle")
    seen += [" ".join(r) for r in rows]
    grace = next(p for p in (tmp_path / "feedback").iterdir() if p.name == "grace-hopper.txt").read_text()
    assert "could not be graded automatically" in grace and "ex41.zip" in grace
    assert not [text for text in seen if private in text]


def test_resume_says_already_graded(tmp_path, klass, capsys):
    batch(tmp_path, klass, capsys)
    err = batch(tmp_path, klass, capsys, "--resume")
    assert "already graded" in err and "Alan Turing: already graded, unchanged" in err


def test_exports_say_what_they_wrote(tmp_path, klass, capsys):
    err = batch(tmp_path, klass, capsys)
    assert f"wrote {tmp_path / 'grades.csv'}: 4 row(s)" in err
    assert f"wrote feedback for 4 submission(s) in {tmp_path / 'feedback'}" in err
    _rows, err = export(tmp_path, capsys, "moodle")
    assert f"wrote {tmp_path / 'moodle.csv'}: 4 row(s), Moodle's grading worksheet" in err


def test_feedback_files_are_named_predictably_as_text_and_html(tmp_path, klass, capsys):
    batch(tmp_path, klass, capsys)
    names = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    assert names == sorted(f"{stem}.{ext}" for stem in ("ada-lovelace-ada-lovelace", "ada-lovelace-ada-lovelace-bundle",
                                                         "alan-turing", "grace-hopper") for ext in ("md", "txt", "html"))
    text = (tmp_path / "feedback" / "alan-turing.txt").read_text(encoding="utf-8")
    assert "\\(" not in text and "**" not in text and "\\[" not in text  # nothing escaped for Markdown
    assert "[Your answer]" in text  # said as it is
    page = (tmp_path / "feedback" / "alan-turing.html").read_text(encoding="utf-8")
    assert "<code>Phase 1: PLAN</code>" in page and "`" not in page.split("<body>")[1]


def test_the_rubrics_own_title_is_used(tmp_path, capsys):
    folder = write_tree(tmp_path / "downloads" / "ann", {"README.md": "# x\n"})
    rubric = tmp_path / "course.yaml"
    rubric.write_text("id: course\ntitle: DevOps project (spring)\nversion: '1'\nextends: devops-loop\n")
    assert main(["batch", str(folder.parent), "-r", str(rubric), "--gradebook", str(tmp_path / "g.sqlite"),
                 "--feedback", str(tmp_path / "fb"), "-q"]) == 0
    assert (tmp_path / "fb" / "ann.txt").read_text().startswith("DevOps project (spring) — feedback for ann")
    rows, _ = export(tmp_path, capsys, "canvas")
    assert rows[0][-1] == "DevOps project (spring)"
    assert main(["report", str(tmp_path / "g.sqlite"), "-o", str(tmp_path / "class.html")]) == 0
    assert "<title>DevOps project (spring) — class report</title>" in (tmp_path / "class.html").read_text()
    assert "Exercise 4.1" not in (tmp_path / "class.html").read_text()
