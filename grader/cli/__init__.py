"""The command line: one typer application of module-level commands — options, output routing,
exit code, nothing else.

``loopcheck [PATH]`` grades (the ``grade`` command is the default: anything that is not a
subcommand's name is handed to it); ``init``, ``rubric``, ``explain`` (:mod:`.grade`,
:mod:`.rubric`) and the instructor's ``batch``, ``merge``, ``report`` and ``grades``
(:mod:`.class_`, :mod:`.grades`) are subcommands. A PATH spelled like a subcommand can still
be graded as ``./rubric``.

Exit codes: 0 graded and at/above the threshold; 1 graded and below; 2 usage error,
invalid rubric, or PATH missing / not a folder; 3 internal error (a bug).
"""

from __future__ import annotations

import os
import signal
import sys

import typer

from grader.cli import grade
from grader.cli.common import show_version
from grader.errors import EXIT_BELOW, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, LoopcheckError
from grader.outputs import GuardedStdout, StdoutError
from grader.report.text import clean

__all__ = ["EXIT_BELOW", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "build_app", "main"]
SUBCOMMANDS = ("grade", "rubric", "explain", "batch", "merge", "grades", "report", "init")


def _main(version: bool = typer.Option(False, "--version", "-V", callback=show_version, is_eager=True,
                                       help="Print the version and exit.")):
    """Grade a learner's repository phase by phase through the DevOps loop."""


def build_app(only: str | None = None) -> typer.Typer:
    """The one typer application: ``grade`` (the default) and the subcommands. ``only`` (a name
    in :data:`SUBCOMMANDS`) registers that command alone — what a command line that runs it
    needs: the other commands' modules are not imported and their options not converted (a
    command's usage, help and errors don't depend on its siblings)."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                      context_settings={"help_option_names": ["-h", "--help"]},
                      help="Grade a learner's repository phase by phase through the DevOps loop. "
                      "`loopcheck PATH` is short for `loopcheck grade PATH`.",
                      epilog=grade.EXIT_CODES)
    app.callback()(_main)

    def wanted(name: str) -> bool:
        return only is None or only == name

    if wanted("grade"):
        app.command("grade", epilog=grade.EXIT_CODES)(grade.grade_command)
    if wanted("init"):
        app.command("init")(grade.init_command)
    if wanted("rubric") or wanted("explain"):
        from grader.cli import rubric

        if wanted("rubric"):
            app.add_typer(rubric.rubric_app, name="rubric")
        if wanted("explain"):
            app.command("explain")(rubric.explain_command)
    if wanted("batch") or wanted("merge") or wanted("report"):
        from grader.cli import class_

        if wanted("batch"):
            app.command("batch")(class_.batch_command)
        if wanted("merge"):
            app.command("merge")(class_.merge_command)
    if wanted("grades"):
        from grader.cli import grades

        app.add_typer(grades.grades_app, name="grades")
    if wanted("report"):
        app.command("report")(class_.report_command)
    return app


def command_line(argv: list[str]) -> list[str]:
    """The arguments as the application reads them: ``grade`` is the default command, so
    anything that is not a subcommand (or the application's own ``--help``) goes to it."""
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help")):
        return argv
    return ["grade", *argv]


def _terminated(signum, _frame) -> None:
    """SIGTERM ends a run the way Ctrl-C does: temporary folders removed, workers stopped."""
    raise SystemExit(128 + signum)


def _stopped_by(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM an error stands for: Python wraps what a signal handler raises at
    some moments (a class being created while a module is imported: "Error calling
    __set_name__"), and a run stopped then was stopped, not broken."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 20:
        if isinstance(cause, (KeyboardInterrupt, SystemExit)):
            return cause
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return None


def _run(args: list[str]) -> int:
    """The command line run by the application; its exit code (usage errors shown here)."""
    command = typer.main.get_command(build_app(args[0] if args and args[0] in SUBCOMMANDS else None))
    try:
        result = command.main(args=args, prog_name="loopcheck", standalone_mode=False, obj={"args": args})
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:  # Ctrl-C while a command ran (click turns it into Abort)
        print("loopcheck: interrupted", file=sys.stderr)
        return 130
    except LoopcheckError:
        raise
    except Exception as exc:
        # click's usage errors (vendored inside typer in recent versions) know how to show
        # themselves; anything else is a bug and goes to the handler in main().
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return EXIT_USAGE
        raise
    return result if isinstance(result, int) else EXIT_OK


def _reconfigure_streams() -> None:
    """A name that is not UTF-8 is shown escaped, never a crash; SIGTERM is Ctrl-C."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    try:
        signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (loopcheck used as a library): leave signals alone
        pass


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
    _reconfigure_streams()
    stdout = sys.stdout
    sys.stdout = GuardedStdout(stdout)  # a closed or full stdout is a one-line error, not a bug
    try:
        return _run(command_line(argv))
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
        stopped = _stopped_by(exc)
        if isinstance(stopped, KeyboardInterrupt):
            print("loopcheck: interrupted", file=sys.stderr)
            return 130
        if isinstance(stopped, SystemExit):
            return stopped.code if isinstance(stopped.code, int) else EXIT_INTERNAL
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
