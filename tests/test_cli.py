"""The command line: every exit code, options, subcommands, and no tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import SAMPLES, write_tree
from grader import __version__
from grader.cli import main

COMPLETE = str(SAMPLES / "complete.bundle")


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"loopcheck {__version__}"


def test_help_lists_every_command(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("grade", "batch", "merge", "rubric", "explain"):
        assert f"  {command} " in out


@pytest.mark.parametrize("argv", [["grade", "--help"], [".", "--help"]])
def test_grade_help_shows_its_options(capsys, argv):
    code, out, _ = run(argv, capsys)
    assert code == 0 and "--fail-under" in out and "--format" in out


@pytest.mark.parametrize("argv, expected", [
    (["-f", "table", "-f", "json", "-o", "a.json"], [("table", None), ("json", "a.json")]),
    (["-f", "json", "-o", "a.json", "-f", "table"], [("json", "a.json"), ("table", None)]),
    (["-o", "a.txt"], [("table", "a.txt")]),
    (["-o", "r.json"], [("json", "r.json")]),  # the extension says which format
    (["-o", "r.json", "-o", "r.sarif"], [("json", "r.json"), ("sarif", "r.sarif")]),
    (["-o", "a.json", "-f", "json", "-f", "table"], [("json", "a.json"), ("table", None)]),
    (["--format=junit", "--output=r.xml", "-fsarif", "-or.sarif"], [("junit", "r.xml"), ("sarif", "r.sarif")]),
    ([], [("table", None)]),
    # options that take a value are skipped with it, flags are not; short flags cluster
    (["-r", "-o", "-vf", "json", "-o", "r.json", "-f", "table"], [("json", "r.json"), ("table", None)]),
    (["--fail-under", "50", "-f", "markdown", "--timeout=9", "-o", "-f", "-f", "json"],
     [("markdown", "-f"), ("json", None)]),
    (["--rubric=x", "-f", "json", "--no-color", "-o", "a.json"], [("json", "a.json")]),
])
def test_each_output_belongs_to_the_format_before_it(monkeypatch, argv, expected):
    from grader.cli import grade

    seen = {}
    monkeypatch.setattr(grade, "run_grade", lambda **kw: seen.update(kw) or 0)
    assert main(["repo", *argv]) == 0
    assert seen["pairs"] == expected and seen["path"] == "repo"


def test_the_pairing_knows_every_option_of_the_grade_command():
    """The order is read from the command line with the grade command's own declaration: every
    option it declares is known, with whether it takes a value."""
    from grader.cli import build_app
    from grader.cli.grade import grade_command
    from grader.cli.pairing import value_options

    known = value_options(grade_command)
    import typer

    command = typer.main.get_command(build_app()).commands["grade"]  # type: ignore[attr-defined]
    for param in command.params:
        for spelling in [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]:
            if spelling.startswith("-"):
                assert spelling in known, spelling
                assert known[spelling][1] == (not param.is_flag), spelling
    from grader.cli.pairing import option_order

    assert option_order(["grade", "-f", "json", "--", "-o", "x"], known) == ["fmt"]  # after --: arguments


def test_exit_0_complete_sample(capsys):
    code, out, err = run([COMPLETE, "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["passed"] is True


def test_exit_1_empty_directory(tmp_path, capsys):
    code, out, _ = run([str(tmp_path), "--format", "json"], capsys)
    assert code == 1
    report = json.loads(out)
    assert [p["id"] for p in report["phases"]] == ["plan", "code", "build", "test", "release",
                                                   "deploy", "operate", "monitor"]
    assert report["passed"] is False


def test_fail_under_changes_the_exit_code(tmp_path, capsys):
    assert run([str(tmp_path), "--fail-under", "0"], capsys)[0] == 0
    assert run([COMPLETE, "--fail-under", "100.0"], capsys)[0] == 0


@pytest.mark.parametrize("args,needle", [
    (["/no/such/path"], "path not found"),
    (["--format", "xml", "."], "unknown format"),
    (["--rubric", "nope", "."], "no bundled rubric"),
    (["--fail-under", "150", "."], "150"),
    (["--bogus"], "No such option"),
])
def test_exit_2_usage_errors(args, needle, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err + out


def test_exit_2_path_is_a_file(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    code, _, err = run([str(f)], capsys)
    assert code == 2 and "not a folder" in err


def test_exit_2_invalid_rubric_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\npass_mark: 80\nphases:\n  plan: {checks: [{id: plan.a}]}\n")
    code, _, err = run([str(tmp_path), "--rubric", str(bad)], capsys)
    assert code == 2
    assert "bad.yaml:6" in err
    assert "Traceback" not in err


def test_exit_3_internal_error_without_traceback(tmp_path, capsys, monkeypatch):
    import grader.scoring

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(grader.scoring, "grade", boom)
    code, out, err = run([str(tmp_path)], capsys)
    assert code == 3
    assert "internal error" in err and "bug" in err
    assert "Traceback" not in err
    code, out, err = run([str(tmp_path), "--debug"], capsys)
    assert code == 3 and "Traceback" in err


def test_path_named_like_a_subcommand(tmp_path, capsys, monkeypatch):
    (tmp_path / "rubric").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["./rubric", "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out)["submission"]["path"] == "./rubric"


def test_table_output_and_verbose(capsys):
    code, out, _ = run([COMPLETE, "--no-color"], capsys)
    assert code == 0
    assert "Total 100/100" in out and "PASS" in out and "\x1b[" not in out
    code, out, _ = run([COMPLETE, "--no-color", "--verbose"], capsys)
    assert "k8s/deployment.yaml" in out


def test_no_color_env(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run([str(tmp_path)], capsys)
    assert "\x1b[" not in out
    monkeypatch.delenv("NO_COLOR")
    _, out, _ = run([str(tmp_path)], capsys)
    assert "\x1b[" in out


def test_output_file(tmp_path, capsys):
    target = tmp_path / "r.json"
    code, out, _ = run([str(tmp_path), "-f", "json", "-o", str(target)], capsys)
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["percent"] < 20


def test_rubric_list_show_validate(tmp_path, capsys):
    code, out, _ = run(["rubric", "list"], capsys)
    assert code == 0 and "exercise-4.1" in out and "devops-loop" in out
    code, out, _ = run(["rubric", "show", "exercise-4.1"], capsys)
    assert code == 0 and "deploy.rollback-on-failure" in out and "100 points" in out
    good = tmp_path / "good.yaml"
    good.write_text("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\nextends: devops-loop\ndrop: [nope.nope]\n")
    code, out, err = run(["rubric", "validate", str(good), str(bad)], capsys)
    assert code == 2
    assert "good.yaml: ok" in out and "bad.yaml:5" in err


def test_explain(capsys):
    code, out, _ = run(["explain", "deploy.rollback-on-failure"], capsys)
    assert code == 0
    assert "What it looks for" in out and "Why it matters" in out and "How to fix it" in out
    assert "if: failure()" in out
    code, _, err = run(["explain", "deploy.nothing"], capsys)
    assert code == 2 and "no check" in err


def test_console_script_end_to_end(tmp_path):
    """The installed entry point, in a separate process."""
    proc = subprocess.run([sys.executable, "-m", "grader", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["max_score"] == 100
    assert proc.stderr == ""


def test_markup_in_names_is_escaped(tmp_path, capsys):
    write_tree(tmp_path, {
        "docs/runbooks/[red]boom[/red]\x1b[31m.md": "# [bold]x\n## Steps\n",
    })
    code, out, _ = run([str(tmp_path), "--no-color", "--verbose"], capsys)
    assert "\x1b[31m" not in out
    assert "[red]boom[/red]\\x1b[31m.md" in out


def test_init_writes_the_four_templates_and_keeps_existing_work(tmp_path, capsys):
    from grader import rubric
    from grader.scoring import grade

    assert main(["init", str(tmp_path)]) == 0
    folder = tmp_path / "exercises" / "module-01" / "exercise-04"
    assert sorted(p.name for p in folder.iterdir()) == ["task1-loop-mapping.md", "task2-feedback-loops.md",
                                                        "task3-pipeline-design.md", "task4-success-metrics.md"]
    report = grade(tmp_path, rubric.load("exercise-4.1"))
    assert report.score == 0 and not report.passed  # the templates alone earn nothing
    (folder / "task1-loop-mapping.md").write_text("# my work\n")
    capsys.readouterr()
    assert main(["init", str(tmp_path)]) == 2
    assert "already in" in capsys.readouterr().err
    assert (folder / "task1-loop-mapping.md").read_text() == "# my work\n"
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert "[Your answer" in (folder / "task1-loop-mapping.md").read_text()


def test_an_output_whose_format_cannot_be_told_is_refused(tmp_path, capsys):
    assert main([str(tmp_path), "-o", str(tmp_path / "report.bin")]) == 2
    assert "give its --format" in capsys.readouterr().err
    assert not (tmp_path / "report.bin").exists()


def test_a_folder_inside_a_repository_grades_the_repository(tmp_path, capsys, monkeypatch):
    from conftest import Repo

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    repo = Repo(tmp_path / "repo")
    repo.commit("Start the reminder service", {"docs/plan.md": "# Plan\n", "app/x.py": "x = 1\n"})
    assert main([str(repo.path / "docs"), "-f", "json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    assert data["submission"]["is_git"] and data["submission"]["commit"]
    assert any("graded the git repository at" in n for n in data["notes"])


def test_a_zip_or_tarball_is_graded_like_in_a_batch(tmp_path, capsys):
    import tarfile

    src = tmp_path / "src" / "work"
    (src / "exercises" / "module-01" / "exercise-04").mkdir(parents=True)
    (src / "exercises" / "module-01" / "exercise-04" / "task4-success-metrics.md").write_text(
        "# Metrics\n## Business metrics\n- 8% of carts recovered\n- opt-out < 2%\n")
    archive = tmp_path / "work.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, arcname=".")  # `tar czf work.tgz .`: a "./" entry first
    assert main([str(archive), "-f", "json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    business = next(c for t in data["tasks"] for c in t["checks"] if c["id"] == "task4.business")
    assert business["status"] == "pass" and not any("unsafe" in n for n in data["notes"])


def test_a_download_without_git_says_what_scored_zero(tmp_path, capsys):
    (tmp_path / "app.py").write_text("x = 1\n")
    assert main([str(tmp_path), "-r", "devops-loop", "-f", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    history = [c for p in data["phases"] for c in p["checks"] if c["id"] in ("code.commit-history", "release.semver-tags")]
    assert history and all(c["status"] == "fail" and c["score"] == 0 and c["max_score"] > 0 for c in history)
    assert all("git init" not in c["message"] and "no git history" in c["message"] for c in history)
    assert any(n.startswith("no git history: ") and "scored 0" in n for n in data["notes"])


def test_the_last_commit_is_graded_and_uncommitted_work_is_named(tmp_path, capsys, monkeypatch):
    from conftest import Repo

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    repo = Repo(tmp_path / "repo")
    repo.commit("Start the project", {"README.md": "# Reminders\n"})
    files = {".github/CODEOWNERS": "* @ada\n", "notes.md": "draft\n"}
    for rel, text in files.items():  # written but never committed
        (repo.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo.path / rel).write_text(text)
    assert main([str(repo.path), "-r", "devops-loop", "-f", "json"]) == 1
    committed = json.loads(capsys.readouterr().out)
    owners = next(c for p in committed["phases"] for c in p["checks"] if c["id"] == "plan.codeowners")
    assert owners["status"] == "fail"  # CI grades the commit: so does the learner's own run
    note = next(n for n in committed["notes"] if n.startswith("graded the last commit"))
    assert "2 file(s)" in note and ".github/CODEOWNERS" in note and "--worktree" in note
    assert main([str(repo.path), "-r", "devops-loop", "-f", "json", "--worktree"]) == 1
    worktree = json.loads(capsys.readouterr().out)
    owners = next(c for p in worktree["phases"] for c in p["checks"] if c["id"] == "plan.codeowners")
    assert owners["status"] == "pass" and worktree["submission"]["commit"] == committed["submission"]["commit"]


def _objects(repo_path) -> set[str]:
    return {str(p) for p in (repo_path / ".git" / "objects").rglob("*") if p.is_file()}


def test_staged_grades_the_index_and_writes_nothing_in_the_repository(tmp_path, capsys, monkeypatch):
    from conftest import Repo

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GIT_INDEX_FILE", raising=False)
    repo = Repo(tmp_path / "repo")
    repo.commit("Start the project", {"README.md": "# Reminders\n"})
    (repo.path / ".github").mkdir()
    (repo.path / ".github" / "CODEOWNERS").write_text("* @ada\n")
    repo.git("add", ".github/CODEOWNERS")  # staged, not committed
    (repo.path / "notes.md").write_text("draft\n")  # neither
    before = _objects(repo.path)

    def owners(*args: str) -> tuple[str, dict]:
        main([str(repo.path), "-r", "devops-loop", "-f", "json", *args])
        data = json.loads(capsys.readouterr().out)
        return next(c for p in data["phases"] for c in p["checks"] if c["id"] == "plan.codeowners")["status"], data

    assert owners()[0] == "fail"  # the last commit has no CODEOWNERS
    status, data = owners("--staged")
    assert status == "pass", data["notes"]
    assert data["notes"][0].startswith("graded what is staged for commit")
    assert any("1 file(s) in the folder differ from what is staged" in n and "notes.md" in n for n in data["notes"])
    assert _objects(repo.path) == before  # the index's tree was written into a folder of our own
    repo.git("rm", "--cached", "--quiet", ".github/CODEOWNERS")  # unstaged again
    assert owners("--staged")[0] == "fail"

    # an index named by GIT_INDEX_FILE is used only when it is this repository's own
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "elsewhere.index"))
    assert owners("--staged")[0] == "fail"


def test_staged_before_the_first_commit_and_its_usage_errors(tmp_path, capsys, monkeypatch):
    from conftest import Repo

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GIT_INDEX_FILE", raising=False)
    repo = Repo(tmp_path / "repo")  # no commit yet: the first one is being made
    write_tree(repo.path, {".github/CODEOWNERS": "* @ada\n"})
    repo.git("add", "-A")
    main([str(repo.path), "-r", "devops-loop", "-f", "json", "--staged"])
    data = json.loads(capsys.readouterr().out)
    assert next(c for p in data["phases"] for c in p["checks"] if c["id"] == "plan.codeowners")["status"] == "pass"
    assert main([str(repo.path), "--staged", "--worktree"]) == 2
    assert "--staged and --worktree" in capsys.readouterr().err
    assert main([str(SAMPLES / "complete.bundle"), "--staged"]) == 2
    assert "--staged grades a git repository's folder" in capsys.readouterr().err
    plain = write_tree(tmp_path / "plain", {"README.md": "# x\n"})
    assert main([str(plain), "--staged"]) == 2
    assert "not in a git repository" in capsys.readouterr().err


def test_small_wordings(tmp_path, capsys):
    from conftest import run_check

    assert main(["rubric", "show", "devops-loop"]) == 0
    shown = capsys.readouterr().out
    assert not re.search(r"(?<![\d.])1 points", shown) and "(12 points, +1 point bonus)" in shown
    assert main(["explain", "build.ci-trigger", "-r", "devops-loop"]) == 0
    text = capsys.readouterr().out
    assert "run by hand (`workflow_dispatch`)" in " ".join(text.split())  # wrapped between words only
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
                  "      containers:\n        - name: a\n          image: a:1\n")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "d.yaml").write_text(deployment)
    assert "0 of 1 container has resource limits" in run_check(tmp_path, "resource-limits").message
    strategy = deployment.replace("spec:\n  template:", "spec:\n  strategy:\n    type: RollingUpdate\n"
                                  "    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n  template:")
    (tmp_path / "k8s" / "d.yaml").write_text(strategy)
    message = run_check(tmp_path, "deploy-strategy").message
    assert "maxSurge 1, maxUnavailable 0" in message and "{" not in message


def test_rubric_validate_reports_schema_and_meaning_problems_together(tmp_path, capsys):
    bad = tmp_path / "r.yaml"
    bad.write_text("id: r\ntitle: R\nversion: '1'\nextends: devops-loop\nsurprise: 1\n"
                   "overrides:\n  plan.nothing: {points: 2}\n", encoding="utf-8")
    assert main(["rubric", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'surprise'" in err and "overrides.plan.nothing: no such check" in err
