"""The Canvas export identifies students as Canvas's gradebook import does: by the Canvas user
id (the number in Canvas's download file names), the SIS User ID, the SIS Login ID, or else the
name. A roster gives identities to any submission (matched by name or folder), and an export
with rows Canvas can't identify says so, naming them.

Canvas's importer is restated here from its source (instructure/canvas-lms,
lib/gradebook_importer.rb: ``row_has_student_headers?``, ``update_column_count``,
``process_student``), and the download names from lib/content_zipper.rb (``get_filename``:
``<sortable name, lower case, word characters only>[_LATE]_<user id>``, then
``_<attachment id>_<file name>``; an anonymous assignment's ``[LATE_]anon_<anonymous id>``)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from conftest import write_tree
from grader.batch.discover import (
    _identity_keys,
    _stem,
    discover,
    lms_columns,
    match_key,
    student_of,
)
from grader.cli import main
from grader.report import lms

EX = "exercises/module-01/exercise-04/"


# -- Canvas's gradebook import, restated --------------------------------------------------------
COURSE = [  # the Canvas course's students: id, name, sortable name, SIS user id, login (pseudonym)
    {"id": 1234, "name": "Ada Lovelace", "sortable": "Lovelace, Ada", "sis": "S001", "login": "ada@uni.edu"},
    {"id": 2345, "name": "Grace Hopper", "sortable": "Hopper, Grace", "sis": "S002", "login": "grace@uni.edu"},
    {"id": 3456, "name": "Alan Turing", "sortable": "Turing, Alan", "sis": "S003", "login": "alan@uni.edu"},
    {"id": 4567, "name": "Edsger Dijkstra", "sortable": "Dijkstra, Edsger", "sis": "S004", "login": "ewd@uni.edu"},
]


def canvas_import(text: str, course: list[dict]) -> list[tuple[str, dict | None]]:
    """Each data row's Student cell and the course student Canvas matches it to (None: Canvas
    would list it as a student it can't find)."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header  # row_has_student_headers?
    columns, sis_user, sis_login = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        sis_login, columns = 2, 4
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        sis_user, sis_login, columns = 2, 3, 5
    assert "Section" in header[columns - 1], header  # the last student column must be Section
    by_id = {s["id"]: s for s in course}
    out = []
    for row in rows[1:]:
        student = by_id.get(int(row[1])) if row[1].strip().isdigit() else None
        if student is None and sis_user is not None and row[sis_user]:
            student = next((s for s in course if s["sis"] == row[sis_user]), None)
        if student is None and sis_login is not None and row[sis_login]:
            student = next((s for s in course if s["login"] == row[sis_login]), None)
        if student is None:
            student = next((s for s in course if row[0] in (s["name"], s["sortable"])), None)
        out.append((row[0], student))
    return out


# -- a Canvas download, graded and exported ------------------------------------------------------
def _zip(dest: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(dest, "w") as zf:
        for rel, text in files.items():
            zf.writestr(rel, text)


WORK = {EX + "task1-loop-mapping.md": "# Task 1\n## Phase 1: PLAN\n### What Happens\nStories for the reminder.\n"}


def canvas_class(root: Path) -> tuple[Path, Path]:
    """Canvas's "Download Submissions", unzipped: one file per student, and a roster without
    repositories that gives some of them their identities."""
    downloads = root / "downloads"
    downloads.mkdir(parents=True)
    _zip(downloads / "lovelaceada_LATE_1234_91001_ex41.zip", WORK)  # on the roster too
    _zip(downloads / "hoppergrace_2345_91002_ex41.zip", WORK)  # not on the roster: its file name says who
    _zip(downloads / "anon_x7k2p_91003_ex41.zip", WORK)  # an anonymous assignment: no user id
    write_tree(downloads / "edsger-dijkstra", {**WORK})  # a repository folder named after its student
    roster = root / "roster.csv"
    roster.write_text("student,sis_user_id,email,section\n"
                      "\"Lovelace, Ada\",S001,ada@uni.edu,Section 1\n"
                      "\"Dijkstra, Edsger\",S004,ewd@uni.edu,Section 2\n"
                      "\"Turing, Alan\",S003,alan@uni.edu,Section 1\n", encoding="utf-8")
    return downloads, roster


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas")
    downloads, roster = canvas_class(root)
    book = root / "grades.sqlite"
    return root, downloads, roster, book


def test_a_canvas_class_exports_rows_canvas_matches_and_names_the_rest(exported, capsys):
    root, downloads, roster, book = exported
    assert main(["batch", str(downloads), str(roster), "--gradebook", str(book), "--out", str(root / "g.csv")]) == 0
    err = capsys.readouterr().err
    # the roster row with no submission is named: Alan did not hand in (edsger-dijkstra matched "Dijkstra, Edsger")
    assert "1 roster row(s) without a repository match no submission" in err and "Turing, Alan (roster.csv:4)" in err

    out = root / "canvas.csv"
    assert main(["grades", "export", "--format", "canvas", "--gradebook", str(book), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text))}
    assert rows["Lovelace, Ada"][1:5] == ["1234", "S001", "ada@uni.edu", "Section 1"]  # file name + roster
    assert rows["hoppergrace"][1:5] == ["2345", "", "", ""]  # the download's user id alone
    assert rows["Dijkstra, Edsger"][1:5] == ["", "S004", "ewd@uni.edu", "Section 2"]  # matched by folder name
    assert rows["anon_x7k2p"][1:5] == ["", "", "", ""]

    matched = dict(canvas_import(text, COURSE))
    assert matched["Lovelace, Ada"]["id"] == 1234 and matched["hoppergrace"]["id"] == 2345
    assert matched["Dijkstra, Edsger"]["id"] == 4567
    assert matched["anon_x7k2p"] is None
    # what Canvas can't match is exactly what the export named
    assert "Canvas can't identify 1 row(s)" in err and "anon_x7k2p" in err
    assert [name for name, student in matched.items() if student is None] == ["anon_x7k2p"]


