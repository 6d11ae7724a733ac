"""Detectors: one small function per rubric ``kind``.

Each detector declares, beside its code, what it looks for, why it matters, and a JSON
Schema for its params (with defaults). ``loopcheck explain`` and the README's check
reference are generated from these declarations. A detector never prints and never raises
for bad input: it returns a :class:`~grader.model.Finding`.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.evidence.budget import Interrupted
from grader.model import Finding
from grader.submission import Submission

# A detector's params: the rubric's, over its declared defaults (validated by its JSON Schema).
Params = Mapping[str, Any]
DetectorFunc = Callable[[Submission, Params], Finding]

_MODULES = ("plan", "code", "build", "test", "release", "deploy", "operate", "monitor", "written")


@dataclass(frozen=True, slots=True)
class Detector:
    kind: str
    title: str
    looks_for: str
    why: str
    func: DetectorFunc
    params: dict = field(default_factory=dict)  # JSON Schema "properties" of the params
    defaults: dict = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def params_schema(self) -> dict:
        return {
            "type": "object",
            "properties": self.params,
            "required": list(self.required),
            "additionalProperties": False,
        }


REGISTRY: dict[str, Detector] = {}
_loaded = False


def detector(kind: str, *, title: str, looks_for: str, why: str, params: dict | None = None,
             defaults: dict | None = None, required: tuple[str, ...] = ()) -> Callable[[DetectorFunc], DetectorFunc]:
    def register(func: DetectorFunc) -> DetectorFunc:
        REGISTRY[kind] = Detector(kind, title, looks_for, why, func, params or {}, defaults or {},
                                  required)
        return func

    return register


def registry() -> dict[str, Detector]:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"grader.detectors.{name}")
        _loaded = True
    return REGISTRY


CHECK_BUDGET = 10.0  # seconds one check may take on one submission


class _Overtime(BaseException):
    """Raised by the timer inside a check that ran out of its budget (a BaseException, so no
    detector's own error handling can swallow it)."""


def _overtime(_signum, _frame):
    raise _Overtime


@contextlib.contextmanager
def _budget(seconds: float):
    """A wall-clock budget for the block, when signals can be used (the main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(sub: Submission, kind: str, params: Params, *, budget: float | None = None) -> Finding:
    """Run one detector within its time budget; never a crash or a hang. A bug in it, or running
    out of time, is an ``error`` finding (not judged, left out of the maximum); evidence nested
    too deeply or too large for the memory budget is what the submission holds, and scores 0."""
    det = registry().get(kind)
    if det is None:
        return Finding.error(f"unknown check kind {kind!r}")
    merged = {**det.defaults, **(params or {})}
    seconds = CHECK_BUDGET if budget is None else budget
    try:
        with _budget(seconds):
            return det.func(sub, merged)
    except _Overtime:
        # wall-clock time depends on the machine and the instructor's budget (the evidence work
        # itself is bounded by counted budgets): not judged, left out of the maximum
        return Finding.error(f"this check took longer than {seconds:g} s on this submission and was stopped: "
                             "not judged")
    except Interrupted as exc:
        return Finding.error(f"{exc}: not judged")
    except RecursionError:
        return Finding.unjudgeable("the evidence is nested too deeply to read")
    except MemoryError:
        return Finding.unjudgeable("this check ran out of memory on this submission (over the memory budget)")
    except Exception as exc:  # noqa: BLE001 - one broken check must not stop the grading
        return Finding.error(
            f"loopcheck could not run this check (internal error: {type(exc).__name__}); "
            "this is a bug in loopcheck, please report it"
        )
