"""The command line: options, renderer choice, exit code — and nothing else.

``loopcheck [PATH]`` grades; ``loopcheck rubric ...`` and ``loopcheck explain`` are
subcommands. A PATH spelled like a subcommand can still be graded as ``./rubric``.

Exit codes: 0 graded and at/above the threshold; 1 graded and below; 2 usage error,
invalid rubric, or PATH missing / not a folder; 3 internal error (a bug).
"""

from __future__ import annotations

import os
import re
import sys
import time

from grader import __version__
from grader.fsutil import terminal_width

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SUBCOMMANDS = ("rubric", "explain", "batch", "merge")
FORMATS = ("table", "json", "markdown", "github", "junit", "sarif", "gradescope", "classroom", "csv")
_argv: list[str] = []  # the arguments of this run, for pairing --format with --output


def pair_formats(argv: list[str]) -> list[tuple[str, str | None]]:
    """(format, output file or None) in the order given.

    Each ``--output`` belongs to the ``--format`` before it; an ``--output`` given before any
    ``--format`` belongs to the first one (or to the default ``table``)."""
    pairs: list[list] = []
    orphans: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            break
        value = None
        for long, short in (("--format", "-f"), ("--output", "-o")):
            if tok in (long, short) and i + 1 < len(argv):
                value, i = (long, argv[i + 1]), i + 1
            elif tok.startswith(long + "="):
                value = (long, tok[len(long) + 1:])
            elif tok.startswith(short) and len(tok) > 2 and not tok.startswith("--"):
                value = (long, tok[2:])
            if value:
                break
        if value and value[0] == "--format":
            pairs.append([value[1], None])
        elif value:
            target = pairs[-1] if pairs and pairs[-1][1] is None else None
            if target is None:
                orphans.append(value[1])
            else:
                target[1] = value[1]
        i += 1
    if not pairs:
        pairs.append(["table", None])
    for out in orphans:
        free = next((p for p in pairs if p[1] is None), None)
        if free is None:
            from grader.errors import LoopcheckError

            raise LoopcheckError(f"--output {out} has no --format of its own")
        free[1] = out
    return [(f, o) for f, o in pairs]


def _color_wanted(no_color: bool, stream) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _write_output(text: str, output: str | None) -> None:
    if output:
        from grader.errors import LoopcheckError

        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise LoopcheckError(f"can't write {output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _run_grade(*, path: str, rubric: str | None, fail_under: float | None, no_fail: bool,
               verbose: bool, no_color: bool) -> int:
    """Grade PATH and write every requested format; the exit code. Formats come from ``_argv``."""
    from grader.errors import LoopcheckError

    pairs = pair_formats(_argv)
    for name, _out in pairs:
        if name not in FORMATS:
            raise LoopcheckError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    if sum(out is None for _, out in pairs) > 1:
        raise LoopcheckError("at most one --format can go to stdout: give the others an --output FILE")
    outs = [out for _, out in pairs if out]
    if len(outs) != len(set(outs)):
        raise LoopcheckError("two formats can't be written to the same --output file")
    from grader import report as renderers
    from grader import rubric as rubrics
    from grader.scoring import grade as run_grade
    from grader.sources import opened

    loaded = rubrics.load(rubric)
    with opened(path) as folder:
        result = run_grade(folder, loaded, threshold=fail_under, display_path=path)
    stream = sys.stdout
    for name, out in pairs:
        on_terminal = not out and hasattr(stream, "isatty") and stream.isatty()
        width = terminal_width(100) if on_terminal else 100
        text = renderers.render(name, result, color=not out and _color_wanted(no_color, stream),
                                verbose=verbose, width=width)
        _write_output(text, out)
    return EXIT_OK if result.passed or no_fail else EXIT_BELOW


_VALUE_OPTIONS = {"--rubric": "rubric", "-r": "rubric", "--format": "format", "-f": "format",
                  "--output": "output", "-o": "output", "--fail-under": "fail_under"}
