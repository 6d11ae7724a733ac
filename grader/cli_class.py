"""The instructor's commands: ``batch`` (grade a class into the gradebook), ``merge`` (combine
shards), ``grades show|export`` (a student's history, LMS exports) and ``report`` (the class
report in HTML). Options, files and exit codes only: the work is in :mod:`grader.batch` and
the renderers in :mod:`grader.report`."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime

import typer

from grader.errors import EXIT_BELOW, EXIT_OK, LoopcheckError
from grader.report.text import clean


def parse_deadline(text: str | None) -> int | None:
    """``2026-12-01T23:59:00+01:00`` (or ``...Z``; without an offset: this machine's local
    time) as Unix time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise LoopcheckError(f"--deadline {text!r}: give a date and time such as 2026-12-01T23:59:00+01:00") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.timestamp())


def write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing (a temporary file beside it, renamed over it); never
    through a link, never over a device, a FIFO or a gradebook (:mod:`grader.outputs`)."""
    from grader.outputs import write_text

    write_text(path, text)


def write_feedback(folder: str, results: dict, students: dict) -> int:
    """One Markdown and one HTML file per student in ``folder``; the count."""
    from grader.report import feedback

    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise LoopcheckError(f"can't create the feedback folder {folder}: {exc.strerror}") from None
    for rid, res in results.items():
        name = students.get(rid, {}).get("name") or rid
        base = os.path.join(folder, feedback.file_name(rid))
        write_atomic(base + ".md", feedback.render_markdown(res, name))
        write_atomic(base + ".html", feedback.render_html(res, name))
    return len(results)


def class_outputs(results: dict, students: dict, out: str | None, quiet: bool) -> int:
    """grades.csv and the summary of a batch or a merge; the exit code."""
    from grader.batch.results import similarity
    from grader.report import grades, lms

    if out:
        write_atomic(out, lms.render_csv(results, students))
    if not quiet:
        sys.stdout.write(grades.render_summary(results, similarity(results)))
        dups = lms.duplicated(students)
        if dups:
            sys.stdout.write("\nHanded in more than once (each graded; LMS exports leave their grade blank):\n")
            for name, ids in sorted(dups.items()):
                sys.stdout.write(clean(f"  {name}: {', '.join(ids)}") + "\n")
    failed = any(r.status != "graded" for r in results.values())
    return EXIT_BELOW if failed else EXIT_OK


class Progress:
    """A rich progress bar (count, rate, ETA) on a terminal; a plain line per submission
    elsewhere (a CI log, a file); nothing when quiet."""

    def __init__(self, mode: str, total: int):
        self.mode, self.total, self.bar = mode, total, None

    def __enter__(self):
        start = time.monotonic()
        done = [0]
        if self.mode == "quiet":
            return None
        if self.mode == "lines":
            def line(record):
                done[0] += 1
                report = record.report or {}
                what = (f"{report.get('percent', 0):g}% {'passed' if report.get('passed') else 'not passed'}"
                        if record.graded else f"{record.status}: {record.reason[:120]}")
                late = " (late)" if record.late else ""
                print(clean(f"[{done[0]}/{self.total}] {record.id}: {what}{late}"), file=sys.stderr, flush=True)
            return line
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("grading", total=self.total, rate="")

        def advance(_record):
            done[0] += 1
            elapsed = max(time.monotonic() - start, 1e-6)
            self.bar.update(task, advance=1, rate=f"{done[0] / elapsed:.1f}/s")

        return advance

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)
        return False


def finite(value: float | None) -> float | None:
    """A number must be a number: nan and infinity are usage errors (the option's own min and
    max bound the rest)."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter("give a finite number")
    return value


MAX_TIMEOUT = 7 * 24 * 3600.0  # a week: longer is a typo, and past what the OS timers take
MAX_MEMORY_MB = 1 << 20  # 1 TiB


