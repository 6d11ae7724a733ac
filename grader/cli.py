"""The command line: one typer application — options, output routing, exit code, nothing else.

``loopcheck [PATH]`` grades (the ``grade`` command is the default: anything that is not a
subcommand's name is handed to it); ``loopcheck batch``, ``merge``, ``rubric`` and
``explain`` are subcommands. A PATH spelled like a subcommand can still be graded as
``./rubric``.

Exit codes: 0 graded and at/above the threshold; 1 graded and below; 2 usage error,
invalid rubric, or PATH missing / not a folder; 3 internal error (a bug).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import textwrap

import typer
from typer.core import TyperCommand

from grader import __version__
from grader.cli_class import MAX_MEMORY_MB, MAX_TIMEOUT, add_class_commands, finite
from grader.errors import EXIT_BELOW, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, LoopcheckError
from grader.outputs import GuardedStdout, StdoutError
from grader.report.text import clean

__all__ = ["EXIT_BELOW", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]
SUBCOMMANDS = ("grade", "rubric", "explain", "batch", "merge", "grades", "report", "init")
FORMATS = ("table", "json", "markdown", "github", "junit", "sarif", "gradescope", "classroom", "csv")
_ORDER_KEY = "loopcheck.option_order"


class _OrderedOptions(TyperCommand):
    """typer's command, remembering the order in which options were given (click's own parser
    reports it; typer only hands over each option's list), so each ``--output`` can belong to
    the ``--format`` before it."""

    def parse_args(self, ctx, args):
        _opts, _rest, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[_ORDER_KEY] = [getattr(p, "name", None) for p in order]
        return super().parse_args(ctx, args)


def pair_formats(order: list[str | None], formats: list[str], outputs: list[str]) -> list[tuple[str, str | None]]:
    """(format, output file or None) in the order given.

    ``order`` is the parameter names in command-line order (one per occurrence). Each
    ``--output`` belongs to the ``--format`` before it; an ``--output`` given before any
    ``--format`` belongs to the first one (or to the default ``table``)."""
    fmts, outs = iter(formats), iter(outputs)
    pairs: list[list] = []
    orphans: list[str] = []
    for name in order:
        if name == "fmt":
            pairs.append([next(fmts), None])
        elif name == "output":
            out = next(outs)
            if pairs and pairs[-1][1] is None:
                pairs[-1][1] = out
            else:
                orphans.append(out)
    if not pairs:
        pairs.append(["table", None])
    for out in orphans:
        free = next((p for p in pairs if p[1] is None), None)
        if free is None:
            raise LoopcheckError(f"--output {out} has no --format of its own")
        free[1] = out
    return [(f, o) for f, o in pairs]


_EXTENSIONS = {".json": "json", ".xml": "junit", ".sarif": "sarif", ".md": "markdown", ".markdown": "markdown",
               ".csv": "csv", ".txt": "table"}


def format_of(output: str) -> str:
    """The format an --output file's extension asks for, when no --format was given."""
    ext = os.path.splitext(output)[1].lower()
    if ext not in _EXTENSIONS:
        raise LoopcheckError(f"--output {output}: give its --format (no format is known for {ext or 'no extension'}; "
                             f"by extension: {', '.join(f'{e} {f}' for e, f in _EXTENSIONS.items())})")
    return _EXTENSIONS[ext]


def _color_wanted(no_color: bool, stream) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _write_output(text: str, output: str | None, *, append: bool = False) -> None:
    if output:
        from grader.outputs import write_text

        write_text(output, text, append=append)  # regular files only, never through a link
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _step_summary(report) -> str:
    """Append the Markdown report to GitHub's job summary; a workflow warning when that fails."""
    from grader.report import github, markdown

    try:
        _write_output(markdown.render(report), os.environ["GITHUB_STEP_SUMMARY"], append=True)
    except Exception as exc:  # noqa: BLE001 - LoopcheckError with the OS reason
        reason = str(exc).rsplit(": ", 1)[-1]
        return github.command("warning", f"loopcheck could not write the job summary: {reason}") + "\n"
    return ""


