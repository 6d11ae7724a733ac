"""What the commands share: the version option, number checks, writing a file whole, and where
the gradebook is by default."""

from __future__ import annotations

import sys

import typer

from grader import __version__
from grader.errors import EXIT_OK

DEFAULT_BOOK = "loopcheck-grades.sqlite"


def show_version(value: bool) -> None:
    """``--version``: print it and stop."""
    if value:
        print(f"loopcheck {__version__}")
        raise typer.Exit(EXIT_OK)


def finite(value: float | None) -> float | None:
    """A number must be a number: nan and infinity are usage errors (the option's own min and
    max bound the rest)."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter("give a finite number")
    return value


MAX_TIMEOUT = 7 * 24 * 3600.0  # a week: longer is a typo, and past what the OS timers take
MAX_MEMORY_MB = 1 << 20  # 1 TiB


def write_output(text: str, output: str | None, *, append: bool = False) -> None:
    """``text`` to the file ``output`` (appended with ``append``), or to stdout."""
    if output:
        from grader.outputs import write_text

        write_text(output, text, append=append)  # regular files only, never through a link
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing (a temporary file beside it, renamed over it); never
    through a link, never over a device, a FIFO or a gradebook (:mod:`grader.outputs`)."""
    from grader.outputs import write_text

    write_text(path, text)
