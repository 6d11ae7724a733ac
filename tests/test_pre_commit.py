"""The pre-commit hook run by pre-commit itself, as a learner meets it: `pre-commit install`,
then `git commit`. The hook grades what is being committed (the index of that commit), so the
README's blocking variant (`--fail-under 80`) lets through the commit that lifts the grade over
80 and stops the one that drops it below, whatever the last commit's grade."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, working_tree_clone

BIN = Path(sys.executable).parent
SRC = ROOT / "sample_submissions" / "src"
EX = Path("exercises/module-01/exercise-04")


def written_total(sample: str) -> str:
    """The total loopcheck gives the written work of ``sample`` alone (without the rest of its
    repository), as the table says it: the hook must show that grade for such a commit."""
    from grader import rubric
    from grader.report.common import num
    from grader.scoring import grade

    folder = Path(tempfile.mkdtemp(prefix="written-"))
    try:
        shutil.copytree(SRC / sample / EX, folder / EX)
        report = grade(folder, rubric.load("exercise-4.1"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert report.passed  # above the pass mark of 80: the blocking hook lets it through
    return f"Total {num(report.score)}/{num(report.max_score)}"


COMPLETE = written_total("complete")


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This working tree as a repository pre-commit can install the hook from: (path, commit)."""
    clone = working_tree_clone(tmp_path_factory.mktemp("hook") / "loopcheck")
    env = {**isolated(clone.parent)}
    run(["git", "add", "-A"], clone, env)
    run(["git", "commit", "--quiet", "--allow-empty", "-m", "the working tree under test"], clone, env)
    run(["git", "checkout", "--quiet", "-B", "main"], clone, env)  # the branch the README points at
    sha = run(["git", "rev-parse", "HEAD"], clone, env).stdout.strip()
    return clone, sha


def isolated(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_NAME="Learner", GIT_AUTHOR_EMAIL="l@example.com",
               GIT_COMMITTER_NAME="Learner", GIT_COMMITTER_EMAIL="l@example.com",
               PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", NO_COLOR="1")
    return env


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """pre-commit's own cache (the hook's virtualenv), shared by this module's tests."""
    return tmp_path_factory.mktemp("pre-commit-home")


def learner_repo(tmp_path: Path, hook_repo: tuple[Path, str], store: Path, args: list[str] | None,
                 rev: str | None = None):
    """A learner's repository with the README's .pre-commit-config.yaml (the hook from this
    working tree, ``args`` as given) installed by ``pre-commit install``; its first commit holds
    the half-done sample's written work (28%)."""
    path, sha = hook_repo
    repo = tmp_path / "learner"
    repo.mkdir()
    env = {**isolated(tmp_path), "PRE_COMMIT_HOME": str(store)}
    hook: dict = {"id": "loopcheck"}
    if args is not None:
        hook["args"] = args
    config = {"repos": [{"repo": str(path), "rev": rev or sha, "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copytree(SRC / "half" / EX, repo / EX)
    assert run(["git", "init", "--quiet", "--initial-branch=main", "--template="], repo, env).returncode == 0
    installed = run([str(BIN / "pre-commit"), "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    run(["git", "add", "-A"], repo, env)
    first = run(["git", "commit", "--quiet", "--no-verify", "-m", "half done"], repo, env)
    assert first.returncode == 0, first.stderr
    return repo, env


def commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run(["git", "commit", "-m", "work", *args], repo, env)


def head(repo: Path, env: dict[str, str]) -> str:
    return run(["git", "log", "-1", "--format=%s"], repo, env).stdout.strip()


def use(repo: Path, sample: str) -> None:
    """The written work of ``sample`` in the learner's folder (not staged)."""
    for name in ("task1-loop-mapping.md", "task2-feedback-loops.md", "task3-pipeline-design.md",
                 "task4-success-metrics.md"):
        shutil.copyfile(SRC / sample / EX / name, repo / EX / name)


def test_the_blocking_hook_grades_the_commit_being_made(tmp_path, hook_repo, store):
    repo, env = learner_repo(tmp_path, hook_repo, store, ["--fail-under", "80"])
    # the commit that lifts the grade from 28 over the pass mark goes through, though the last commit is at 28
    use(repo, "complete")
    run(["git", "add", "-A"], repo, env)
    lifted = commit(repo, env)
    out = lifted.stdout + lifted.stderr
    assert lifted.returncode == 0, out
    assert COMPLETE in out, out
    assert head(repo, env) == "work"
    assert "graded what is staged for commit" in out, out

    # and the one that drops it is stopped, though the last commit is above the pass mark
    use(repo, "half")
    run(["git", "add", "-A"], repo, env)
    dropped = commit(repo, env)
    out = dropped.stdout + dropped.stderr  # git hands a hook's output to stderr
    assert dropped.returncode != 0, out
    assert "Failed" in out and "Total 28/100" in out, out
    assert head(repo, env) == "work"


def test_commit_all_and_a_partial_commit_grade_what_they_commit(tmp_path, hook_repo, store):
    """`git commit -a` and `git commit PATH` build an index of their own (GIT_INDEX_FILE): the
    hook grades that one, not the index left in .git."""
    repo, env = learner_repo(tmp_path, hook_repo, store, ["--fail-under", "80"])
    use(repo, "complete")  # changed, not staged: .git/index still holds the half-done work
    lifted = commit(repo, env, "-a")
    assert lifted.returncode == 0 and COMPLETE in lifted.stderr, lifted.stdout + lifted.stderr

    use(repo, "half")
    (repo / "notes.txt").write_text("a note, staged\n")
    run(["git", "add", "notes.txt"], repo, env)  # staged; the half-done work is not
    partial = commit(repo, env, "--", "notes.txt")  # commits notes.txt only: the grade stays
    assert partial.returncode == 0, partial.stdout + partial.stderr
    assert COMPLETE in partial.stderr, partial.stderr
    dropped = commit(repo, env, "-a")
    assert dropped.returncode != 0 and "Total 28/100" in dropped.stderr, dropped.stdout + dropped.stderr


def test_the_default_hook_shows_the_grade_and_never_blocks(tmp_path, hook_repo, store):
    repo, env = learner_repo(tmp_path, hook_repo, store, None)
    (repo / "notes.txt").write_text("a note\n")
    run(["git", "add", "notes.txt"], repo, env)
    done = commit(repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "Total 28/100" in out and "graded what is staged for commit" in out, out


def test_the_readme_config_on_main_pins_a_commit_with_autoupdate_freeze(tmp_path, hook_repo, store):
    """No release tag exists: the README points at main and pins a commit SHA with
    `pre-commit autoupdate --freeze`, which must leave a config that installs and runs."""
    path, sha = hook_repo
    repo, env = learner_repo(tmp_path, hook_repo, store, None, rev="main")
    frozen = run([str(BIN / "pre-commit"), "autoupdate", "--freeze"], repo, env)
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert config["repos"][0]["rev"] == sha, config
    run(["git", "add", ".pre-commit-config.yaml"], repo, env)
    done = commit(repo, env)
    assert done.returncode == 0 and "Total 28/100" in done.stderr, done.stdout + done.stderr
