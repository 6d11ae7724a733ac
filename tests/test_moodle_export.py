"""The Moodle export is a grading worksheet Moodle re-imports: every row says when its grade was
made (``Last modified (grade)``), so a regrade is taken without ticking "Allow updating records
that have been modified more recently in Moodle than in the spreadsheet", and a grade changed
in Moodle since is still protected; rows Moodle cannot match (no ``Identifier``) are named.

Moodle's importer is restated here from its source (moodle/moodle,
mod/assign/feedback/offline/importgradeslib.php: the ``Identifier``, ``Grade`` and ``Last
modified (grade)`` columns are required, ``Participant N`` is stripped to the participant's
unique id; locallib.php ``process_import_grades``: a row is skipped when the grade is
unchanged, empty or negative, or — unless "ignore modified" is ticked — when Moodle's grade was
modified more than 60 s after the row's date, read with PHP's ``strtotime``, for which an
empty cell is ``false``, i.e. 0)."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime

from grader.batch.gradebook import Gradebook
from grader.batch.results import Result
from grader.cli import main


def strtotime(text: str) -> int:
    """PHP's strtotime for what a worksheet holds here: nothing (false: 0) or an ISO 8601 time."""
    if not text.strip():
        return 0
    return int(datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp())


def moodle_import(text: str, participants: dict[str, str], grades: dict[str, tuple[float, float]], *,
                  ignoremodified: bool = False, max_grade: float = 100) -> dict[str, float]:
    """The grades Moodle sets from a worksheet: user → grade. ``participants``: unique id → user;
    ``grades``: user → (grade, time modified) already in Moodle."""
    rows = list(csv.reader(io.StringIO(text)))
    index = {name: i for i, name in enumerate(rows[0])}
    assert {"Identifier", "Grade", "Last modified (grade)"} <= set(index), "invalidgradeimport"
    updated = {}
    for row in rows[1:]:
        user = participants.get(row[index["Identifier"]][len("Participant "):])
        if user is None:
            continue  # Moodle skips a row it can't match, saying nothing
        cell = row[index["Grade"]].strip()
        grade = float(cell) if cell else None
        modified = strtotime(row[index["Last modified (grade)"]])
        current = grades.get(user)
        stale = current is not None and current[1] > modified + 60
        if current is not None and current[0] == grade:
            continue
        if grade is None or grade < 0 or grade > max_grade:
            continue
        if not ignoremodified and stale:
            continue
        updated[user] = grade
    return updated


def graded(rid: str, percent: float, participant: str | None) -> tuple[Result, dict]:
    report = {"score": percent, "max_score": 100.0, "percent": percent, "passed": percent >= 80, "threshold": 80,
              "phases": [], "tasks": [], "notes": [], "rubric": {"title": "Exercise 4.1"}}
    result = Result(id=rid, source=rid, rubric={"id": "exercise-4.1", "sha256": "abc"}, status="graded",
                    fingerprint=f"commit:{rid}:{percent}", report=report)
    return result, ({"moodle_participant": participant} if participant else {})


def test_a_regrade_is_reimported_and_a_grade_changed_in_moodle_is_kept(tmp_path, capsys):
    book_path = tmp_path / "grades.sqlite"
    first_import = time.time() - 3600  # the first worksheet went into Moodle an hour ago
    with Gradebook(str(book_path)) as book:
        rows = [graded("Ada Lovelace", 100, "100000"), graded("Grace Hopper", 90, "100001"),
                graded("frank", 70, None)]
        book.set_students([(r.id, r.id, r.id, columns) for r, columns in rows])
        for r, _columns in rows:
            book.add(r, graded_at=first_import - 600)
        # then regraded (a fixed rubric): Ada's and Grace's new grades are made after the import
        book.add(graded("Ada Lovelace", 95, "100000")[0])
        book.add(graded("Grace Hopper", 85, "100001")[0])
    out = tmp_path / "moodle.csv"
    assert main(["grades", "export", "--format", "moodle", "--gradebook", str(book_path), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    participants = {"100000": "ada", "100001": "grace"}
    in_moodle = {"ada": (100.0, first_import),  # as the first worksheet set it
                 "grace": (88.0, time.time() + 600)}  # changed by hand in Moodle after the regrade
    assert moodle_import(text, participants, in_moodle) == {"ada": 95.0}  # Grace's hand grade is kept
    assert moodle_import(text, participants, in_moodle, ignoremodified=True) == {"ada": 95.0, "grace": 85.0}
    sheet = {r["Full name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert sheet["Ada Lovelace"]["Last modified (grade)"].endswith("Z")
    # the row Moodle cannot match is named, with what to do about it
    assert "Moodle can't match 1 row(s)" in err and "frank" in err and "moodle_participant" in err
    assert "Ada Lovelace" not in err.split("Moodle can't match")[1]


def test_a_first_import_sets_every_matched_grade(tmp_path, capsys):
    book_path = tmp_path / "grades.sqlite"
    with Gradebook(str(book_path)) as book:
        r, columns = graded("Ada Lovelace", 100, "100000")
        book.set_students([(r.id, r.id, r.id, columns)])
        book.add(r)
    assert main(["grades", "export", "--format", "moodle", "--gradebook", str(book_path)]) == 0
    captured = capsys.readouterr()
    assert moodle_import(captured.out, {"100000": "ada"}, {}) == {"ada": 100.0}
    assert "Moodle can't match" not in captured.err
