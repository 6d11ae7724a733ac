#!/usr/bin/env python3
"""Rebuild the sample submissions' git bundles from the trees in ``src/``.

A nested ``.git`` can't be committed, so each sample is stored as a git bundle that keeps its
history, branches, merges and tags; ``loopcheck sample_submissions/complete.bundle`` grades
the bundle directly. Run ``python sample_submissions/build.py`` after changing ``src/``;
commits carry fixed dates and authors, so the history is the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
EX = "exercises/module-01/exercise-04/"

# Each plan step: ("commit", message, [paths from src/<sample>/]), ("branch", name),
# ("switch", name), ("merge", branch, message), ("tag", name, message or None for lightweight).
PLANS: dict[str, list[tuple]] = {
    "complete": [
        ("commit", "Plan the cart reminder feature with acceptance criteria",
         ["README.md", "docs/plan.md", ".github/ISSUE_TEMPLATE/feature.md",
          ".github/pull_request_template.md", ".github/CODEOWNERS"]),
        ("branch", "feature/reminder-scheduler"),
        ("commit", "Add reminder scheduler with tests for the 24 hour rule",
         ["app/__init__.py", "app/reminders.py", "tests/test_reminders.py", "requirements.txt"]),
        ("commit", "Add CI pipeline that installs, tests and builds the image",
         [".github/workflows/ci.yml", "Dockerfile", "app/server.py"]),
        ("switch", "main"),
        ("merge", "feature/reminder-scheduler", "Merge branch 'feature/reminder-scheduler'"),
        ("commit", "Add Kubernetes manifests with probes, limits and autoscaler",
         ["k8s/deployment.yaml", "k8s/hpa.yaml"]),
        ("commit", "Add changelog and release workflow for tagged versions",
         ["CHANGELOG.md", ".github/workflows/release.yml"]),
        ("tag", "v1.0.0", "First release of cart reminders"),
        ("branch", "feature/monitoring"),
        ("commit", "Add alert rules, dashboard and high error rate runbook",
         ["monitoring/alerts.yml", "monitoring/dashboard.json", "monitoring/provisioning/dashboards.yml",
          "docs/runbooks/high-error-rate.md"]),
        ("switch", "main"),
        ("merge", "feature/monitoring", "Merge branch 'feature/monitoring'"),
        ("commit", "Write the loop mapping and feedback loops for exercise 4.1",
         [EX + "task1-loop-mapping.md", EX + "task2-feedback-loops.md"]),
        ("commit", "Design the pipeline and define success metrics",
         [EX + "task3-pipeline-design.md", EX + "task4-success-metrics.md"]),
        ("tag", "v1.1.0", "Monitoring, rollback and the written mapping"),
    ],
    "half-done": [
        ("commit", "Add exercise templates", ["README.md", EX + "task3-pipeline-design.md",
                                              EX + "task4-success-metrics.md"]),
        ("commit", "Map the first four phases and two feedback loops",
         [EX + "task1-loop-mapping.md", EX + "task2-feedback-loops.md"]),
        ("commit", "Add reminder scheduler with tests",
         ["app/__init__.py", "app/reminders.py", "tests/test_reminders.py", "requirements.txt"]),
        ("commit", "update", [".github/workflows/ci.yml"]),
        ("tag", "release-1", None),
    ],
    "starter": [
        ("commit", "Initial commit", ["README.md", EX + "task1-loop-mapping.md",
                                      EX + "task2-feedback-loops.md", EX + "task3-pipeline-design.md",
                                      EX + "task4-success-metrics.md"]),
    ],
}
# Where each sample's files come from: the first folder that has the path wins.
SOURCES = {"complete": ["complete"], "half-done": ["half", "complete"], "starter": ["starter"]}


def _env(home: str, when: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    stamp = f"{1772100000 + when * 3600} +0000"
    env.update(
        HOME=home, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Sam Learner", GIT_AUTHOR_EMAIL="sam@example.com",
        GIT_COMMITTER_NAME="Sam Learner", GIT_COMMITTER_EMAIL="sam@example.com",
        GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp,
    )
    return env


def build(name: str, out_dir: Path) -> Path:
    sources = [SRC / d for d in SOURCES[name]]
    work = Path(tempfile.mkdtemp(prefix=f"sample-{name}-"))
    try:
        repo = work / "repo"
        repo.mkdir()
        tick = 0

        def git(*args):
            subprocess.run(["git", *args], cwd=repo, env=_env(str(work), tick), check=True,
                           capture_output=True)

        git("init", "--quiet", "--initial-branch=main", "--template=")
        for step in PLANS[name]:
            tick += 1
            kind = step[0]
            if kind == "commit":
                _, message, paths = step
                for rel in paths:
                    dest = repo / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    src = next(s / rel for s in sources if (s / rel).is_file())
                    shutil.copyfile(src, dest)
                git("add", "--", *paths)
                git("commit", "--quiet", "-m", message)
            elif kind == "branch":
                git("switch", "--quiet", "-c", step[1])
            elif kind == "switch":
                git("switch", "--quiet", step[1])
            elif kind == "merge":
                git("merge", "--quiet", "--no-ff", "-m", step[2], step[1])
            elif kind == "tag":
                if step[2]:
                    git("tag", "-a", step[1], "-m", step[2])
                else:
                    git("tag", step[1])
        bundle = out_dir / f"{name}.bundle"
        git("bundle", "create", "--quiet", str(bundle), "HEAD", "--branches", "--tags")
        return bundle
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PLANS:
        print(build(name, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
