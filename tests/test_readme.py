"""Every command the README shows runs, as a user would type it: the learner's in a repository of
their own, the output formats' in this project, the development commands in a fresh clone, and
the first of the two commands — installing loopcheck into a new virtualenv and grading the
sample — in a clone with nothing beside it. The few that can't run here say why: the test
suite itself (CI runs it), an install into the environment running the tests, the
instructor's walk-through (tests/test_instructor.py runs it as written)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, working_tree_clone

README = (ROOT / "README.md").read_text(encoding="utf-8")
SKIPPED = {
    "pytest": "runs the test suite itself (CI runs it: .ci/run)",
    "pip install /path/to/loopcheck": "installs into the environment running these tests; the first of the two "
                                      "commands installs loopcheck into a fresh virtualenv instead",
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def commands(block: str, *, prompt: bool = False) -> list[str]:
    """The block's commands, continuation lines joined, each ``&&`` part its own command."""
    out, current = [], ""
    for line in block.splitlines():
        if prompt:
            if line.startswith("$ "):
                current = line[2:]
            elif current:
                current += " " + line.strip()
            else:
                continue
        else:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            current = (current + " " + stripped) if current else stripped
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        out += [part.strip() for part in current.split("&&")]
        current = ""
    return out


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTEST", "LOOPCHECK_"))}
    return {**base, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def run(words: list[str], cwd: Path) -> subprocess.CompletedProcess:
    if words[0] == "loopcheck":
        words = [sys.executable, "-m", "grader", *words[1:]]
    elif words[0] in ("python", ".venv/bin/python"):
        words = [sys.executable, *words[1:]]
    return subprocess.run(words, cwd=cwd, env=env(), capture_output=True, text=True, timeout=300)


def skipped_because(command: str) -> str | None:
    return next((why for key, why in SKIPPED.items() if key in command), None)


def test_the_readme_shows_what_this_test_runs():
    bash = [c for b in blocks("bash") for c in commands(b)]
    assert any("sample_submissions/complete.bundle" in c for c in bash)  # the two commands
    assert any(c.startswith("loopcheck init") for c in bash) and any(c.startswith("loopcheck explain") for c in bash)
    assert any("grader.docs --write" in c for c in bash)


def test_the_learners_commands_run(tmp_path):
    (learner,) = [b for b in blocks("bash") if "loopcheck init" in b]
    repo = tmp_path / "my-exercise-repo"
    cwd = tmp_path
    for command in commands(learner):
        words = shlex.split(command, comments=True)
        if skipped_because(command):
            continue
        if words[0] == "cd":
            repo.mkdir()
            subprocess.run(["git", "init", "-q", "--initial-branch=main", str(repo)], check=True, env=env())
            cwd = repo
            continue
        proc = run(words, cwd)
        assert proc.returncode in (0, 1), (command, proc.stdout[-1500:], proc.stderr[-1500:])
        assert "Traceback" not in proc.stderr, command
    assert (repo / "exercises" / "module-01" / "exercise-04" / "task1-loop-mapping.md").exists()


def test_the_output_formats_command_runs(tmp_path):
    """Its paths are the project's own: it runs in a copy of the project, as a README reader would."""
    (block,) = [b for b in blocks("bash") if "--format json --output" in b]
    clone = working_tree_clone(tmp_path / "loopcheck")
    for command in commands(block):
        proc = run(shlex.split(command, comments=True), clone)
        assert proc.returncode == 0, (command, proc.stderr[-1500:])
        assert "Total" in proc.stdout
    assert (clone / "loopcheck.json").exists() and (clone / "loopcheck.sarif").exists()


def test_the_development_commands_run_in_a_fresh_clone(tmp_path):
    (block,) = [b for b in blocks("bash") if "grader.docs --write" in b]
    clone = working_tree_clone(tmp_path / "loopcheck")
    before = (clone / "docs" / "checks.md").read_text(encoding="utf-8")
    for command in commands(block):
        if "pytest" in command or "pip install" in command:
            continue  # the test suite and the install: see SKIPPED and the two commands' test
        proc = run(shlex.split(command, comments=True), clone)
        assert proc.returncode == 0, (command, proc.stderr[-1500:])
    assert (clone / "docs" / "checks.md").read_text(encoding="utf-8") == before, \
        "docs/checks.md is not what `grader.docs --write` writes"


def test_the_first_of_the_two_commands_on_a_fresh_clone(tmp_path):
    (block,) = [b for b in blocks("bash") if "sample_submissions/complete.bundle" in b]
    (first,) = [line for line in block.splitlines() if "complete.bundle" in line]
    clone = working_tree_clone(tmp_path / "loopcheck")
    clean_env = {k: v for k, v in env().items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    clean_env["PATH"] = os.pathsep.join(p for p in clean_env["PATH"].split(os.pathsep)
                                        if not p.startswith(str(Path(sys.executable).parent)))
    proc = subprocess.run(["bash", "-c", first], cwd=clone, env=clean_env, capture_output=True, text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 and re.search(r"(?i)could not find a version|connection|name resolution|network", out):
        pytest.skip(f"the package index can't be reached from here: {out.strip().splitlines()[-1][:200]}")
    assert proc.returncode == 0, out[-3000:]
    assert "Total 100/100" in proc.stdout and "PASS" in proc.stdout


def test_the_ci_snippets_are_valid_and_the_rest_is_run_elsewhere():
    for block in blocks("yaml"):
        assert yaml.safe_load(block), block[:80]
    walkthrough = README.split("<!-- walkthrough:start -->")[1].split("<!-- walkthrough:end -->")[0]
    from test_instructor import walkthrough_commands

    assert len(walkthrough_commands()) == len(commands(walkthrough, prompt=True))  # run there, as written
    assert SKIPPED  # and why the others don't run here
