"""What the commands share: the version option, number checks, writing a file whole, and where
the gradebook is by default."""

from __future__ import annotations

import os
import sys

import typer

from grader import __version__
from grader.errors import EXIT_OK, LoopcheckError

DEFAULT_BOOK = "loopcheck-grades.sqlite"


def show_version(value: bool) -> None:
    """``--version``: print it and stop."""
    if value:
        print(f"loopcheck {__version__}")
        raise typer.Exit(EXIT_OK)


def finite(value: float | None) -> float | None:
    """A number of seconds must be a number: nan and infinity are usage errors."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter("give a number of seconds")
    return value


def write_output(text: str, output: str | None, *, append: bool = False) -> None:
    """``text`` to the file ``output`` (appended with ``append``), or to stdout."""
    if output:
        try:
            with open(output, "a" if append else "w", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(text)
        except OSError as exc:
            raise LoopcheckError(f"can't write {output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then renamed over it."""
    import tempfile

    tmp = None
    try:  # a temporary name of our own: two runs writing the same file never mix their lines
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=os.path.dirname(os.path.abspath(path)))
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise LoopcheckError(f"can't write {path}: {exc.strerror}") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
