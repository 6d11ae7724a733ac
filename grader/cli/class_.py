"""The instructor's class commands: ``batch`` (grade a class into the gradebook), ``merge``
(combine shards) and ``report`` (the class report in HTML). Options, files and exit codes only:
the work is in :mod:`grader.batch` and the renderers in :mod:`grader.report`."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import typer

from grader.cli.common import DEFAULT_BOOK, MAX_MEMORY_MB, MAX_TIMEOUT, finite, write_atomic
from grader.cli.progress import Progress
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


def write_feedback(folder: str, results: dict, students: dict, known: list[str] | None = None) -> int:
    """A Markdown, a plain-text and an HTML file per student in ``folder``, named as
    :func:`grader.report.feedback.file_names` says for the ids ``known`` (default: the
    results'); the count."""
    from grader.report import feedback

    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise LoopcheckError(f"can't create the feedback folder {folder}: {exc.strerror}") from None
    names = feedback.file_names(sorted(set(known or []) | set(results)))
    for rid, res in results.items():
        name = students.get(rid, {}).get("name") or rid
        base = os.path.join(folder, names[rid])
        write_atomic(base + ".md", feedback.render_markdown(res, name))
        write_atomic(base + ".txt", feedback.render_text(res, name))
        write_atomic(base + ".html", feedback.render_html(res, name))
    return len(results)


def class_outputs(results: dict, students: dict, out: str | None, quiet: bool) -> int:
    """grades.csv and the summary of a batch or a merge; the exit code."""
    from grader.batch.results import similarity
    from grader.report import grades, lms

    if out:
        write_atomic(out, lms.render_csv(results, students))
        if not quiet:
            print(clean(f"wrote {out}: {len(results)} row(s), one per submission"), file=sys.stderr)
    if not quiet:
        sys.stdout.write(grades.render_summary(results, similarity(results)))
        dups = lms.duplicated(students)
        if dups:
            sys.stdout.write("\nHanded in more than once (each graded; LMS exports leave their grade blank until "
                             "you keep one: loopcheck grades keep ID):\n")
            for name, ids in sorted(dups.items()):
                sys.stdout.write(clean(f"  {name}: {', '.join(ids)}") + "\n")
    failed = any(r.status != "graded" for r in results.values())
    return EXIT_BELOW if failed else EXIT_OK


def open_locked(path: str):
    """The gradebook, locked for this run; waits (saying so) while another run holds it."""
    from grader.batch.gradebook import Gradebook

    try:
        return Gradebook(path, lock=True)
    except LoopcheckError as exc:
        if "in use by another" not in str(exc):
            raise
    print(clean(f"loopcheck: {path} is in use by another loopcheck run; waiting for it to end..."), file=sys.stderr)
    return Gradebook(path, lock=True, wait=True)


def _announce(notes: list[str], tasks: list) -> None:
    """What discovery noticed, and the students who handed in more than once."""
    from grader import batch

    for note in notes:
        print(clean(f"loopcheck: {note}"), file=sys.stderr)
    for name, group in sorted(batch.duplicates(tasks).items()):
        print(clean(f"loopcheck: {name} handed in {len(group)} submissions ("
                    + ", ".join(t.display for t in group) + "): each is graded under its own id; "
                    "LMS exports leave their grade blank until you keep one (loopcheck grades keep ID)"),
              file=sys.stderr)


def batch_command(
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
        _announce(notes, tasks)
    mode = "quiet" if quiet else ("bar" if sys.stderr.isatty() and not os.environ.get("CI") else "lines")
    book = open_locked(book_path)
    tracker = Progress(mode, len(tasks))
    try:
        try:
            with tracker as advance:
                records = batch.run(tasks, rubric_ref=rubric, jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                                    jsonl=jsonl, resume=resume, progress=advance, book=book, deadline=when,
                                    feedback=os.path.abspath(feedback_dir) if feedback_dir else None)
        except KeyboardInterrupt:
            print(clean(f"loopcheck: interrupted; what was graded is in {book_path}: run the same command with "
                        "--resume"), file=sys.stderr)
            raise typer.Exit(130) from None
        known = book.students()
        students = {sid: info for sid, info in known.items() if sid in records}
    finally:
        book.close()
    if tracker.resumed and not quiet:
        print(f"loopcheck: {tracker.resumed} of {len(records)} already graded and unchanged since: kept as they "
              "were (--resume)", file=sys.stderr)
    if feedback_dir:
        n = write_feedback(feedback_dir, records, students, list(known))
        if not quiet:
            print(clean(f"wrote feedback for {n} submission(s) in {feedback_dir}: <student>.md, .txt and .html each"),
                  file=sys.stderr)
    code = class_outputs(records, students, out, quiet)
    if not quiet:
        print(clean(f"Gradebook: {book_path}"), file=sys.stderr)
    raise typer.Exit(code)


def merge_command(
    files: list[str] = typer.Argument(..., metavar="GRADEBOOK|RESULTS.jsonl..."),
    out: str = typer.Option(None, "--out", help="The combined grades.csv."),
    gradebook: str = typer.Option(None, "--gradebook", help="Combine into this gradebook [default: loopcheck-grades.sqlite beside --out]."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
):
    """Combine the gradebooks (or --jsonl results) of several shards into one gradebook and grades.csv."""
    from grader import outputs
    from grader.batch.combine import combine
    from grader.batch.gradebook import default_path

    if not out and not gradebook:
        raise LoopcheckError("give --out grades.csv and/or --gradebook FILE: where should the merged grades go?")
    target = gradebook or default_path(out, None)
    outputs.distinct({"--out": out, "--gradebook": target})
    for f in files:
        outputs.distinct({"--out": out, f: f})
    if out:
        outputs.check(out)
    book = open_locked(target)
    try:
        combine(book, files)
        results, students = book.latest(), book.students()
    finally:
        book.close()
    raise typer.Exit(class_outputs(results, students, out, quiet))


def report_command(
    gradebook: str = typer.Argument(DEFAULT_BOOK, metavar="GRADEBOOK"),
    output: str = typer.Option("class.html", "--output", "-o", help="The HTML file to write."),
    feedback_dir: str = typer.Option(None, "--feedback", metavar="DIR", help="Link each student to their feedback in DIR [default: the last batch's --feedback]."),
    title: str = typer.Option(None, "--title", help="The report's title [default: the rubric's title — class report]."),
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
    from grader.report.feedback import title_of

    title = title or f"{title_of(next(iter(results.values())))} — class report"
    generated = f"{len(results)} submission(s) from {os.path.basename(gradebook)}"
    if run.get("deadline"):
        generated += f"; deadline {iso(run['deadline'])}"
    write_atomic(output, classhtml.render(results, students, similarity(results), feedback_href=href,
                                          title=title, generated=generated))
    print(clean(f"wrote {output}"))
