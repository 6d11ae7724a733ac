"""The rubric commands: ``rubric list|show|validate`` and ``explain`` (their text is written by
:mod:`grader.docs`)."""

from __future__ import annotations

import shutil
import sys

import typer

from grader.errors import EXIT_OK, EXIT_USAGE, LoopcheckError
from grader.report.text import clean

rubric_app = typer.Typer(no_args_is_help=True, help="List, show and validate rubrics.")


@rubric_app.command("list")
def list_command():
    """The bundled rubrics with their titles."""
    from grader import rubric as rubrics

    for name in rubrics.bundled_names():
        r = rubrics.load(name)
        base = f"  (extends {r.extends})" if r.extends else ""
        print(f"{r.id:<16} {r.version:<8} {r.title}{base}")


@rubric_app.command("show")
def show_command(ref: str = typer.Argument(..., metavar="NAME|FILE")):
    """A rubric's phases, checks and points."""
    from grader import rubric as rubrics
    from grader.docs import rubric_outline

    sys.stdout.write(rubric_outline(rubrics.load(ref)))


@rubric_app.command("validate")
def validate_command(files: list[str] = typer.Argument(..., metavar="FILE...")):
    """Validate rubric files: every problem with file:line and the key path."""
    from grader import rubric as rubrics
    from grader.docs import points
    from grader.errors import RubricError

    bad = 0
    for f in files:
        try:
            r = rubrics.load(f, validate=True)
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


def explain_command(
    check_id: str = typer.Argument(..., metavar="CHECK_ID"),
    rubric: str = typer.Option(None, "--rubric", "-r", help="Rubric to look in [default: exercise-4.1]."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also the check's kind and parameters."),
):
    """What a check looks for, why it matters, and how to fix it."""
    from grader import rubric as rubrics
    from grader.docs import explanation, find_check, near_checks

    r = rubrics.load(rubric)
    check = find_check(r, check_id)
    if check is None:
        near = near_checks(r, check_id)
        extra = f" (did you mean {', '.join(near)}?)" if near else ""
        raise LoopcheckError(f"no check {check_id!r} in rubric {r.id}{extra}; `loopcheck rubric show {r.id}` lists them")
    sys.stdout.write(explanation(r, check, width=shutil.get_terminal_size((100, 24)).columns, verbose=verbose))
