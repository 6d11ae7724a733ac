"""The JSON report contract: every report validates against the shipped schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import SAMPLES, write_tree
from grader import rubric
from grader.model import PHASES
from grader.report import json_report, render
from grader.scoring import grade
from grader.sources import opened

VALIDATOR = jsonschema.Draft202012Validator(json_report.schema())


def report_for(path, name="exercise-4.1", git_root=None, tree=None):
    return grade(path, rubric.load(name), git_root=git_root, tree=tree)


@pytest.mark.parametrize("sample", ["complete", "half-done", "starter"])
@pytest.mark.parametrize("name", ["exercise-4.1", "devops-loop"])
def test_sample_reports_validate(sample, name):
    with opened(str(SAMPLES / f"{sample}.bundle")) as source:
        folder = source.folder
        data = json.loads(render("json", report_for(folder, name, source.git_root, source.tree)))
    VALIDATOR.validate(data)
    assert [p["id"] for p in data["phases"]] == list(PHASES)
    assert data["submission"]["is_git"] is True
    assert data["submission"]["commit"]


def test_empty_and_odd_folders_validate(tmp_path):
    VALIDATOR.validate(report_for(tmp_path).to_dict())
    write_tree(tmp_path / "odd", {
        ".github/workflows/ci.yml": "on: [push\n",  # broken YAML
        "k8s/x.yaml": b"\xff\xfe binary \x00\x00",
        "CHANGELOG.md": "## 1.0.0\n- x\n",
    })
    data = report_for(tmp_path / "odd").to_dict()
    VALIDATOR.validate(data)
    assert any(w["path"] == ".github/workflows/ci.yml" and "invalid YAML" in w["message"]
               for w in data["warnings"])


def test_schema_rejects_a_wrong_report(tmp_path):
    data = report_for(tmp_path).to_dict()
    data["phases"][0]["checks"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)
    data = report_for(tmp_path).to_dict()
    data["phases"] = data["phases"][1:] + data["phases"][:1]
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


def test_scores_add_up(tmp_path):
    with opened(str(SAMPLES / "half-done.bundle")) as source:
        folder = source.folder
        report = report_for(folder, git_root=source.git_root, tree=source.tree)
    # the total is the tasks' sum (bonus aside); each phase is the sum of its checks
    assert abs(sum(t.score for t in report.tasks if not t.bonus) - report.score) < 0.01
    assert abs(sum(c.score for _, c in report.checks() if not c.bonus) - report.score) < 0.01
    for phase in report.phases:
        assert abs(sum(c.score for c in phase.checks) - phase.score) < 0.01
        for check in phase.checks:
            assert 0 <= check.score <= check.max_score
    assert report.max_score == 100
