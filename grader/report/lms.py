"""Exports of a class's grades, each in the shape its destination imports as it is. Pure:
results (``grader.batch.Result`` s by id) and students (id → source, name, roster columns)
in, text out.

* ``csv`` — loopcheck's own grades.csv, with the graded commit, its date, lateness and the
  roster's columns;
* ``jsonl`` — one JSON object per student, the full report included;
* ``canvas`` — Canvas's gradebook import (Student, ID, SIS User ID, SIS Login ID, Section, then
  the assignment's column), matched on the roster's Canvas columns;
* ``moodle`` — Moodle's assignment grading worksheet (Identifier ``Participant N``, Full name,
  Email address, Grade, Maximum Grade, Last modified (grade), Feedback comments...), matched on
  the participant number of Moodle's download names or a roster column; ``Last modified
  (grade)`` is when loopcheck graded the row, so Moodle takes a regrade but keeps a grade
  changed in Moodle since;
* ``classroom`` — GitHub Classroom's grades layout (github_username, roster_identifier,
  student_repository_url, points_awarded, points_available...).

A student who handed in more than once gets no grade in the LMS exports (the LMS would take
one at random) until one of their submissions is kept (``loopcheck grades keep``): then the
others are set aside, left out of the LMS exports. :func:`duplicated` names those still to
choose and the CLI says so."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

from grader.report.csv_report import safe_cell
from grader.report.grades import CSV_HEADER, csv_rows, task_ids

EXPORTS = ("csv", "jsonl", "canvas", "moodle", "classroom")
DESCRIPTIONS = {"csv": "loopcheck's grades CSV", "jsonl": "one JSON object per submission",
                "canvas": "Canvas's gradebook import (Grades > Import)",
                "moodle": "Moodle's grading worksheet (Upload grading worksheet)",
                "classroom": "GitHub Classroom's grades layout"}
COMMIT_COLUMNS = ["student", "commit", "commit_date", "late", "later_commits"]


# The moments a date can be written for (years 1 to 9999); a repository can carry any number
# (a commit dated year 10000, 2**64), which is left blank rather than shown wrong or crashing.
EARLIEST, LATEST = -62135596800, 253402300799


def iso(moment) -> str:
    """A moment (Unix time) as ``2026-12-01T22:59:00Z``; "" for none, and for a date out of
    range (a repository's dates are its author's to set)."""
    if isinstance(moment, bool) or not isinstance(moment, int | float) or moment != moment:
        return ""
    if not EARLIEST <= moment <= LATEST:
        return ""
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return buf.getvalue()


def roster_names(students: dict) -> list[str]:
    """The roster's own columns, in order of first appearance."""
    names: list[str] = []
    for info in students.values():
        for name in info.get("roster", {}):
            if name not in names:
                names.append(name)
    return names


def duplicated(students: dict) -> dict[str, list[str]]:
    """Student name → their submission ids, for students with more than one none of which is
    kept yet (a set-aside submission no longer counts)."""
    by_name: dict[str, list[str]] = {}
    for sid, info in sorted(students.items()):
        if not info.get("set_aside"):
            by_name.setdefault(info.get("name") or sid, []).append(sid)
    return {name: ids for name, ids in by_name.items() if len(ids) > 1}


def _exported(results: dict, students: dict) -> list[str]:
    """The ids an LMS export has a row for: every submission but those set aside."""
    return [rid for rid in sorted(results) if not students.get(rid, {}).get("set_aside")]


def _commit_cells(res, name: str) -> list:
    return [name, res.commit or "", iso(res.commit_time),
            "" if res.late is None else ("yes" if res.late else "no"), res.later_commits if res.late else ""]


def render_csv(results: dict, students: dict) -> str:
    extra = roster_names(students)
    rows = [CSV_HEADER + task_ids(results) + COMMIT_COLUMNS + extra]
    for row in csv_rows(results):
        res, info = results[row[0]], students.get(row[0], {})
        rows.append(row + _commit_cells(res, info.get("name") or row[0])
                    + [info.get("roster", {}).get(name, "") for name in extra])
    return _write(rows)


def render_jsonl(results: dict, students: dict) -> str:
    lines = []
    for rid in sorted(results):
        info = students.get(rid, {})
        rec = results[rid].to_dict()
        rec["student"] = info.get("name") or rid
        rec["roster"] = info.get("roster", {})
        if info.get("set_aside"):
            rec["set_aside"] = True  # another submission of this student is the one kept
        rec["commit_date"] = iso(results[rid].commit_time)
        lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    return "".join(line + "\n" for line in lines)


def _column(roster: dict, *names: str) -> str:
    lowered = {k.strip().lower().replace("_", " "): v for k, v in roster.items()}
    for name in names:
        if lowered.get(name):
            return str(lowered[name])
    return ""


def _points(res, dup: bool) -> str:
    if dup or not res.graded:
        return ""
    return f"{res.report['score']:g}"


def _late_comment(res) -> str:
    return f" Late: {res.later_commits} commit(s) after the deadline were not graded." if res.late else ""


