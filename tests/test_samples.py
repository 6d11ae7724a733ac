"""The bundled sample submissions grade as documented, straight from their bundles."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SAMPLES
from grader.cli import main


def grade_json(name, capsys, *extra):
    code = main([str(SAMPLES / f"{name}.bundle"), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_complete_sample_passes(capsys):
    code, report = grade_json("complete", capsys)
    assert code == 0
    assert report["passed"] is True and report["percent"] >= 95
    statuses = {c["id"]: c["status"] for p in report["phases"] for c in p["checks"] if not c["bonus"]}
    assert all(s == "pass" for s in statuses.values()), statuses
    bonus = {c["id"] for p in report["phases"] for c in p["checks"] if c["bonus"] and c["status"] == "pass"}
    assert {"build.artifact-publish", "monitor.app-metrics", "release.release-tooling"} <= bonus


def test_half_done_sample_is_in_between(capsys):
    code, report = grade_json("half-done", capsys)
    assert code == 1
    assert 25 <= report["percent"] <= 60
    phases = {p["id"]: p for p in report["phases"]}
    assert phases["test"]["score"] == phases["test"]["max_score"]
    assert phases["deploy"]["score"] == 0


def test_starter_sample_scores_under_20_percent(capsys):
    code, report = grade_json("starter", capsys)
    assert code == 1
    assert report["percent"] < 20


def test_devops_loop_rubric_on_samples(capsys):
    _, complete = grade_json("complete", capsys, "--rubric", "devops-loop")
    _, starter = grade_json("starter", capsys, "--rubric", "devops-loop")
    # the complete sample is one exercise: its few merged branches, four tests and no log stack are
    # short of devops-loop 1.3.0's habits (ten merges, five changes with their tests, five real
    # tests, a logging stack), which its bonus checks nearly make up
    assert 90 <= complete["percent"] < 100 and starter["percent"] < 10


@pytest.mark.parametrize("name", ["complete", "half-done", "starter"])
def test_bundles_are_rebuilt_identically(tmp_path, name):
    """build.py reproduces the committed history (same commits and tags)."""
    subprocess.run([sys.executable, str(SAMPLES / "build.py"), str(tmp_path)], check=True,
                   capture_output=True)

    def heads(bundle):
        out = subprocess.run(["git", "bundle", "list-heads", str(bundle)], capture_output=True,
                             text=True, check=True)
        return sorted(out.stdout.splitlines())

    assert heads(tmp_path / f"{name}.bundle") == heads(SAMPLES / f"{name}.bundle")