def add_class_commands(app: typer.Typer) -> None:
    @app.command("batch")
    def batch_cmd(
        sources: list[str] = typer.Argument(..., metavar="SOURCE...", help="Folders of submissions, archives (.zip, .tar.gz, .tgz), .bundle files, or roster .csv files."),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Rubric for every submission [default: exercise-4.1]."),
        jobs: int = typer.Option(2, "--jobs", "-j", min=1, max=64, help="Worker processes."),
        timeout: float = typer.Option(60.0, "--timeout", min=1, max=MAX_TIMEOUT, callback=finite, help="Seconds one submission may take (unpacking and cloning included)."),
        memory_mb: int = typer.Option(2048, "--memory-mb", min=0, max=MAX_MEMORY_MB, help="Memory cap of each submission's worker process tree in MB, git included (0: none)."),
        out: str = typer.Option(None, "--out", help="Write grades.csv: one row per submission, sorted by id."),
        gradebook: str = typer.Option(None, "--gradebook", help="The gradebook every result is stored in [default: loopcheck-grades.sqlite beside --out, else here]."),
        jsonl: str = typer.Option(None, "--jsonl", help="Also append each full JSON report to this file as soon as it is done."),
        resume: bool = typer.Option(False, "--resume", help="Skip submissions already graded in the gradebook (or --jsonl) with the same fingerprint and rubric."),
        deadline: str = typer.Option(None, "--deadline", metavar="WHEN", help="Grade the last commit at or before this time, e.g. 2026-12-01T23:59:00+01:00 (no offset: local time)."),
        feedback_dir: str = typer.Option(None, "--feedback", metavar="DIR", help="Write one feedback file per student (Markdown and HTML) into DIR."),
        shard_spec: str = typer.Option(None, "--shard", metavar="K/N", help="Grade only the K-th of N deterministic shards."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress and no summary."),
    ):
        """Grade a whole class. Exit 0 when every submission was graded, 1 when any could not be."""
        from grader import batch, outputs
        from grader.batch.gradebook import default_path

        when = parse_deadline(deadline)
        batch.shard([], shard_spec)  # a bad --shard is a usage error before anything is looked at
        book_path = gradebook or default_path(out, jsonl)
        outputs.distinct({"--out": out, "--gradebook": book_path, "--jsonl": jsonl})
        for path in (out, jsonl):  # a link or a gradebook as --out is refused now, not after the class is graded
            if path:
                outputs.check(path)
        notes: list[str] = []
        tasks = batch.shard(batch.discover(sources, notes), shard_spec)
        if not quiet:
            for note in notes:
                print(clean(f"loopcheck: {note}"), file=sys.stderr)
        mode = "quiet" if quiet else ("bar" if sys.stderr.isatty() and not os.environ.get("CI") else "lines")
        book = _open_locked(book_path)
        try:
            dups = batch.duplicates(tasks)
            if dups and not quiet:
                for name, group in sorted(dups.items()):
                    print(clean(f"loopcheck: {name} handed in {len(group)} submissions ("
                                + ", ".join(t.display for t in group) + "): each is graded under its own id; "
                                "LMS exports leave their grade blank until you keep one"), file=sys.stderr)
            try:
                with Progress(mode, len(tasks)) as advance:
                    records = batch.run(tasks, rubric_ref=rubric, jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                                        jsonl=jsonl, resume=resume, progress=advance, book=book, deadline=when,
                                        feedback=os.path.abspath(feedback_dir) if feedback_dir else None)
            except KeyboardInterrupt:
                print(clean(f"loopcheck: interrupted; what was graded is in {book_path}: run the same command with "
                            "--resume"), file=sys.stderr)
                raise typer.Exit(130) from None
            students = {sid: info for sid, info in book.students().items() if sid in records}
        finally:
            book.close()
        if feedback_dir:
            write_feedback(feedback_dir, records, students)
        code = class_outputs(records, students, out, quiet)
        if not quiet:
            print(clean(f"Gradebook: {book_path}"), file=sys.stderr)
        raise typer.Exit(code)

    @app.command("merge")
    def merge_cmd(
        files: list[str] = typer.Argument(..., metavar="GRADEBOOK|RESULTS.jsonl..."),
        out: str = typer.Option(None, "--out", help="The combined grades.csv."),
        gradebook: str = typer.Option(None, "--gradebook", help="Combine into this gradebook [default: loopcheck-grades.sqlite beside --out]."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
    ):
        """Combine the gradebooks (or --jsonl results) of several shards into one gradebook and grades.csv."""
        from grader import batch, outputs
        from grader.batch.gradebook import Gradebook, default_path

        if not out and not gradebook:
            raise LoopcheckError("give --out grades.csv and/or --gradebook FILE: where should the merged grades go?")
        target = gradebook or default_path(out, None)
        outputs.distinct({"--out": out, "--gradebook": target})
        for f in files:
            outputs.distinct({"--out": out, f: f})
        if out:
            outputs.check(out)
        sources = [f for f in files if not outputs.same_file(f, target)]
        books = [f for f in sources if _is_sqlite(f)]
        jsonls = [f for f in sources if f not in books]
        merged = batch.merge(jsonls) if jsonls else {}
        book = _open_locked(target)
        try:
            for path in books:
                with Gradebook(path, create=False) as other:
                    if not other.count():
                        raise LoopcheckError(f"{path}: no results in it")
                    _check_conflicts(merged, other.latest(), path)
                    book.merge_from(other)
            stored = book.latest()
            for rid, res in merged.items():
                if rid not in stored or stored[rid].key() != res.key():
                    book.add(res)
            results = book.latest()
            students = book.students()
        finally:
            book.close()
        raise typer.Exit(class_outputs(results, students, out, quiet))

    grades_app = typer.Typer(no_args_is_help=True, help="A student's history and the class's exports, from a gradebook.")
    app.add_typer(grades_app, name="grades")

    @grades_app.command("show")
    def grades_show(
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

    @grades_app.command("export")
    def grades_export(
        fmt: str = typer.Option("csv", "--format", "-f", help="csv, jsonl, canvas, moodle or classroom."),
        output: str = typer.Option(None, "--output", "-o", help="Write to this file [default: stdout]."),
        gradebook: str = typer.Option(DEFAULT_BOOK, "--gradebook", help="The gradebook."),
        assignment: str = typer.Option("Exercise 4.1", "--assignment", help="The assignment's column (Canvas: its name as in the gradebook, e.g. 'Exercise 4.1 (1234)')."),
    ):
        """The latest grade of every student, in the shape an LMS imports."""
        from grader.batch.gradebook import Gradebook
        from grader.outputs import distinct
        from grader.report import lms

        if fmt not in lms.EXPORTS:
            raise LoopcheckError(f"--format {fmt!r}: choose one of {', '.join(lms.EXPORTS)}")
        distinct({"--output": output, "--gradebook": gradebook})
        with Gradebook(gradebook, create=False) as book:
            results, students = book.latest(), book.students()
        if not results:
            raise LoopcheckError(f"{gradebook}: no grades in it yet")
        text = lms.render(fmt, results, students, assignment=assignment)
        if output:
            write_atomic(output, text)
        else:  # printed (a terminal, a CI log): names can't carry escapes or workflow commands
            sys.stdout.write(clean(text, single_line=False))
        dups = lms.duplicated(students)
        if dups and fmt in ("canvas", "moodle", "classroom"):
            print(clean("loopcheck: no grade exported for students who handed in more than once: "
                        + "; ".join(f"{n} ({', '.join(ids)})" for n, ids in sorted(dups.items()))), file=sys.stderr)
        unknown = lms.canvas_unidentified(results, students) if fmt == "canvas" else []
        if unknown:
            print(clean(f"loopcheck: Canvas can't identify {len(unknown)} row(s): no ID, SIS User ID or SIS Login ID, so "
                  "it can only match the Student name, which must then be the student's name as in Canvas: "
                  + ", ".join(unknown) + ". Give their identities in a roster (a student column, no repository "
                  "needed, and canvas_user_id, sis_user_id or sis_login_id / email) and grade again, or fill them "
                  "in by hand"), file=sys.stderr)

    @app.command("report")
    def report_cmd(
        gradebook: str = typer.Argument(DEFAULT_BOOK, metavar="GRADEBOOK"),
        output: str = typer.Option("class.html", "--output", "-o", help="The HTML file to write."),
        feedback_dir: str = typer.Option(None, "--feedback", metavar="DIR", help="Link each student to their feedback in DIR [default: the last batch's --feedback]."),
        title: str = typer.Option("Exercise 4.1 — class report", "--title", help="The report's title."),
    ):
        """The class report: one self-contained HTML file to open in a browser."""
        from grader.batch.gradebook import Gradebook
        from grader.batch.results import similarity
        from grader.outputs import distinct
        from grader.report import classhtml
        from grader.report.lms import iso

        distinct({"--output": output, "GRADEBOOK": gradebook})
        with Gradebook(gradebook, create=False) as book:
            results, students, run = book.latest(), book.students(), book.last_run()
        if not results:
            raise LoopcheckError(f"{gradebook}: no grades in it yet")
        folder = feedback_dir or run.get("feedback")
        href = None
        if folder:
            href = os.path.relpath(os.path.abspath(folder), os.path.dirname(os.path.abspath(output))).replace(os.sep, "/")
        generated = f"{len(results)} submission(s) from {os.path.basename(gradebook)}"
        if run.get("deadline"):
            generated += f"; deadline {iso(run['deadline'])}"
        write_atomic(output, classhtml.render(results, students, similarity(results), feedback_href=href,
                                              title=title, generated=generated))
        print(clean(f"wrote {output}"))


DEFAULT_BOOK = "loopcheck-grades.sqlite"


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _open_locked(path: str):
    """The gradebook, locked for this run; waits (saying so) while another run holds it."""
    from grader.batch.gradebook import Gradebook

    try:
        return Gradebook(path, lock=True)
    except LoopcheckError as exc:
        if "in use by another" not in str(exc):
            raise
    print(clean(f"loopcheck: {path} is in use by another loopcheck run; waiting for it to end..."), file=sys.stderr)
    return Gradebook(path, lock=True, wait=True)


def _check_conflicts(merged: dict, other: dict, path: str) -> None:
    clash = [rid for rid, res in other.items() if rid in merged and merged[rid].key() != res.key()]
    if clash:
        raise LoopcheckError(f"conflicting results for the same submission: {', '.join(clash[:5])} ({path})")
