"""Checks worth 0 points — the repository's own evidence, which earns nothing on its own and
counts only where a task is credited from it — are shown as evidence everywhere: a neutral
mark and a legend said once in the terminal, never a red ✘ 0/0; left out of SARIF's results,
Gradescope's and Classroom's tests; skipped (not failed) in JUnit."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import SAMPLES
from grader import rubric
from grader.report import render
from grader.scoring import grade


@pytest.fixture(scope="module")
def starter():
    from grader.sources import opened

    with opened(str(SAMPLES / "starter.bundle")) as source:
        return grade(source.folder, rubric.load("exercise-4.1"), git_root=source.git_root, tree=source.tree)


def evidence_ids(report) -> set[str]:
    return {c.id for _, c in report.checks() if c.max_score == 0 and c.status not in ("skip", "error")}


def test_the_terminal_shows_evidence_with_a_neutral_mark_and_one_legend(starter):
    assert len(evidence_ids(starter)) > 20
    for verbose in (False, True):
        text = render("table", starter, verbose=verbose, width=110)
        assert not re.search(r"✘ .*\b0/0\b", text), text
        assert " ".join(text.split()).count("earns nothing on its own") == 1
        table = text.split("\nphase ")[1].split("\n\n")[0]
        for line in table.splitlines()[1:9]:  # one mark per phase's scored check; the evidence is neutral
            assert sum(line.count(m) for m in "✘✔") <= 1 and sum(line.count(m) for m in "●○") >= 1, line
    verbose = render("table", starter, verbose=True, width=110)
    assert "Repository evidence" in verbose and "○ Issue templates" in verbose


def test_sarif_reports_no_zero_point_check(starter):
    results = json.loads(render("sarif", starter))["runs"][0]["results"]
    zero = evidence_ids(starter)
    assert not [r["ruleId"] for r in results if r["ruleId"] in zero]
    scored_failing = {c.id for _, c in starter.checks()
                      if c.max_score > 0 and c.status in ("fail", "partial") and not c.bonus}
    assert {r["ruleId"] for r in results if r["level"] in ("error", "warning")} == scored_failing


def test_gradescope_and_classroom_have_no_zero_point_tests(starter):
    zero = evidence_ids(starter)
    gradescope = json.loads(render("gradescope", starter))
    assert not [t for t in gradescope["tests"] if t["number"] in zero]
    assert all(t["max_score"] > 0 or "(bonus)" in t["name"] for t in gradescope["tests"])
    assert gradescope["output"].count("earns nothing on its own") == 1
    classroom = json.loads(render("classroom", starter))
    assert not [t for t in classroom["tests"] if t["test_code"] in zero]


def test_junit_skips_evidence_instead_of_failing_it(starter):
    root = ET.fromstring(render("junit", starter).split("\n", 1)[1])
    zero = evidence_ids(starter)
    for case in root.iter("testcase"):
        cid = case.get("name").split(":")[0]
        if cid in zero:
            assert case.find("failure") is None and case.find("error") is None, cid
    failures = int(root.get("failures"))
    assert failures == sum(1 for _, c in starter.checks()
                           if c.max_score > 0 and c.status in ("fail", "partial") and not c.bonus)