def run_grade(*, path: str, rubric: str | None, pairs: list[tuple[str, str | None]],
              fail_under: float | None, no_fail: bool, verbose: bool, no_color: bool,
              worktree: bool = False, timeout: float | None = None, memory_mb: int = 0,
              staged: bool = False) -> int:
    """Grade PATH and write every requested (format, output) pair; the exit code."""
    for name, _out in pairs:
        if name not in FORMATS:
            raise LoopcheckError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    if sum(out is None for _, out in pairs) > 1:
        raise LoopcheckError("at most one --format can go to stdout: give the others an --output FILE")
    outs = [out for _, out in pairs if out]
    if len(outs) != len(set(outs)):
        raise LoopcheckError("two formats can't be written to the same --output file")
    from grader import memory
    from grader import report as renderers
    from grader import rubric as rubrics
    from grader.report.text import shown_name
    from grader.scoring import grade
    from grader.sources import opened

    loaded = rubrics.load(rubric)
    import time

    until = time.monotonic() + timeout if timeout else None  # --timeout bounds the whole run
    try:
        with memory.budget(memory_mb) as watch, opened(path, worktree=worktree, staged=staged, until=until) as source:
            left = max(0.001, until - time.monotonic()) if until is not None else None
            result = grade(source.folder, loaded, threshold=fail_under, display_path=path,
                           git_root=source.git_root, timeout=left,
                           pull_request=os.environ.get("GITHUB_EVENT_NAME", "").startswith("pull_request"))
            prefix = workspace_prefix(source.git_root or source.folder) if os.path.isdir(path) else ""
    except MemoryError:
        raise LoopcheckError(f"grading {shown_name(path)} went over the memory budget of {memory_mb} MB "
                             "(--memory-mb): nothing was graded") from None
    notes = list(source.notes)
    if watch is not None and watch.exceeded:
        notes.append(f"git was stopped: the grading went over the memory budget of {memory_mb} MB (--memory-mb), "
                     "so what git would have read (history, tags) is missing or not judged")
    if notes:
        import dataclasses

        result = dataclasses.replace(result, notes=tuple(notes) + result.notes)
    stream = sys.stdout
    for name, out in pairs:
        on_terminal = not out and hasattr(stream, "isatty") and stream.isatty()
        width = shutil.get_terminal_size((100, 24)).columns if on_terminal else 100
        text = renderers.render(name, result, color=not out and _color_wanted(no_color, stream),
                                verbose=verbose, width=width, prefix=prefix)
        if name == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            text += _step_summary(result)
        _write_output(text, out)
    return EXIT_OK if result.passed or no_fail else EXIT_BELOW


def workspace_prefix(folder: str) -> str:
    """The graded folder's path inside GitHub's workspace ($GITHUB_WORKSPACE), so annotation and
    SARIF paths point at the files as checked out; "" outside GitHub or at its root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return ""
    rel = os.path.relpath(os.path.realpath(folder), os.path.realpath(workspace))
    if rel == "." or rel.startswith(".."):
        return ""
    return rel.replace(os.sep, "/")


def points(x: float) -> str:
    """``1 point``, ``0.5 points``, ``3 points``."""
    return f"{x:g} point" + ("" if x == 1 else "s")


def _version(value: bool) -> None:
    if value:
        print(f"loopcheck {__version__}")
        raise typer.Exit(EXIT_OK)


def build_app() -> typer.Typer:
    """The one typer application: ``grade`` (the default), ``batch``, ``merge``, ``rubric``,
    ``explain``."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                      context_settings={"help_option_names": ["-h", "--help"]},
                      help="Grade a learner's repository phase by phase through the DevOps loop. "
                      "`loopcheck PATH` is short for `loopcheck grade PATH`.",
                      epilog="Exit codes: 0 at/above the threshold, 1 below, 2 usage error or invalid "
                      "rubric, 3 internal error.")

    @app.callback()
    def _main(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                           help="Print the version and exit.")):
        """Grade a learner's repository phase by phase through the DevOps loop."""

    @app.command("grade", cls=_OrderedOptions,
                 epilog="Exit codes: 0 at/above the threshold, 1 below, 2 usage error or invalid rubric, "
                 "3 internal error.")
    def grade(
        ctx: typer.Context,
        path: str = typer.Argument(".", help="The learner's repository: a folder, or a git .bundle file."),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Bundled rubric name or a rubric YAML file [default: exercise-4.1]."),
        fmt: list[str] = typer.Option(None, "--format", "-f", help=f"Output format, may be repeated: {', '.join(FORMATS)} [default: table]."),
        output: list[str] = typer.Option(None, "--output", "-o", help="Write the preceding --format to this file instead of stdout."),
        fail_under: float = typer.Option(None, "--fail-under", min=0, max=100, callback=finite, help="Exit 1 below this percent [default: the rubric's pass mark]."),
        no_fail: bool = typer.Option(False, "--no-fail", help="Exit 0 whatever the score (report-only runs)."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show passing checks with their evidence."),
        no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR is honoured too)."),
        worktree: bool = typer.Option(False, "--worktree", help="Grade the folder as it is, uncommitted changes included [default: its last commit]."),
        staged: bool = typer.Option(False, "--staged", help="Grade what is staged for the next commit (the index), as a pre-commit hook should [default: the last commit]."),
        timeout: float = typer.Option(300.0, "--timeout", min=1, max=MAX_TIMEOUT, callback=finite, help="Seconds the grading may take; checks not reached are not judged [default: 300]."),
        memory_mb: int = typer.Option(2048, "--memory-mb", min=0, max=MAX_MEMORY_MB, help="Memory the grading may use in MB, git included (0: no budget) [default: 2048]."),
        debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
        version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ):
        """Grade one repository (the default command)."""
        pairs: list[tuple[str, str | None]]
        if output and not fmt:  # `-o report.json`: the file's extension says which format
            pairs = [(format_of(out), out) for out in output]
        else:
            pairs = pair_formats(ctx.meta.get(_ORDER_KEY, []), fmt or [], output or [])
        raise typer.Exit(run_grade(path=path, rubric=rubric, pairs=pairs, fail_under=fail_under,
                                   no_fail=no_fail, verbose=verbose, no_color=no_color, worktree=worktree,
                                   timeout=timeout, memory_mb=memory_mb, staged=staged))

    _add_subcommands(app)
    return app


