"""Golden pairs per CI reader: ``tests/cases/ci/<system>/<case>/`` (a small repository holding
that system's configuration) is read into the pipeline model and compared with
``<case>.pipeline.json`` beside it. Regenerate after an intended change with::

    LOOPCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_ci_golden.py
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from grader.evidence import ci
from grader.submission import Submission

CASES = Path(__file__).parent / "cases" / "ci"
UPDATE = os.environ.get("LOOPCHECK_UPDATE_GOLDEN") == "1"


def cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*") if p.is_dir())


def as_json(case: Path) -> str:
    sub = Submission(case)
    pipes = [dataclasses.asdict(p) for p in ci.read_pipelines(sub)]
    return json.dumps(pipes, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reader_golden(case: Path):
    golden = case.parent / f"{case.name}.pipeline.json"
    got = as_json(case)
    if UPDATE:
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}: run with LOOPCHECK_UPDATE_GOLDEN=1"
    assert got == golden.read_text(encoding="utf-8")
    assert json.loads(got), f"{case}: the case holds no pipeline its reader reads"
    assert {p["system"] for p in json.loads(got)} == {case.parent.name}


def test_every_reader_has_golden_cases():
    systems = {r.SYSTEM for r in ci.readers()}
    with_cases = {p.parent.name for p in cases()}
    assert systems <= with_cases, f"readers without golden cases: {sorted(systems - with_cases)}"
    assert with_cases <= systems, f"cases for unknown systems: {sorted(with_cases - systems)}"
