"""The blind rounds of written work (``benchmarks/written/<round>/``), folded into the tests after
their first contact was recorded (``benchmarks/written/ROUNDS.md``): each round's submissions
were written and graded by hand by someone who never saw loopcheck's code, before loopcheck
graded them. Pass/fail must agree on every one whose hand grade is more than 2 points from the
pass mark (and on all but one at most of those nearer), the ranking of the totals must agree
(Spearman ≥ 0.9), and no task may be off by more than 4 points on average.

Run ``python benchmarks/written/run.py rA rB --details`` to see every grade.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDED = ("rA", "rB", "rC", "rD", "rE")


def _runner():
    spec = importlib.util.spec_from_file_location("written_rounds", ROOT / "benchmarks" / "written" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["written_rounds"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured():
    run = _runner()
    return {name: run.measure(ROOT / "benchmarks" / "written" / name, details=False) for name in FOLDED}


@pytest.mark.parametrize("name", FOLDED)
def test_pass_fail_agrees_on_every_submission_of_the_round(measured, name):
    m = measured[name]
    clear = [s for s in m["differ"] if abs(m["hand"][s] - 80) > 2]
    assert not clear and len(m["differ"]) <= 1, f"{name}: pass/fail differs on {m['differ']}"


@pytest.mark.parametrize("name", FOLDED)
def test_the_round_ranks_like_the_hand_grades(measured, name):
    assert measured[name]["spearman"] >= 0.9


@pytest.mark.parametrize("name", FOLDED)
def test_no_task_is_far_from_the_hand_grades(measured, name):
    far = {t: round(e, 1) for t, e in measured[name]["mae"].items() if e > 4.0}
    assert not far, f"{name}: mean absolute error per task over 4 points: {far}"