def init_templates(path: str, *, force: bool) -> list[str]:
    """Write Exercise 4.1's four templates into PATH/exercises/module-01/exercise-04/; the files
    written. An existing file is kept unless ``force``."""
    from importlib import resources

    from grader.evidence.written import EXERCISE_DIR
    from grader.outputs import folder_in, write_in

    if not os.path.isdir(path):
        raise LoopcheckError(f"not a folder: {path}")
    parts = EXERCISE_DIR.strip("/").split("/")
    target = os.path.join(path, *parts)
    templates = sorted((t for t in resources.files("grader").joinpath("templates").iterdir() if t.name.endswith(".md")), key=lambda t: t.name)
    folder = folder_in(path, parts)  # a link on the way (exercises/module-01 → elsewhere) is refused
    try:
        existing = [t.name for t in templates if _lexists_at(folder, t.name)]
        if existing and not force:
            raise LoopcheckError(f"{', '.join(existing)} already in {target}: nothing written (--force overwrites)")
        written = []
        for t in templates:
            dest = os.path.join(target, t.name)
            write_in(folder, t.name, t.read_text(encoding="utf-8"), shown=dest)  # never through a link
            written.append(dest)
    finally:
        os.close(folder)
    return written


def _lexists_at(folder: int, name: str) -> bool:
    try:
        os.lstat(name, dir_fd=folder)
    except FileNotFoundError:
        return False
    return True


