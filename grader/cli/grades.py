"""``loopcheck grades``: a student's history and the class's exports, from a gradebook."""

from __future__ import annotations

import sys

import typer

from grader.cli.common import DEFAULT_BOOK, write_atomic
from grader.errors import LoopcheckError
from grader.report.text import clean

grades_app = typer.Typer(no_args_is_help=True, help="A student's history and the class's exports, from a gradebook.")


@grades_app.command("show")
def show_command(
    student: str = typer.Argument(..., help="The student's id as in grades.csv."),
    gradebook: str = typer.Option(DEFAULT_BOOK, "--gradebook", help="The gradebook."),
):
    """Every grading of one student, oldest first (regrades add rows; the last one counts)."""
    from grader.batch.gradebook import Gradebook
    from grader.report.lms import iso

    with Gradebook(gradebook, create=False) as book:
        rows = book.history(student)
        known = sorted(book.latest())
    if not rows:
        near = [s for s in known if student.lower() in s.lower()][:5]
        raise LoopcheckError(f"no grades for {student!r} in {gradebook}"
                             + (f" (did you mean {', '.join(near)}?)" if near else ""))
    print(clean(f"{student}: {len(rows)} grading(s) in {gradebook}"))
    for row in rows:
        res = row.result
        report = res.report or {}
        what = (f"{report.get('score', 0):g}/{report.get('max_score', 0):g} ({report.get('percent', 0):g}%) "
                f"{'passed' if report.get('passed') else 'not passed'}") if res.graded else \
            f"{res.status}: {clean(res.reason)[:160]}"
        commit = f" commit {res.commit[:10]} ({iso(res.commit_time)})" if res.commit else ""
        late = f" late: {res.later_commits} later commit(s)" if res.late else ""
        print(clean(f"  {iso(row.graded_at)}  {what}{commit}{late}"))
    latest = rows[-1].result.report or {}
    pictures = [v["path"] for v in latest.get("to_view", []) if isinstance(v, dict) and isinstance(v.get("path"), str)]
    if pictures:
        print(clean("  to be viewed (pictures handed in, not read by loopcheck): " + ", ".join(pictures)))


@grades_app.command("export")
def export_command(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, jsonl, canvas, moodle or classroom."),
    output: str = typer.Option(None, "--output", "-o", help="Write to this file [default: stdout]."),
    gradebook: str = typer.Option(DEFAULT_BOOK, "--gradebook", help="The gradebook."),
    assignment: str = typer.Option(None, "--assignment", help="The assignment's column (Canvas: its name as in the gradebook, e.g. 'Exercise 4.1 (1234)') [default: the rubric's title]."),
):
    """The latest grade of every student, in the shape an LMS imports."""
    from grader.batch.gradebook import Gradebook
    from grader.outputs import distinct
    from grader.report import lms

    if fmt not in lms.EXPORTS:
        raise LoopcheckError(f"--format {fmt!r}: choose one of {', '.join(lms.EXPORTS)}")
    distinct({"--output": output, "--gradebook": gradebook})
    with Gradebook(gradebook, create=False) as book:
        results, students, graded_at = book.latest(), book.students(), book.graded_times()
    if not results:
        raise LoopcheckError(f"{gradebook}: no grades in it yet")
    from grader.report.feedback import title_of

    assignment = assignment or title_of(next(iter(results.values())))
    text = lms.render(fmt, results, students, assignment=assignment, graded_at=graded_at)
    if output:
        write_atomic(output, text)
        rows = text.count("\n") - (0 if fmt == "jsonl" else 1)
        print(clean(f"wrote {output}: {rows} row(s), {lms.DESCRIPTIONS[fmt]}"), file=sys.stderr)
    else:  # printed (a terminal, a CI log): names can't carry escapes or workflow commands
        sys.stdout.write(clean(text, single_line=False))
    dups = lms.duplicated(students)
    if dups and fmt in ("canvas", "moodle", "classroom"):
        print(clean("loopcheck: no grade exported for students who handed in more than once: "
                    + "; ".join(f"{n} ({', '.join(ids)})" for n, ids in sorted(dups.items()))), file=sys.stderr)
    unmatched = lms.moodle_unmatched(results, students) if fmt == "moodle" else []
    if unmatched:
        print(clean(f"loopcheck: Moodle can't match {len(unmatched)} row(s): no Identifier (Participant N), which "
                    "comes from Moodle's download folder names (Name_<participant>_assignsubmission_...) or a "
                    "roster's moodle_participant column, and Moodle skips such rows without a word: "
                    + ", ".join(unmatched) + ". Grade them from Moodle's download, add the column to the roster, or "
                    "enter them by hand"), file=sys.stderr)
    unknown = lms.canvas_unidentified(results, students) if fmt == "canvas" else []
    if unknown:
        print(clean(f"loopcheck: Canvas can't identify {len(unknown)} row(s): no ID, SIS User ID or SIS Login ID, "
                    "so it can only match the Student name, which must then be the student's name as in Canvas: "
                    + ", ".join(unknown) + ". Give their identities in a roster (a student column, no repository "
                    "needed, and canvas_user_id, sis_user_id or sis_login_id / email) and grade again, or fill "
                    "them in by hand"), file=sys.stderr)


@grades_app.command("keep")
def keep_command(
    submission: str = typer.Argument(..., help="The submission to keep, by its id as in grades.csv (e.g. 'Ada Lovelace [ada.bundle]')."),
    gradebook: str = typer.Option(DEFAULT_BOOK, "--gradebook", help="The gradebook."),
):
    """Keep one submission of a student who handed in more than once: the LMS exports give its
    grade and leave the others out."""
    from grader.batch.gradebook import Gradebook

    with Gradebook(gradebook, create=False, lock=True) as book:
        if submission not in book.students():
            near = [s for s in sorted(book.students()) if submission.lower() in s.lower()][:5]
            raise LoopcheckError(f"no submission {submission!r} in {gradebook}"
                                 + (f" (did you mean {', '.join(near)}?)" if near else ""))
        others = book.keep(submission)
    name = clean(submission)
    if others:
        print(f"kept {name}; set aside: {', '.join(clean(o) for o in others)} (the LMS exports now give the kept "
              "one's grade)")
    else:
        print(f"kept {name} (its student has no other submission: nothing is set aside)")
