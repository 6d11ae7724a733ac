"""A batch's progress: a rich progress bar (count, rate, ETA) on a terminal, a plain line per
submission elsewhere (a CI log, a file), nothing when quiet."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from grader.report.text import clean


class Progress:
    """``with Progress(mode, total) as advance:`` — ``advance(record, resumed)`` after each
    submission (``resumed``: already graded and unchanged, kept as it was). ``mode`` is ``bar``,
    ``lines`` or ``quiet`` (which only counts)."""

    def __init__(self, mode: str, total: int):
        self.mode, self.total = mode, total
        self.bar: Any = None
        self.start = time.monotonic()
        self.done = 0
        self.resumed = 0  # already graded, unchanged since (--resume): kept as they were

    def __enter__(self) -> Callable[[Any, bool], None]:
        self.start = time.monotonic()
        if self.mode == "quiet":
            return self._count
        if self.mode == "lines":
            return self._line
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                       TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("grading", total=self.total, rate="")
        return self._advance

    def _count(self, _record, resumed: bool = False) -> None:
        self.done += 1
        self.resumed += resumed

    def _line(self, record, resumed: bool = False) -> None:
        self._count(record, resumed)
        report = record.report or {}
        what = (f"{report.get('percent', 0):g}% {'passed' if report.get('passed') else 'not passed'}"
                if record.graded else f"{record.status}: {record.reason[:120]}")
        late = " (late)" if record.late else ""
        again = "already graded, unchanged: " if resumed else ""
        print(clean(f"[{self.done}/{self.total}] {record.id}: {again}{what}{late}"), file=sys.stderr, flush=True)

    def _advance(self, record, resumed: bool = False) -> None:
        self._count(record, resumed)
        elapsed = max(time.monotonic() - self.start, 1e-6)
        self.bar.update(self.task, advance=1, rate=f"{self.done / elapsed:.1f}/s")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