def _add_subcommands(app: typer.Typer) -> None:
    @app.command("init")
    def init_cmd(
        path: str = typer.Argument(".", help="The repository to start the exercise in."),
        force: bool = typer.Option(False, "--force", help="Overwrite templates that are already there."),
    ):
        """Write Exercise 4.1's four templates into exercises/module-01/exercise-04/."""
        for dest in init_templates(path, force=force):
            print(clean(f"wrote {dest}"))
        print("Replace every [Your answer] with your own words, then run `loopcheck` to see your score.")

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
        bonus = sum(c.points for c in r.checks if c.bonus)
        print(f"{r.title} — {r.id} {r.version}, pass mark {r.pass_mark:g}%, {points(r.total_points)}"
              + (f" (+{points(bonus)} bonus)" if bonus else ""))
        if r.extends:
            print(f"extends {r.extends}")

        def show(title: str, checks) -> None:
            core = sum(c.points for c in checks if not c.bonus)
            extra = sum(c.points for c in checks if c.bonus)
            print(f"\n{title} ({points(core)}" + (f", +{points(extra)} bonus" if extra else "") + ")")
            for c in checks:
                mark = "+" if c.bonus else " "
                print(f"  {mark}{c.points:>4g}  {c.id:<34} {c.title}  [{c.kind}]")

        for phase in r.phases:
            show(r.phase_titles[phase], r.phases[phase])
        for task in r.tasks:
            show(task.title, r.task_of(task.id))

    @rubric_app.command("validate")
    def rubric_validate(files: list[str] = typer.Argument(..., metavar="FILE...")):
        """Validate rubric files: every problem with file:line and the key path."""
        from grader import rubric as rubrics
        from grader.errors import RubricError

        bad = 0
        for f in files:
            try:
                r = rubrics.load(f if rubrics._is_file_ref(f) or os.path.exists(f) else f, validate=True)
            except RubricError as exc:
                bad += 1
                for problem in exc.problems:
                    print(clean(problem), file=sys.stderr)
            except LoopcheckError as exc:
                bad += 1
                print(clean(str(exc)), file=sys.stderr)
            else:
                print(f"{f}: ok ({r.id} {r.version}, {len(r.checks)} checks, {points(r.total_points)})")
        raise typer.Exit(EXIT_USAGE if bad else EXIT_OK)

    @app.command("explain")
    def explain(
        check_id: str = typer.Argument(..., metavar="CHECK_ID"),
        rubric: str = typer.Option(None, "--rubric", "-r", help="Rubric to look in [default: exercise-4.1]."),
    ):
        """What a check looks for, why it matters, and how to fix it."""
        from grader import rubric as rubrics
        from grader.docs import describe
        r = rubrics.load(rubric)
        check = r.check(check_id)
        if check is None:
            near = [c.id for c in r.checks if check_id.split(".")[-1] in c.id][:5]
            extra = f" (did you mean {', '.join(near)}?)" if near else ""
            raise LoopcheckError(f"no check {check_id!r} in rubric {r.id}{extra}; `loopcheck rubric show {r.id}` lists them")
        text = describe(check.kind, check)
        print(f"{check.id} — {text.title}")
        where = f"phase {r.phase_titles[check.phase]}" if check.phase else "no phase"
        task = next((t.title for t in r.tasks if t.id == check.task), None)
        print(f"{where}{f', {task}' if task else ''}, {points(check.points)}, kind {check.kind}\n")
        width = max(40, shutil.get_terminal_size((100, 24)).columns - 2)
        para = lambda s: textwrap.fill(s, width=width, initial_indent="  ", subsequent_indent="  ",  # noqa: E731
                                       break_long_words=False, break_on_hyphens=False)
        print(f"What it looks for:\n{para(text.looks_for)}\n")
        if text.params:
            print("With: " + ", ".join(f"{k}={v}" for k, v in text.params.items()) + "\n")
        print(f"Why it matters:\n{para(text.why)}\n")
        print(f"How to fix it:\n{para(text.hint)}")
        if check.docs:
            print(f"\nRead more: {check.docs}")

    add_class_commands(app)


def command_line(argv: list[str]) -> list[str]:
    """The arguments as the application reads them: ``grade`` is the default command, so
    anything that is not a subcommand (or the application's own ``--help``) goes to it."""
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help")):
        return argv
    return ["grade", *argv]


def _terminated(signum, _frame) -> None:
    """SIGTERM ends a run the way Ctrl-C does: temporary folders removed, workers stopped."""
    raise SystemExit(128 + signum)


def _stdout_gone(stdout) -> None:
    """Standard output failed (closed, full): nothing more goes to it, so the interpreter's last
    flush can't fail again with a message of its own."""
    try:
        if stdout is sys.__stdout__ and stdout is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
            os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    for stream in (sys.stdout, sys.stderr):  # a name that is not UTF-8 is shown escaped, never a crash
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    try:
        signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (loopcheck used as a library): leave signals alone
        pass
    stdout = sys.stdout
    sys.stdout = GuardedStdout(stdout)  # a closed or full stdout is a one-line error, not a bug
    try:
        command = typer.main.get_command(build_app())
        try:
            result = command.main(args=command_line(argv), prog_name="loopcheck", standalone_mode=False)
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
        if isinstance(exc, StdoutError):
            _stdout_gone(stdout)
        print(clean(f"loopcheck: {exc}"), file=sys.stderr)
        problems = getattr(exc, "problems", [])
        for problem in problems[1:10]:
            print(clean(f"  {problem}"), file=sys.stderr)
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
        print(clean(f"loopcheck: internal error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug in "
                    "loopcheck, not in your repository; please report it (run with --debug for details)."),
              file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if isinstance(sys.stdout, GuardedStdout):
            try:
                sys.stdout.flush()
            except StdoutError:
                _stdout_gone(stdout)
            sys.stdout = stdout