def test_the_export_names_folder_rows_canvas_cannot_match(tmp_path, capsys):
    """Before rosters carried identities, every row of a folder-only class was like this."""
    downloads = tmp_path / "downloads"
    write_tree(downloads / "ada", WORK)
    write_tree(downloads / "grace", WORK)
    book = tmp_path / "grades.sqlite"
    assert main(["batch", str(downloads), "--gradebook", str(book), "-q"]) == 0
    assert main(["grades", "export", "--format", "canvas", "--gradebook", str(book), "-o", str(tmp_path / "c.csv")]) == 0
    err = capsys.readouterr().err
    assert "Canvas can't identify 2 row(s)" in err and "ada, grace" in err
    text = (tmp_path / "c.csv").read_text()
    assert all(student is None for _, student in canvas_import(text, COURSE))
    # other formats don't warn about Canvas
    assert main(["grades", "export", "--format", "moodle", "--gradebook", str(book), "-o", str(tmp_path / "m.csv")]) == 0
    assert "Canvas" not in capsys.readouterr().err


def test_a_roster_row_without_a_repository_is_an_identity_not_dropped(tmp_path):
    repo = write_tree(tmp_path / "repos" / "erin", WORK)
    write_tree(tmp_path / "downloads" / "Frank Allen", WORK)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repo_url,email,sis_user_id\nerin,{repo},erin@uni.edu,S9\n"
                      "frankallen,,frank@uni.edu,S10\n", encoding="utf-8")
    notes: list[str] = []
    tasks = {t.id: t for t in discover([str(roster), str(tmp_path / "downloads")], notes)}
    assert set(tasks) == {"erin", "Frank Allen"} and notes == []
    frank = tasks["Frank Allen"]
    assert frank.student == "frankallen" and dict(frank.columns) == {"email": "frank@uni.edu", "sis_user_id": "S10"}
    assert dict(tasks["erin"].columns) == {"email": "erin@uni.edu", "sis_user_id": "S9"}


def test_a_canvas_gradebook_export_serves_as_the_roster(tmp_path):
    """Canvas's own gradebook export (Student, ID, SIS User ID, SIS Login ID, Section, the
    assignments, a Points Possible row) names every student as Canvas knows them."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    _zip(downloads / "turingalan_3456_91009_ex41.zip", WORK)
    _zip(downloads / "hoppergrace_2345_91002_ex41.zip", WORK)
    export = tmp_path / "gradebook.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Exercise 4.1 (77)\n"
                      "    Points Possible,,,,,100\n"
                      "\"Turing, Alan\",3456,S003,alan@uni.edu,Section 1,\n"
                      "\"Hopper, Grace\",2345,S002,grace@uni.edu,Section 2,\n", encoding="utf-8")
    notes: list[str] = []
    tasks = discover([str(downloads), str(export)], notes)
    assert notes == []
    students = {t.id: {"name": t.student, "roster": dict(t.columns)} for t in tasks}
    rows = {r[0]: r for r in csv.reader(io.StringIO(lms.render_canvas({t.id: _Graded() for t in tasks}, students)))}
    assert rows["Turing, Alan"][1:5] == ["3456", "S003", "alan@uni.edu", "Section 1"]
    assert rows["Hopper, Grace"][1:4] == ["2345", "S002", "grace@uni.edu"]


class _Graded:
    graded, report = True, {"score": 80.0}


def test_two_roster_rows_matching_one_submission_are_named_and_neither_is_used(tmp_path):
    write_tree(tmp_path / "downloads" / "alee", WORK)
    roster = tmp_path / "roster.csv"
    roster.write_text("student,email\nAnn Lee,alee@uni.edu\nAl Lee,alee@other.edu\n", encoding="utf-8")
    notes: list[str] = []
    (task,) = discover([str(tmp_path / "downloads"), str(roster)], notes)
    assert task.columns == () and task.student == "alee"
    assert any("match more than one roster row" in n and "roster.csv:2" in n and "roster.csv:3" in n for n in notes)


@pytest.mark.parametrize(("name", "student", "columns"), [
    ("lovelaceada_LATE_1234_5678_ex41.zip", "lovelaceada", {"canvas_user_id": "1234"}),
    ("lovelaceada_1234_5678_ex41.zip", "lovelaceada", {"canvas_user_id": "1234"}),
    ("müllerjürgen_77_5678_abgabe.zip", "müllerjürgen", {"canvas_user_id": "77"}),
    ("anon_x7k2p_5678_ex41.zip", "anon_x7k2p", {}),
    ("LATE_anon_12345_5678_ex41.zip", "anon_12345", {}),  # an all-digit anonymous id is no user id
    ("Ada Lovelace_123456_assignsubmission_file_", "Ada Lovelace", {"moodle_participant": "123456"}),
    ("Ex41_hopperg_attempt_2026-11-30-10-00-00_ex41.zip", "hopperg", {}),
    ("ex41.zip", "ex41", {}),
])
def test_download_names_say_who_and_canvas_user_ids(name, student, columns):
    stem = _stem(name)
    assert student_of(stem) == student
    assert dict(lms_columns(stem)) == columns


def test_match_keys():
    assert match_key("Lovelace, Ada") == match_key("lovelaceada") == "lovelaceada"
    keys = _identity_keys("Lovelace, Ada", (("email", "ada.l@uni.edu"), ("section", "Section 1")))
    assert {"lovelaceada", "adalovelace", "adal", "adaluniedu"} <= keys and "section1" not in keys