def _canvas_identity(rid: str, info: dict) -> list[str]:
    """Student, ID, SIS User ID, SIS Login ID, Section: what Canvas's gradebook import matches a
    row by (the Canvas user id, else the SIS user id, else the login, else the name) from the
    roster's columns, or the Canvas user id in the download's file name (``canvas_user_id``).
    A plain ``ID`` column is Canvas's user id only in a roster laid out like Canvas's own
    gradebook export (beside SIS User ID and SIS Login ID): elsewhere it may be anything."""
    roster = info.get("roster", {})
    canvas_id = _column(roster, "canvas id", "canvas user id", "user id", "canvas")
    if not canvas_id and {"sis user id", "sis login id"} <= {k.strip().lower().replace("_", " ") for k in roster}:
        canvas_id = _column(roster, "id")
    return [_column(roster, "student name", "full name", "name", "student") or info.get("name") or rid,
            canvas_id,
            _column(roster, "sis user id", "sis id", "student number"),
            _column(roster, "sis login id", "login id", "email", "email address"),
            _column(roster, "section")]


def render_canvas(results: dict, students: dict, assignment: str = "Exercise 4.1") -> str:
    dups = {sid for ids in duplicated(students).values() for sid in ids}
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]]
    for rid in _exported(results, students):
        rows.append(_canvas_identity(rid, students.get(rid, {})) + [_points(results[rid], rid in dups)])
    return _write(rows)


def canvas_unidentified(results: dict, students: dict) -> list[str]:
    """The rows of the Canvas export with no ID, SIS User ID or SIS Login ID: Canvas can only
    match them by the Student name (named here by their Student cell)."""
    out = []
    for rid in _exported(results, students):
        student, *ids, _section = _canvas_identity(rid, students.get(rid, {}))
        if not any(ids):
            out.append(student)
    return out


def _participant(info: dict) -> str:
    """``Participant N``, the Identifier Moodle matches a worksheet row by ("" when unknown)."""
    participant = _column(info.get("roster", {}), "moodle participant", "participant", "identifier")
    if participant and not participant.lower().startswith("participant"):
        participant = f"Participant {participant}"
    return participant


def moodle_unmatched(results: dict, students: dict) -> list[str]:
    """The rows of the Moodle worksheet without an Identifier: Moodle skips them without a word."""
    return [students.get(rid, {}).get("name") or rid for rid in _exported(results, students)
            if not _participant(students.get(rid, {}))]


def render_moodle(results: dict, students: dict, graded_at: dict | None = None) -> str:
    """``graded_at``: when each row's result was graded (id → Unix time), its ``Last modified
    (grade)``: Moodle refuses to overwrite a grade modified after that time unless told to, and
    with the cell empty it would refuse every regrade."""
    dups = {sid for ids in duplicated(students).values() for sid in ids}
    rows = [["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
             "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]]
    for rid in _exported(results, students):
        res, info = results[rid], students.get(rid, {})
        roster = info.get("roster", {})
        participant = _participant(info)
        report = res.report or {}
        if rid in dups:
            comment = "Handed in more than once: graded by hand."
        elif res.graded:
            graded = f" Graded commit {res.commit[:10]}." if res.commit else ""
            comment = (f"loopcheck: {report.get('percent', 0):g}% "
                       f"({'passed' if report.get('passed') else 'not passed yet'}).{graded}{_late_comment(res)}")
        else:
            comment = f"Could not be graded automatically: {res.reason}"
        rows.append([participant, _column(roster, "full name", "name") or info.get("name") or rid,
                     _column(roster, "email", "email address"),
                     "Submitted for grading", _points(res, rid in dups),
                     f"{report['max_score']:g}" if res.graded else "", "Yes",
                     iso(res.commit_time), iso((graded_at or {}).get(rid)) if res.graded else "", comment])
    return _write(rows)


def render_classroom(results: dict, students: dict, assignment: str = "Exercise 4.1") -> str:
    dups = {sid for ids in duplicated(students).values() for sid in ids}
    rows = [["assignment_name", "github_username", "roster_identifier", "student_repository_url",
             "submission_timestamp", "points_awarded", "points_available"]]
    for rid in _exported(results, students):
        res, info = results[rid], students.get(rid, {})
        roster = info.get("roster", {})
        source = info.get("source", "")
        rows.append([assignment, _column(roster, "github username", "github", "login") or info.get("name") or rid,
                     _column(roster, "roster identifier", "identifier", "email") or info.get("name") or rid,
                     source if "://" in source else "", iso(res.commit_time), _points(res, rid in dups),
                     f"{(res.report or {}).get('max_score', 0):g}" if res.graded else ""])
    return _write(rows)


def render(fmt: str, results: dict, students: dict, *, assignment: str = "Exercise 4.1",
           graded_at: dict | None = None) -> str:
    if fmt == "csv":
        return render_csv(results, students)
    if fmt == "jsonl":
        return render_jsonl(results, students)
    if fmt == "canvas":
        return render_canvas(results, students, assignment)
    if fmt == "moodle":
        return render_moodle(results, students, graded_at)
    if fmt == "classroom":
        return render_classroom(results, students, assignment)
    raise ValueError(fmt)
