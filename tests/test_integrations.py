"""The GitHub Action's grading script and the pre-commit hook, run as their hosts would."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT, SAMPLES

BIN = Path(sys.executable).parent


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


def run_grade_step(tmp_path, **inputs):
    spec = action()
    step = next(s for s in spec["runs"]["steps"] if s.get("id") == "grade")
    defaults = {k: str(v.get("default", "")) for k, v in spec["inputs"].items()}
    values = {**defaults, **inputs}
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for key, value in step["env"].items():
        name = value.split("inputs.")[1].rstrip(" }")
        env[key] = values[name]
    (tmp_path / "out.txt").write_text("")
    work = tmp_path / "ws"
    work.mkdir(exist_ok=True)
    # as GitHub runs a composite step's `shell: bash`: the script in a file, run with -e and pipefail
    # (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell)
    script = tmp_path / "grade.sh"
    script.write_text(step["run"])
    assert step["shell"] == "bash"
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)
    outputs = dict(line.split("=", 1) for line in (tmp_path / "out.txt").read_text().splitlines() if "=" in line)
    return proc, outputs, work


def test_action_declares_its_inputs_and_outputs():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert {"path", "rubric", "formats", "threshold", "fail"} <= set(spec["inputs"])
    assert {"score", "percent", "passed"} <= set(spec["outputs"])
    for step in spec["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), "inputs must reach scripts through env"


def test_action_grades_and_writes_reports(tmp_path):
    proc, outputs, work = run_grade_step(tmp_path, path=str(SAMPLES / "complete.bundle"),
                                         formats="json junit sarif markdown")
    assert proc.returncode == 0, proc.stderr
    assert outputs["passed"] == "true" and float(outputs["percent"]) == 100
    assert "::notice title=loopcheck total::" in proc.stdout
    for name in ("loopcheck-report.json", "loopcheck-report.xml", "loopcheck-report.sarif", "loopcheck-report.md"):
        assert (work / name).exists(), name
    assert "## loopcheck" in (tmp_path / "summary.md").read_text()


def test_action_fails_below_threshold_unless_told_not_to(tmp_path):
    proc, outputs, _ = run_grade_step(tmp_path, path=str(SAMPLES / "starter.bundle"))
    assert proc.returncode == 1 and "::error" in proc.stdout
    # the outputs are written before the step fails: a later `if: failure()` step can read them
    assert outputs == {"score": "0.0", "percent": "0.0", "passed": "false"}, outputs
    proc, _, _ = run_grade_step(tmp_path, path=str(SAMPLES / "starter.bundle"), fail="false")
    assert proc.returncode == 0
    proc, _, _ = run_grade_step(tmp_path, path=str(SAMPLES / "starter.bundle"), threshold="0")
    assert proc.returncode == 0


def test_action_rejects_unknown_formats(tmp_path):
    proc, _, _ = run_grade_step(tmp_path, formats="json; rm -rf /")
    assert proc.returncode == 2


def test_pre_commit_hook_runs_as_declared(tmp_path):
    """The hook's command line as declared (pre-commit itself runs it in test_pre_commit.py)."""
    from conftest import Repo

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    command, *entry_args = shlex.split(hook["entry"])
    assert "--staged" in entry_args  # in the entry, so a user's `args:` can't drop it
    exe = shutil.which(command, path=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    assert exe is not None, "loopcheck is installed as a console script by `pip install -e .`"
    repo = Repo(tmp_path / "repo")
    (repo.path / "README.md").write_text("# Reminders\n")
    repo.git("add", "README.md")
    proc = subprocess.run([exe, *entry_args, *hook["args"]], cwd=repo.path, capture_output=True, text=True,
                          timeout=60, env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    assert proc.returncode == 0 and "Total" in proc.stdout, proc.stderr


def test_scale_out_examples_use_shards_and_merge():
    matrix = yaml.safe_load((ROOT / "examples" / "github-actions-matrix.yml").read_text())
    text = (ROOT / "examples" / "github-actions-matrix.yml").read_text()
    assert "--shard" in text and "loopcheck merge grades-*.sqlite" in text
    assert matrix["jobs"]["merge"]["needs"] == "grade"
    job = yaml.safe_load((ROOT / "examples" / "kubernetes-indexed-job.yaml").read_text())
    assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
    args = " ".join(job["spec"]["template"]["spec"]["containers"][0]["args"])
    assert "JOB_COMPLETION_INDEX" in args and "--shard" in args and "--gradebook" in args


# `OWNER/loopcheck@REF` (an action or a pip URL) and `rev: REF` under the loopcheck repo (pre-commit)
_PINS = re.compile(r"OWNER/loopcheck(?:\.git)?@(?P<ref>[\w./-]+)|repo: https://github\.com/OWNER/loopcheck\s+rev: (?P<rev>\S+)")


def test_every_pin_in_the_docs_names_a_ref_that_exists():
    """What the README and the examples tell users to pin must exist in this repository: a
    branch or tag of it (`git tag`, `git branch`), or a commit SHA; no release tag is cut, so the
    docs point at main and show how to pin a commit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname:short)", "refs/tags", "refs/heads",
                           "refs/remotes"], cwd=ROOT, capture_output=True, text=True, check=True, env=env).stdout.split()
    known = {r.split("/", 1)[1] if r.startswith("origin/") else r for r in refs} | {"main"}
    files = [ROOT / "README.md", *sorted((ROOT / "examples").iterdir())]
    found = []
    for path in files:
        for m in _PINS.finditer(path.read_text(encoding="utf-8")):
            ref = m.group("ref") or m.group("rev")
            found.append(ref)
            assert ref in known or re.fullmatch(r"[0-9a-f]{40}", ref), f"{path.name}: {ref!r} is not a ref of loopcheck"
    assert len(found) >= 4, found  # the action, the pre-commit rev and the pip installs are all checked
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pre-commit autoupdate --freeze" in readme and "git ls-remote https://github.com/OWNER/loopcheck" in readme