_FLAG_OPTIONS = {"--no-fail": "no_fail", "--verbose": "verbose", "-v": "verbose",
                 "--no-color": "no_color", "--debug": "debug", "--version": "version"}
_PERCENT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


def _fast_parse(argv: list[str]) -> dict | None:
    """The grade command's options for the plain forms learners and CI type, without typer.

    Importing typer (and click) costs about 50 ms, a third of a learner's run. This parser
    accepts only an unambiguous subset — long options with ``=`` or a separate value, short
    ones with an attached or separate value, flags, one PATH — and returns None for anything
    else (help, errors, repeated single options, values that look like options, ``--``), which
    then goes through typer as before. A test checks it agrees with typer on what it accepts."""
    opts: dict = {"path": None, "rubric": None, "fail_under": None}
    flags: set[str] = set()
    i = 0
    while i < len(argv):
        tok = argv[i]
        i += 1
        if not tok.startswith("-"):
            if opts["path"] is not None:
                return None
            opts["path"] = tok
            continue
        if tok in _FLAG_OPTIONS:
            flags.add(_FLAG_OPTIONS[tok])
            continue
        name, value = tok, None
        if tok.startswith("--") and "=" in tok:
            name, value = tok.split("=", 1)
        elif not tok.startswith("--") and len(tok) > 2:
            name, value = tok[:2], tok[2:]
        key = _VALUE_OPTIONS.get(name)
        if key is None:
            return None
        if value is None:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if not value or value.startswith("-"):
            return None
        if key in ("format", "output"):
            continue  # paired from the raw arguments by pair_formats
        if opts[key] is not None:
            return None
        if key == "fail_under":
            if not _PERCENT.match(value) or float(value) > 100:
                return None
            value = float(value)
        opts[key] = value
    if "version" in flags:
        return {"version": True}
    if opts["path"] is None:
        opts["path"] = "."
    for flag in ("no_fail", "verbose", "no_color"):
        opts[flag] = flag in flags
    return opts


def _grade_app():
    import typer

    app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)

    @app.command(
        context_settings={"help_option_names": ["-h", "--help"]},
        epilog="Other commands: `loopcheck rubric list|show|validate`, `loopcheck explain CHECK_ID`. "
        "Exit codes: 0 at/above the threshold, 1 below, 2 usage error or invalid rubric, 3 internal error.",
    )
    def grade(
        path: str = typer.Argument(".", help="The learner's repository: a folder, or a git .bundle file."),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Bundled rubric name or a rubric YAML file [default: exercise-4.1]."),
        fmt: list[str] = typer.Option(None, "--format", "-f", help=f"Output format, may be repeated: {', '.join(FORMATS)} [default: table]."),
        output: list[str] = typer.Option(None, "--output", "-o", help="Write the preceding --format to this file instead of stdout."),
        fail_under: float = typer.Option(None, "--fail-under", min=0, max=100, help="Exit 1 below this percent [default: the rubric's pass mark]."),
        no_fail: bool = typer.Option(False, "--no-fail", help="Exit 0 whatever the score (report-only runs)."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show passing checks with their evidence."),
        no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR is honoured too)."),
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
        version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    ):
        """Grade a repository phase by phase through the DevOps loop."""
        if version:
            print(f"loopcheck {__version__}")
            raise typer.Exit(EXIT_OK)
        raise typer.Exit(_run_grade(path=path, rubric=rubric, fail_under=fail_under, no_fail=no_fail,
                                    verbose=verbose, no_color=no_color))

    return app


