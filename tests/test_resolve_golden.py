"""Golden cases of following what a step runs through the repository (``grader.evidence.resolve``):
``tests/cases/resolve/<tool>/<case>/`` is a small repository whose workflow's steps run that
tool; every step's commands, once followed, are compared with ``<case>.expanded.json`` beside
it. Regenerate after an intended change with::

    LOOPCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_resolve_golden.py
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from grader.evidence import ci
from grader.submission import Submission

CASES = Path(__file__).parent / "cases" / "resolve"
UPDATE = os.environ.get("LOOPCHECK_UPDATE_GOLDEN") == "1"


def cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*") if p.is_dir())


def expanded(case: Path) -> list[list[dict]]:
    sub = Submission(case)
    try:
        return [[dataclasses.asdict(c) for c in step.commands]
                for pipe in ci.read_pipelines(sub) for job in pipe.jobs for step in job.steps]
    finally:
        sub.close()


@pytest.mark.parametrize("case", cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_resolve_golden(case: Path):
    golden = case.parent / f"{case.name}.expanded.json"
    steps = expanded(case)
    got = json.dumps(steps, indent=1, ensure_ascii=False) + "\n"
    if UPDATE:
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}: run with LOOPCHECK_UPDATE_GOLDEN=1"
    assert got == golden.read_text(encoding="utf-8")
    # a case that follows nothing tests nothing: something in it was read from the repository
    assert any(c["path"] for step in steps for c in step), f"{case}: no step was followed into the repository"


def test_every_handler_has_golden_cases():
    from grader.evidence.resolve import HANDLERS

    covered = {p.parent.name for p in cases()} | {p.name for p in cases()}
    missing = ({name for name, _handler in HANDLERS} | {"composite"}) - covered
    assert not missing, f"handlers without golden cases in tests/cases/resolve/: {sorted(missing)}"


def test_a_comment_line_inside_a_continued_run_does_not_end_it():
    """Docker drops comment lines inside a continued instruction and reads on: the commands after
    the comment run (the step follower used to stop the RUN at the comment)."""
    steps = expanded(CASES / "docker" / "comment-in-continued-run")
    texts = [c["text"] for c in steps[0]]
    assert texts[1:] == ["apt-get update", "apt-get install -y curl", "npm ci", "npm test"], texts
    assert {c["line"] for c in steps[0][1:]} == {3}
