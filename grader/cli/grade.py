"""The learner's commands: ``grade`` (the default: one repository, every requested format, the
exit code) and ``init`` (the exercise's templates)."""

from __future__ import annotations

import os
import shutil
import sys

import typer

from grader.cli.common import MAX_MEMORY_MB, MAX_TIMEOUT, finite, show_version, write_output
from grader.cli.pairing import pairs_of
from grader.errors import EXIT_BELOW, EXIT_OK, LoopcheckError
from grader.report.text import clean

FORMATS = ("table", "json", "markdown", "github", "junit", "sarif", "gradescope", "classroom", "csv", "badge")
EXIT_CODES = "Exit codes: 0 at/above the threshold, 1 below, 2 usage error or invalid rubric, 3 internal error."


def color_wanted(no_color: bool, stream) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def step_summary(report) -> str:
    """Append the Markdown report to GitHub's job summary; a workflow warning when that fails."""
    from grader.report import github, markdown

    try:
        write_output(markdown.render(report), os.environ["GITHUB_STEP_SUMMARY"], append=True)
    except Exception as exc:  # noqa: BLE001 - LoopcheckError with the OS reason
        reason = str(exc).rsplit(": ", 1)[-1]
        return github.command("warning", f"loopcheck could not write the job summary: {reason}") + "\n"
    return ""


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


def _check_pairs(pairs: list[tuple[str, str | None]]) -> None:
    for name, _out in pairs:
        if name not in FORMATS:
            raise LoopcheckError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    if sum(out is None for _, out in pairs) > 1:
        raise LoopcheckError("at most one --format can go to stdout: give the others an --output FILE")
    outs = [out for _, out in pairs if out]
    if len(outs) != len(set(outs)):
        raise LoopcheckError("two formats can't be written to the same --output file")


def _graded(path: str, rubric: str | None, *, fail_under, worktree: bool, staged: bool, timeout, memory_mb: int):
    """The report of PATH, with what the source and the memory budget have to say in its notes;
    and the folder's prefix in GitHub's workspace."""
    import dataclasses
    import time

    from grader import memory
    from grader.report.text import shown_name
    from grader.sources import early_git, opened

    pull_request = os.environ.get("GITHUB_EVENT_NAME", "").startswith("pull_request")
    try:
        with memory.budget(memory_mb) as watch:
            # git reads the repository while the checks are imported and the rubric is loaded
            early = early_git(path, worktree=worktree, staged=staged, pull_request=pull_request)
            try:
                from grader import rubric as rubrics
                from grader.scoring import grade

                loaded = rubrics.load(rubric)
                until = time.monotonic() + timeout if timeout else None  # --timeout bounds the whole run
                with opened(path, worktree=worktree, staged=staged, until=until, early=early) as source:
                    left = max(0.001, until - time.monotonic()) if until is not None else None
                    result = grade(source.folder, loaded, threshold=fail_under, display_path=path,
                                   git_root=source.git_root, timeout=left, tree=source.tree,
                                   pull_request=pull_request, git=early.facts if early else None)
                    prefix = workspace_prefix(source.git_root or source.folder) if os.path.isdir(path) else ""
            finally:
                if early is not None:
                    early.close()
    except MemoryError:
        raise LoopcheckError(f"grading {shown_name(path)} went over the memory budget of {memory_mb} MB "
                             "(--memory-mb): nothing was graded") from None
    notes = list(source.notes)
    if watch is not None and watch.exceeded:
        notes.append(f"git was stopped: the grading went over the memory budget of {memory_mb} MB (--memory-mb), "
                     "so what git would have read (history, tags) is missing or not judged")
    if notes:
        result = dataclasses.replace(result, notes=tuple(notes) + result.notes)
    return result, prefix


def run_grade(*, path: str, rubric: str | None, pairs: list[tuple[str, str | None]],
              fail_under: float | None, no_fail: bool, verbose: bool, no_color: bool,
              worktree: bool = False, timeout: float | None = None, memory_mb: int = 0,
              staged: bool = False) -> int:
    """Grade PATH and write every requested (format, output) pair; the exit code."""
    from grader import report as renderers

    _check_pairs(pairs)
    result, prefix = _graded(path, rubric, fail_under=fail_under, worktree=worktree, staged=staged,
                             timeout=timeout, memory_mb=memory_mb)
    stream = sys.stdout
    for name, out in pairs:
        on_terminal = not out and hasattr(stream, "isatty") and stream.isatty()
        width = shutil.get_terminal_size((100, 24)).columns if on_terminal else 100
        text = renderers.render(name, result, color=not out and color_wanted(no_color, stream),
                                verbose=verbose, width=width, prefix=prefix)
        if name == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            text += step_summary(result)
        write_output(text, out)
    return EXIT_OK if result.passed or no_fail else EXIT_BELOW


def grade_command(
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
    version: bool = typer.Option(False, "--version", "-V", callback=show_version, is_eager=True, help="Print the version and exit."),
):
    """Grade one repository (the default command)."""
    args = (ctx.obj or {}).get("args")
    pairs = pairs_of(args, grade_command, fmt or [], output or [])
    raise typer.Exit(run_grade(path=path, rubric=rubric, pairs=pairs, fail_under=fail_under,
                               no_fail=no_fail, verbose=verbose, no_color=no_color, worktree=worktree,
                               timeout=timeout, memory_mb=memory_mb, staged=staged))


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


def init_command(
    path: str = typer.Argument(".", help="The repository to start the exercise in."),
    force: bool = typer.Option(False, "--force", help="Overwrite templates that are already there."),
):
    """Write Exercise 4.1's four templates into exercises/module-01/exercise-04/."""
    for dest in init_templates(path, force=force):
        print(clean(f"wrote {dest}"))
    print("Replace every [Your answer] with your own words, then run `loopcheck` to see your score.")