def _sub_app():
    import typer

    app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                      no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]})
    rubric_app = typer.Typer(no_args_is_help=True, help="List, show and validate rubrics.")
    app.add_typer(rubric_app, name="rubric")

    @rubric_app.command("list")
    def rubric_list():
        """The bundled rubrics with their titles."""
        from grader import rubric as rubrics

        for name in rubrics.bundled_names():
            r = rubrics.load(name)
            base = f"  (extends {r.extends})" if r.extends else ""
            print(f"{r.id:<16} {r.version:<8} {r.title}{base}")

    @rubric_app.command("show")
    def rubric_show(ref: str = typer.Argument(..., metavar="NAME|FILE")):
        """A rubric's phases, checks and points."""
        from grader import rubric as rubrics

        r = rubrics.load(ref)
        print(f"{r.title} — {r.id} {r.version}, pass mark {r.pass_mark:g}%, {r.total_points:g} points")
        if r.extends:
            print(f"extends {r.extends}")
        for phase in r.phases:
            checks = r.phases[phase]
            print(f"\n{r.phase_titles[phase]} ({sum(c.points for c in checks):g} points)")
            for c in checks:
                print(f"  {c.points:>4g}  {c.id:<34} {c.title}  [{c.kind}]")

    @rubric_app.command("validate")
    def rubric_validate(files: list[str] = typer.Argument(..., metavar="FILE...")):
        """Validate rubric files: every problem with file:line and the key path."""
        from grader import rubric as rubrics
        from grader.errors import LoopcheckError, RubricError

        bad = 0
        for f in files:
            try:
                r = rubrics.load(f if rubrics._is_file_ref(f) or os.path.exists(f) else f, validate=True)
            except RubricError as exc:
                bad += 1
                for problem in exc.problems:
                    print(problem, file=sys.stderr)
            except LoopcheckError as exc:
                bad += 1
                print(str(exc), file=sys.stderr)
            else:
                print(f"{f}: ok ({r.id} {r.version}, {len(r.checks)} checks, {r.total_points:g} points)")
        raise typer.Exit(EXIT_USAGE if bad else EXIT_OK)

    @app.command("explain")
    def explain(
        check_id: str = typer.Argument(..., metavar="CHECK_ID"),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Rubric to look in [default: exercise-4.1]."),
    ):
        """What a check looks for, why it matters, and how to fix it."""
        from grader import detectors
        from grader import rubric as rubrics
        from grader.errors import LoopcheckError

        r = rubrics.load(rubric)
        check = r.check(check_id)
        if check is None:
            near = [c.id for c in r.checks if check_id.split(".")[-1] in c.id][:5]
            extra = f" (did you mean {', '.join(near)}?)" if near else ""
            raise LoopcheckError(f"no check {check_id!r} in rubric {r.id}{extra}; `loopcheck rubric show {r.id}` lists them")
        det = detectors.registry()[check.kind]
        params = {**det.defaults, **check.params}
        print(f"{check.id} — {check.title}")
        print(f"phase {r.phase_titles[check.phase]}, {check.points:g} points, kind {check.kind}\n")
        print(f"What it looks for:\n  {det.looks_for}\n")
        if params:
            print("With: " + ", ".join(f"{k}={v}" for k, v in params.items()) + "\n")
        print(f"Why it matters:\n  {check.why or det.why}\n")
        print(f"How to fix it:\n  {check.hint}")
        if check.docs:
            print(f"\nRead more: {check.docs}")

    @app.command("batch")
    def batch_cmd(
        sources: list[str] = typer.Argument(..., metavar="SOURCE...", help="Folders of submissions, archives (.zip, .tar.gz, .tgz), .bundle files, or roster .csv files."),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Rubric for every submission [default: exercise-4.1]."),
        jobs: int = typer.Option(2, "--jobs", "-j", min=1, max=64, help="Worker processes."),
        timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds one submission may take (unpacking and cloning included)."),
        memory_mb: int = typer.Option(2048, "--memory-mb", min=0, help="Memory cap of each worker in MB (0: none)."),
        out: str = typer.Option(None, "--out", help="Write grades.csv: one row per submission, sorted by id."),
        jsonl: str = typer.Option(None, "--jsonl", help="Append each full JSON report to this file as soon as it is done."),
        resume: bool = typer.Option(False, "--resume", help="Skip submissions already graded in --jsonl with the same fingerprint and rubric."),
        shard_spec: str = typer.Option(None, "--shard", metavar="K/N", help="Grade only the K-th of N deterministic shards."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    ):
        """Grade a whole class. Exit 0 when every submission was graded, 1 when any could not be."""
        from grader import batch
        from grader.errors import LoopcheckError

        if resume and not jsonl:
            raise LoopcheckError("--resume needs --jsonl FILE (the results of the earlier run)")
        if not out and not jsonl:
            raise LoopcheckError("give --out grades.csv and/or --jsonl results.jsonl: where should the grades go?")
        tasks = batch.shard(batch.discover(sources), shard_spec)
        show = not quiet and sys.stderr.isatty() and not os.environ.get("CI")
        try:
            with _progress(show, len(tasks)) as advance:
                records = batch.run(tasks, rubric_ref=rubric, jobs=jobs, timeout=timeout, memory_mb=memory_mb,
                                    jsonl=jsonl, resume=resume, progress=advance)
        except KeyboardInterrupt:
            kept = f"; what was graded is in {jsonl}: run the same command with --resume" if jsonl else ""
            print(f"loopcheck: interrupted{kept}", file=sys.stderr)
            raise typer.Exit(130) from None
        if out:
            batch.write_csv(records, out)
        if not quiet:
            batch.print_summary(records)
        failed = any(r.get("status") != "graded" for r in records.values())
        raise typer.Exit(EXIT_BELOW if failed else EXIT_OK)

    @app.command("merge")
    def merge_cmd(
        files: list[str] = typer.Argument(..., metavar="RESULTS.jsonl..."),
        out: str = typer.Option(..., "--out", help="The combined grades.csv."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary."),
    ):
        """Combine the --jsonl results of several shards into one grades.csv."""
        from grader import batch

        records = batch.merge(files)
        batch.write_csv(records, out)
        if not quiet:
            batch.print_summary(records)
        failed = any(r.get("status") != "graded" for r in records.values())
        raise typer.Exit(EXIT_BELOW if failed else EXIT_OK)

    return app


class _progress:
    """A rich progress bar (count, rate, ETA) on a terminal; nothing elsewhere."""

    def __init__(self, show: bool, total: int):
        self.show, self.total, self.bar = show, total, None

    def __enter__(self):
        if not self.show:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=None, transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("grading", total=self.total, rate="")
        start = time.monotonic()
        done = [0]

        def advance(_record):
            done[0] += 1
            elapsed = max(time.monotonic() - start, 1e-6)
            self.bar.update(task, advance=1, rate=f"{done[0] / elapsed:.1f}/s")

        return advance

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)
        return False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _argv[:] = argv
    if argv in (["--version"], ["-V"]):
        print(f"loopcheck {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    from grader.errors import LoopcheckError

    try:
        if not argv or argv[0] not in SUBCOMMANDS:
            fast = _fast_parse(argv)
            if fast is not None and fast.get("version"):
                print(f"loopcheck {__version__}")
                return EXIT_OK
            if fast is not None:
                return _run_grade(**fast)
        import typer

        app = _sub_app() if argv and argv[0] in SUBCOMMANDS else _grade_app()
        command = typer.main.get_command(app)
        try:
            result = command.main(args=argv, prog_name="loopcheck", standalone_mode=False)
        except typer.Exit as exc:
            return exc.exit_code
        except typer.Abort:  # Ctrl-C while a command ran (click turns it into Abort)
            print("loopcheck: interrupted", file=sys.stderr)
            return 130
        except LoopcheckError:
            raise
        except Exception as exc:
            # click's usage errors (vendored inside typer in recent versions) know how to show
            # themselves; anything else is a bug and goes to the handler below.
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):
                exc.show()
                return EXIT_USAGE
            raise
        return result if isinstance(result, int) else EXIT_OK
    except LoopcheckError as exc:
        print(f"loopcheck: {exc}", file=sys.stderr)
        problems = getattr(exc, "problems", [])
        for problem in problems[1:10]:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("loopcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            import traceback

            traceback.print_exc()
        print(f"loopcheck: internal error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug in "
              "loopcheck, not in your repository; please report it (run with --debug for details).",
              file=sys.stderr)
        return EXIT_INTERNAL
